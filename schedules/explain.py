"""Every refusal of an ask in words: the audience rule's violations and the relationship guard's
unmet conditions, turned into sentences for a given time zone.

Each reason has two readers. An API client gets the numbers beside the text, so its ``detail``
states the rule and the instants in UTC (``*_detail``); a rep at a form needs one sentence on
the audience's clock that says what to do next (``*_sentences``). Both are written here alone.
The sentences pass each name or title a user typed through ``typed``, so a page can mark it
out (isolated from the words around it) while the text stays plain.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Literal

from schedules.contacts.relationship import AskViolation, PersonPolicy, Unmet
from schedules.models import Contact
from schedules.rule import NoDate, Ratio, Violation
from schedules.times import day, when

TOUCH_IDEAS = "comment on their post, share an article, congratulate, introduce, help or meet"


def _utc(at: dt.datetime) -> str:
    return f"{at:%Y-%m-%d %H:%M} UTC"


# An unmet condition whose first passing date would fall after the calendar's last day: only
# rows dated at its very end, stored before dates were bounded, get here.
NO_DATE_LEFT = "no date on the calendar, which ends on 9999-12-31, is late enough"


def _as_typed(text: str) -> str:
    return text


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def gives_wanted(reader: Literal["api", "page"], audience: str, found: Violation | Ratio) -> str:
    """The value posts the audience rule still wants before an ask, worded here alone for both
    readers: the API states the rule and the count, a rep reads what to share with ``audience``
    first. ``found`` is an ask on the calendar (a violation) or an ask now (a ratio)."""
    days, required = found.gives_lookback_days, found.gives_required
    if isinstance(found, Ratio):
        now, counted, needed = True, found.gives_since_last_ask, max(1, found.gives_needed)
    else:
        now, counted, needed = False, found.gives_counted, found.gives_missing
    if reader == "api":
        return (
            f"it needs {required} value posts since {'your' if now else 'the'} previous ask and "
            f"within {days} days before it, and has {counted}{' on the calendar' if now else ''}"
        )
    share = f"share {_plural(needed, 'more value post')} with {audience} first"
    if now:
        return (
            f"{share}: its rule wants {required} value posts before each ask (from the {days} "
            "days before it), so no date passes yet"
        )
    return f"{share} (only value posts from the {days} days before an ask count)"


def _passes_from(earliest: dt.datetime | None, reason: NoDate | None) -> str:
    """The API's hint after a refusal: the first date that passes, else why none does."""
    if earliest is not None:
        return f"; the earliest date that would pass is {_utc(earliest)}"
    return f"; no date passes: {no_date(reason) or 'schedule more value posts first'}"


# ---------------------------------------------------------------- the API's detail


def rule_detail(audience_name: str, violations: Iterable[Violation]) -> str:
    """The audience rule's refusal: per ask, what it lacks and the earliest date that passes."""
    parts = []
    for v in violations:
        reasons = []
        if v.gives_missing:
            reasons.append(gives_wanted("api", audience_name, v))
        if v.too_soon:
            reasons.append(
                f"it comes less than {v.min_days_between_asks} days after the previous ask"
            )
        hint = _passes_from(v.earliest_allowed_at, v.no_date)
        label = f"ask {v.post_id}" if v.post_id is not None else "the new ask"
        parts.append(f"{label} at {_utc(v.at)}: {' and '.join(reasons)}{hint}")
    return f"This change would leave asks to {audience_name} uncovered: " + "; ".join(parts) + "."


def no_date(reason: NoDate | None) -> str | None:
    """Why no date would pass, in a clause (instants in UTC); None when one would."""
    if reason is None:
        return None
    k, days, gap = reason.gives_per_ask, reason.gives_lookback_days, reason.min_days_between_asks
    if reason.code == "calendar_end":
        return NO_DATE_LEFT
    if reason.next_ask_at is None:
        return f"schedule {k} value posts within {days} days first"
    next_ask = f"the next ask at {_utc(reason.next_ask_at)}"
    if reason.code == "few_gives":
        return (
            f"fewer than {k} value posts fall within {days} days of any date before the next "
            "ask; schedule more value posts first"
        )
    if reason.code == "next_gap":
        return f"{next_ask} needs {gap} days before it"
    if reason.code == "next_gives":
        return f"{next_ask} needs the {k} value posts before it; add value posts or move that ask"
    return (
        f"any earlier date leaves too few value posts, and any later one takes the value posts "
        f"of {next_ask} or comes less than {gap} days before it; add value posts or move that ask"
    )


NEEDS_AUDIENCE = (
    "the contact has no audience: a one-to-one ask also counts on an audience's calendar, so "
    "give the contact one first"
)


def audience_detail(audience_name: str, ratio: Ratio) -> str:
    """Why the audience rule refuses a one-to-one ask now (``ratio`` from now), and the first
    date it allows, or what to do when none would pass."""
    sentence = f"the audience rule of {audience_name} refuses an ask now: " + (
        gives_wanted("api", audience_name, ratio)
        if ratio.gives_needed
        else "the value posts it needs since your previous ask are still to come, or that ask "
        "is too recent"
    )
    return sentence + _passes_from(ratio.earliest_next_ask_at, ratio.no_date)


