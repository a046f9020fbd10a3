"""The give-before-ask rule's and the relationship guard's refusals in plain words.

The API reports numbers (gives counted, required, earliest date in UTC); a rep at a form needs
one sentence on their own clock that says what to do next.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from app.web.formatting import day, when
from schedules.contacts.relationship import PersonPolicy
from schedules.models import Contact
from schedules.rule import Violation


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def explain(
    violations: Sequence[Violation],
    audience: str,
    timezone: str,
    changed_post_id: int | None,
    titles: Mapping[int, str],
) -> list[str]:
    """One sentence per ask the change would break.

    ``changed_post_id`` is the post the rep is editing (None for a new one); an ask of that id
    is "this ask", any other is named by its title from ``titles``.
    """
    return [
        _own(v, audience, timezone)
        if v.post_id == changed_post_id
        else _other(v, titles.get(v.post_id, "an ask"), timezone)
        for v in violations
    ]


def _own(v: Violation, audience: str, timezone: str) -> str:
    needs = []
    if v.gives_missing:
        needs.append(
            f"share {_plural(v.gives_missing, 'more value post')} with {audience} first "
            f"(only value posts from the {v.gives_lookback_days} days before an ask count)"
        )
    if v.too_soon and v.previous_ask_at is not None:
        needs.append(
            f"leave at least {_plural(v.min_days_between_asks, 'day')} after your previous ask "
            f"on {day(v.previous_ask_at, timezone)}"
        )
    sentence = " and ".join(needs)
    sentence = sentence[:1].upper() + sentence[1:]
    if v.earliest_allowed_at is not None:
        sentence += f", or choose a date on or after {when(v.earliest_allowed_at, timezone)}"
    elif v.next_ask_at is not None:
        sentence += (
            f"; no date before your next ask on {when(v.next_ask_at, timezone)} leaves both "
            "covered, so add value posts or move that ask"
        )
    return sentence + "."


def _other(v: Violation, title: str, timezone: str) -> str:
    problems = []
    if v.gives_missing:
        problems.append(
            f"with only {v.gives_counted} of the {_plural(v.gives_required, 'value post')} it needs"
        )
    if v.too_soon:
        gap = _plural(v.min_days_between_asks, "day")
        problems.append(f"less than {gap} after the ask before it")
    sentence = f"This would leave your ask “{title}” on {when(v.at, timezone)} "
    sentence += " and ".join(problems)
    if v.earliest_allowed_at is not None:
        moved = when(v.earliest_allowed_at, timezone)
        return sentence + f"; move that ask to {moved} or later first."
    return sentence + "; schedule another value post before that ask first."


# ---------------------------------------------------------------- one person


TOUCH_IDEAS = "comment on their post, share an article, congratulate, introduce, help or meet"


def _touches(count: int) -> str:
    return f"{count} more touch" if count == 1 else f"{count} more touches"


def _days_since(accepted: dt.datetime, at: dt.datetime | None, now: dt.datetime) -> str:
    days = ((at or now) - accepted).days
    gap = "less than a day" if days < 1 else f"only {_plural(days, 'day')}"
    return f"{gap} ago" if at is None else f"{gap} before this ask"


def explain_person(
    conditions: Sequence[Mapping],
    contact: Contact,
    policy: PersonPolicy,
    timezone: str,
    at: dt.datetime | None = None,
    titles: Mapping[int, str] | None = None,
    now: dt.datetime | None = None,
) -> list[str]:
    """One sentence per unmet condition of the relationship guard, in the order it lists them.

    ``conditions`` are the guard's entries (a refusal's, or a contact's ``next_ask``); ``at`` is
    when the ask would go out, None for "an ask now". An entry about another ask to the person
    (its ``post_id`` set) is prefixed with that ask's title from ``titles``.
    """
    first = contact.name.split()[0]
    now = now or dt.datetime.now(dt.UTC)
    sentences = []
    for c in conditions:
        kind, satisfied_on = c["condition"], c.get("satisfied_on")
        if kind == "connected":
            sentence = (
                f"Wait for {first} to accept your connection request, and record it here"
                if contact.requested_at
                else f"Connect with {first} first: send a request with a personal note"
            )
        elif kind == "days_after_connect":
            since = _days_since(contact.accepted_at, at, now) if contact.accepted_at else ""
            sentence = f"Wait until {when(satisfied_on, timezone)}: {first} connected {since}"
        elif kind == "touches":
            sentence = (
                f"Give {first} {_touches(c['touches_needed'])} first ({TOUCH_IDEAS}); only "
                f"touches from the {policy.touches_lookback_days} days before an ask count"
            )
            if satisfied_on is not None:
                sentence += (
                    f", or choose {when(satisfied_on, timezone)} or later, after the touches "
                    "you already planned"
                )
        else:  # days_between_asks
            sentence = (
                f"Leave {_plural(policy.min_days_between_asks, 'day')} after your previous ask "
                f"to {first}: choose {when(satisfied_on, timezone)} or later"
            )
        post_id = c.get("post_id")
        if post_id is not None:
            title = (titles or {}).get(post_id, "an ask")
            sentence = (
                f"This would leave your ask “{title}” on {when(c['scheduled_at'], timezone)} "
                f"short: {sentence[:1].lower()}{sentence[1:]}"
            )
        sentences.append(sentence + ".")
    return sentences
