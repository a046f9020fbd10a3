"""The relationship guard as pure functions over one person's history.

The audience rule (``rule.py``) keeps a rep's broadcast feed from turning into a sales channel.
This is its personal half: a one-to-one ask (a meeting request, a referral request, an offer)
to someone is fair only once they accepted the connection a while ago and have been given
something since, so a pitch seconds after an acceptance cannot be scheduled.

An ask at ``at`` to a person is allowed when all of these hold:

- ``connected``: the person accepted the connection request;
- ``days_after_connect``: at least ``min_days_after_connect`` days have passed since;
- ``touches``: at least ``touches_per_ask`` touches (gives aimed at the person) come strictly
  before the ask, within ``touches_lookback_days`` of it, and after the anchor: the previous
  ask to the person (strictly after it) or, before the first ask, the acceptance (at or after
  it, as both are often recorded as dates). An old acceptance never stands in for recent
  giving;
- ``days_between_asks``: the previous ask to the person is at least ``min_days_between_asks``
  days earlier.

A person's history is short (a handful of touches and asks), so every check judges the whole of
it; :func:`introduced` then keeps only what a change newly breaks, so a history that an older,
looser policy allowed does not block unrelated edits.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from schedules.rule import ASK_AFTER_GIVE_GAP, later

Condition = Literal["connected", "days_after_connect", "touches", "days_between_asks"]
Stage = Literal["new", "requested", "connected", "engaged", "ready_to_ask", "asked"]
STAGES: tuple[Stage, ...] = ("new", "requested", "connected", "engaged", "ready_to_ask", "asked")

DEFAULT_MIN_DAYS_AFTER_CONNECT = 14
DEFAULT_TOUCHES_PER_ASK = 2
# Half a year: a comment or an introduction older than that is not "recent giving" any more,
# while a rep who touches a person every couple of months (two per ask) is never held up.
DEFAULT_TOUCHES_LOOKBACK_DAYS = 180


@dataclass(frozen=True)
class PersonPolicy:
    min_days_after_connect: int = DEFAULT_MIN_DAYS_AFTER_CONNECT
    touches_per_ask: int = DEFAULT_TOUCHES_PER_ASK
    min_days_between_asks: int = 30
    touches_lookback_days: int = DEFAULT_TOUCHES_LOOKBACK_DAYS

    @property
    def lookback(self) -> dt.timedelta:
        return dt.timedelta(days=self.touches_lookback_days)


@dataclass(frozen=True)
class Ask:
    at: dt.datetime
    post_id: int | None


@dataclass(frozen=True)
class History:
    """What the guard needs to know about one person; the sequences may come in any order."""

    accepted_at: dt.datetime | None
    touches: Sequence[dt.datetime] = ()
    asks: Sequence[Ask] = ()
    requested_at: dt.datetime | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "touches", tuple(sorted(self.touches)))
        object.__setattr__(self, "asks", tuple(sorted(self.asks, key=lambda a: a.at)))

    def with_touch(self, old: dt.datetime | None, new: dt.datetime | None) -> History:
        """The history once one touch at ``old`` moves to ``new`` (None: added or removed)."""
        touches = list(self.touches)
        if old is not None:
            touches.remove(old)
        if new is not None:
            touches.append(new)
        return replace(self, touches=touches)

    def with_ask(self, old: Ask | None, new: Ask | None) -> History:
        """The history once one ask changes (None: it joins or leaves the timeline)."""
        asks = [a for a in self.asks if old is None or a != old]
        if new is not None:
            asks.append(new)
        return replace(self, asks=asks)


@dataclass(frozen=True)
class Unmet:
    """One condition an ask fails, with what would satisfy it.

    ``satisfied_on`` is the first instant from which the condition holds (for ``touches``: one
    minute after the touch that would complete the count, when that touch is already recorded
    before the next ask), None when none does on the calendar; ``touches_needed`` is how many
    more touches the ask lacks where it is.
    """

    condition: Condition
    satisfied_on: dt.datetime | None = None
    touches_needed: int | None = None


@dataclass(frozen=True)
class AskViolation:
    at: dt.datetime
    post_id: int | None
    unmet: tuple[Unmet, ...] = field(default_factory=tuple)


def unmet(
    history: History, policy: PersonPolicy, at: dt.datetime, post_id: int | None = None
) -> list[Unmet]:
    """The conditions an ask at ``at`` fails, judged against the person's other asks.

    ``post_id`` names the ask being judged so it is not its own predecessor; a new ask (None)
    is judged against every recorded one. Another ask at the same instant counts as previous.
    """
    others = [a.at for a in history.asks if post_id is None or a.post_id != post_id]
    index = bisect.bisect_right(others, at)
    prev = others[index - 1] if index else None
    following = others[index] if index < len(others) else None
    found: list[Unmet] = []
    accepted = history.accepted_at
    if accepted is None:
        found.append(Unmet("connected"))
    else:
        ready = later(accepted, dt.timedelta(days=policy.min_days_after_connect))
        if ready is None or at < ready:
            found.append(Unmet("days_after_connect", satisfied_on=ready))
        found.extend(_touches(history.touches, accepted, prev, following, at, policy))
    if prev is not None:
        spaced = later(prev, dt.timedelta(days=policy.min_days_between_asks))
        if spaced is None or at < spaced:
            found.append(Unmet("days_between_asks", satisfied_on=spaced))
    return found


def _touches(
    touches: Sequence[dt.datetime],
    accepted: dt.datetime,
    prev: dt.datetime | None,
    following: dt.datetime | None,
    at: dt.datetime,
    policy: PersonPolicy,
) -> list[Unmet]:
    if prev is not None and prev >= accepted:
        after_anchor = bisect.bisect_right(touches, prev)
    else:
        after_anchor = bisect.bisect_left(touches, accepted)
    since = later(at, -policy.lookback)
    first = max(after_anchor, bisect.bisect_left(touches, since) if since else 0)
    counted = max(0, bisect.bisect_left(touches, at) - first)
    if counted >= policy.touches_per_ask:
        return []
    satisfied_on = _completed(touches[after_anchor:], at, following, policy)
    return [
        Unmet(
            "touches",
            satisfied_on=satisfied_on,
            touches_needed=policy.touches_per_ask - counted,
        )
    ]


def _completed(
    touches: Sequence[dt.datetime],
    at: dt.datetime,
    following: dt.datetime | None,
    policy: PersonPolicy,
) -> dt.datetime | None:
    """The first instant after ``at`` and before the next ask that follows ``touches_per_ask``
    recorded touches within one lookback, or None (moving past the next ask would change its
    cover too; touches that faded before ``at`` do not come back)."""
    k = policy.touches_per_ask
    for i in range(len(touches) - k + 1):
        done = later(touches[i + k - 1], ASK_AFTER_GIVE_GAP)
        if done is None:  # the completing touch is on the calendar's last minute
            return None
        if done <= at:
            continue
        if following is not None and done >= following:
            return None
        if done - touches[i] <= policy.lookback:
            return done
    return None


def violations(history: History, policy: PersonPolicy) -> list[AskViolation]:
    """Every ask in the history that the guard refuses, each judged against its predecessor."""
    found = []
    for ask in history.asks:
        others = History(
            history.accepted_at,
            history.touches,
            [a for a in history.asks if a is not ask],
            history.requested_at,
        )
        failed = unmet(others, policy, ask.at)
        if failed:
            found.append(AskViolation(ask.at, ask.post_id, tuple(failed)))
    return found


def introduced(before: Iterable[AskViolation], after: Iterable[AskViolation]) -> list[AskViolation]:
    """The violations in ``after`` that ``before`` did not already have, per ask and condition.

    Asks are matched by post id; the new ask (id None) is always new.
    """
    known = {(v.post_id, u.condition) for v in before if v.post_id is not None for u in v.unmet}
    fresh = []
    for v in after:
        unmet_now = tuple(u for u in v.unmet if (v.post_id, u.condition) not in known)
        if unmet_now:
            fresh.append(AskViolation(v.at, v.post_id, unmet_now))
    return fresh


def stage(history: History, policy: PersonPolicy, now: dt.datetime) -> Stage:
    """Where the person stands on the path from a new connection to a fair ask, at ``now``.

    After an ask the person stays ``asked`` until a touch comes after it: the rep is expected
    to keep giving, and the next ask is earned again (``engaged``, then ``ready_to_ask``).
    A pending (future) ask keeps the person ``asked`` too.
    """
    if history.accepted_at is None or history.accepted_at > now:
        return "requested" if history.requested_at is not None else "new"
    past_asks = [a.at for a in history.asks if a.at <= now]
    if len(past_asks) < len(history.asks):
        return "asked"
    last_ask = past_asks[-1] if past_asks else None
    anchor = history.accepted_at if last_ask is None or last_ask < history.accepted_at else None
    if anchor is not None:
        since = bisect.bisect_left(history.touches, anchor)
    else:
        since = bisect.bisect_right(history.touches, last_ask)
    touched = bisect.bisect_right(history.touches, now) - since
    if touched <= 0:
        return "connected" if anchor is not None else "asked"
    return "engaged" if unmet(history, policy, now) else "ready_to_ask"