def condition_detail(name: str, policy: PersonPolicy, unmet: Unmet) -> str:
    """One unmet condition of the relationship guard, with the reason the guard exists."""
    at = _utc(unmet.satisfied_on) if unmet.satisfied_on else None
    allowed = f"allowed from {at}" if at else NO_DATE_LEFT
    if unmet.condition == "connected":
        return (
            f"{name} has not accepted a connection yet; being connected is not consent to be "
            "pitched, so record the acceptance and give first"
        )
    if unmet.condition == "days_after_connect":
        return (
            f"{name} connected less than {policy.min_days_after_connect} days earlier, and a "
            f"pitch right after connecting reads as the reason you connected; {allowed}"
        )
    if unmet.condition == "touches":
        counted = policy.touches_per_ask - (unmet.touches_needed or 0)
        hint = (
            f", or move the ask to {at}, after touches already planned"
            if at
            else " (comment, share an article, congratulate, introduce, help or meet)"
        )
        return (
            f"it needs {policy.touches_per_ask} touches aimed at {name} since the connection or "
            f"the previous ask, within {policy.touches_lookback_days} days before it, and has "
            f"{counted}: give {unmet.touches_needed} more first{hint}"
        )
    return (
        f"the previous ask to {name} is less than {policy.min_days_between_asks} days earlier; "
        f"{allowed}"
    )


def relationship_detail(
    found: Iterable[tuple[str, PersonPolicy, AskViolation]], audience_detail: str | None = None
) -> str:
    """The guard's refusal of asks to people (by name), and the audience rule's when it refuses
    the same ask too, so one answer carries every reason."""
    parts = []
    for name, policy, violation in found:
        reasons = "; ".join(condition_detail(name, policy, u) for u in violation.unmet)
        label = "the new ask" if violation.post_id is None else f"ask {violation.post_id}"
        parts.append(f"{label} to {name} at {_utc(violation.at)}: {reasons}")
    detail = "Not yet a fair ask: " + " | ".join(parts) + "."
    if audience_detail is not None:
        detail += " The audience rule refuses it too: " + audience_detail
    return detail


# ---------------------------------------------------------------- the rep's sentences


def rule_sentences(
    violations: Sequence[Violation],
    audience: str,
    timezone: str,
    changed_post_id: int | None,
    titles: Mapping[int, str],
    typed: Callable[[str], str] = _as_typed,
) -> list[str]:
    """One sentence per ask the change would break.

    ``changed_post_id`` is the post the rep is editing (None for a new one); an ask of that id
    is "this ask", any other is named by its title from ``titles``.
    """
    return [
        _own(v, typed(audience), timezone)
        if v.post_id == changed_post_id
        else _other(v, typed(titles[v.post_id]) if v.post_id in titles else "an ask", timezone)
        for v in violations
    ]


def _own(v: Violation, audience: str, timezone: str) -> str:
    needs = []
    if v.gives_missing:
        needs.append(gives_wanted("page", audience, v))
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


def audience_sentence(
    audience: str, ratio: Ratio | None, timezone: str, typed: Callable[[str], str] = _as_typed
) -> str:
    """What the audience rule needs before a one-to-one ask, for a rep (the audience's
    clock): the date it allows, or the value posts to share first."""
    if ratio is None:
        return "Give this contact an audience first: a one-to-one ask also counts on its calendar."
    name = typed(audience)
    if ratio.earliest_next_ask_at is not None:
        return (
            f"The audience rule of {name} (value posts before an ask) lets your next ask go out "
            f"from {when(ratio.earliest_next_ask_at, timezone)}: choose that or later."
        )
    sentence = gives_wanted("page", name, ratio)
    return sentence[:1].upper() + sentence[1:] + "."


def _touches(count: int) -> str:
    return f"{count} more touch" if count == 1 else f"{count} more touches"


def _days_since(accepted: dt.datetime, at: dt.datetime | None, now: dt.datetime) -> str:
    days = ((at or now) - accepted).days
    gap = "less than a day" if days < 1 else f"only {_plural(days, 'day')}"
    return f"{gap} ago" if at is None else f"{gap} before this ask"


def person_sentences(
    conditions: Sequence[Mapping],
    contact: Contact,
    policy: PersonPolicy,
    timezone: str,
    at: dt.datetime | None = None,
    titles: Mapping[int, str] | None = None,
    now: dt.datetime | None = None,
    typed: Callable[[str], str] = _as_typed,
) -> list[str]:
    """One sentence per unmet condition of the relationship guard, in the order it lists them.

    ``conditions`` are the guard's entries (a refusal's, or a contact's ``next_ask``); ``at`` is
    when the ask would go out, None for "an ask now". An entry about another ask to the person
    (its ``post_id`` set) is prefixed with that ask's title from ``titles``.
    """
    first = typed(contact.name.split()[0])
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
            # The gap alone ("less than a day ago") hides where the date comes from: the wait.
            since += (
                f"; the rule waits {_plural(policy.min_days_after_connect, 'day')} "
                "after a connection"
            )
            sentence = (
                f"Wait until {when(satisfied_on, timezone)}: {first} connected {since}"
                if satisfied_on
                else f"{first} connected {since}, and {NO_DATE_LEFT}"
            )
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
                f"to {first}: "
                + (
                    f"choose {when(satisfied_on, timezone)} or later"
                    if satisfied_on
                    else NO_DATE_LEFT
                )
            )
        post_id = c.get("post_id")
        if post_id is not None:
            title = typed(titles[post_id]) if post_id in (titles or {}) else "an ask"
            # Our own opening word follows the colon in lower case; a name stays as typed.
            own = sentence if sentence.startswith(first) else sentence[:1].lower() + sentence[1:]
            sentence = (
                f"This would leave your ask “{title}” on {when(c['scheduled_at'], timezone)} "
                f"short: {own}"
            )
        sentences.append(sentence + ".")
    return sentences
