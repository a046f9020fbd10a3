"""The give-before-ask rule as pure functions over a timeline.

An audience's timeline is its scheduled and published posts ordered by time. Every ask needs
``gives_per_ask`` gives strictly after the previous ask (or the start of the timeline) and
strictly before itself, and must come at least ``min_days_between_asks`` after the previous ask.

Nothing here touches a database. :func:`check_change` reads only the neighbourhood of a change
through a :class:`TimelineSource`, so the persistence layer can answer it with a few indexed
queries and the cost of a check does not grow with the length of the calendar. That shortcut is
sound only because every accepted change keeps the whole timeline valid; the property test in
``tests/unit/test_rule_properties.py`` checks the shortcut against :func:`violations` on the
whole timeline.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

Kind = Literal["give", "ask"]

PRESETS: dict[str, int] = {"jab-jab-jab-right-hook": 3, "80-20": 4, "4-1-1": 5}
DEFAULT_GIVES_PER_ASK = 3
DEFAULT_MIN_DAYS_BETWEEN_ASKS = 30
# "Strictly after the last give" in a unit a person schedules in.
ASK_AFTER_GIVE_GAP = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class Entry:
    at: dt.datetime
    post_id: int
    kind: Kind


@dataclass(frozen=True)
class Policy:
    gives_per_ask: int = DEFAULT_GIVES_PER_ASK
    min_days_between_asks: int = DEFAULT_MIN_DAYS_BETWEEN_ASKS

    @property
    def min_gap(self) -> dt.timedelta:
        return dt.timedelta(days=self.min_days_between_asks)


@dataclass(frozen=True)
class Violation:
    """One ask the timeline would leave uncovered, with what would cover it."""

    post_id: int
    at: dt.datetime
    gives_counted: int
    gives_required: int
    previous_ask_at: dt.datetime | None
    min_days_between_asks: int
    earliest_allowed_at: dt.datetime | None

    @property
    def too_soon(self) -> bool:
        return self.previous_ask_at is not None and self.at - self.previous_ask_at < dt.timedelta(
            days=self.min_days_between_asks
        )

    @property
    def gives_missing(self) -> int:
        return max(0, self.gives_required - self.gives_counted)


def violations(
    entries: Iterable[Entry], policy: Policy, previous_ask_at: dt.datetime | None = None
) -> list[Violation]:
    """Every ask in ``entries`` that the rule refuses.

    ``entries`` must hold every timeline entry after ``previous_ask_at`` (the whole timeline when
    it is None) up to the last ask to judge; entries beyond it only help to find an earliest
    allowed date.
    """
    ordered = sorted(entries, key=lambda e: e.at)
    give_times = [e.at for e in ordered if e.kind == "give"]
    ask_times = [e.at for e in ordered if e.kind == "ask"]
    found: list[Violation] = []
    prev = previous_ask_at
    for index, ask in enumerate(e for e in ordered if e.kind == "ask"):
        next_ask_at = ask_times[index + 1] if index + 1 < len(ask_times) else None
        violation = _judge(ask, prev, next_ask_at, give_times, policy)
        if violation is not None:
            found.append(violation)
        prev = ask.at
    return found


def _judge(
    ask: Entry,
    prev: dt.datetime | None,
    next_ask_at: dt.datetime | None,
    give_times: Sequence[dt.datetime],
    policy: Policy,
) -> Violation | None:
    first_after_prev = 0 if prev is None else bisect.bisect_right(give_times, prev)
    counted = bisect.bisect_left(give_times, ask.at) - first_after_prev
    too_soon = prev is not None and ask.at - prev < policy.min_gap
    if counted >= policy.gives_per_ask and not too_soon:
        return None
    return Violation(
        post_id=ask.post_id,
        at=ask.at,
        gives_counted=max(counted, 0),
        gives_required=policy.gives_per_ask,
        previous_ask_at=prev,
        min_days_between_asks=policy.min_days_between_asks,
        earliest_allowed_at=_earliest(prev, next_ask_at, give_times, first_after_prev, policy),
    )


def _earliest(
    prev: dt.datetime | None,
    next_ask_at: dt.datetime | None,
    give_times: Sequence[dt.datetime],
    first_after_prev: int,
    policy: Policy,
) -> dt.datetime | None:
    """The first instant this ask alone could move to and pass, or None if no date would do.

    Moving past the next ask would change that ask's cover too, so such dates are not offered.
    """
    bounds = []
    if prev is not None:
        bounds.append(prev + policy.min_gap)
    if policy.gives_per_ask:
        last_needed = first_after_prev + policy.gives_per_ask - 1
        if last_needed >= len(give_times):
            return None
        bounds.append(give_times[last_needed] + ASK_AFTER_GIVE_GAP)
    if not bounds:
        return None
    earliest = max(bounds)
    if next_ask_at is not None and earliest >= next_ask_at:
        return None
    return earliest


class TimelineSource(Protocol):
    """The reads :func:`check_change` needs; each must leave out the post ``exclude_id``."""

    def last_ask_before(self, at: dt.datetime, exclude_id: int) -> dt.datetime | None: ...

    def first_ask_after(self, at: dt.datetime, exclude_id: int) -> dt.datetime | None: ...

    def asks_between(
        self, after: dt.datetime | None, until: dt.datetime, exclude_id: int
    ) -> list[Entry]:
        """Asks with ``after < at <= until`` (no lower bound when ``after`` is None)."""
        ...

    def first_gives_between(
        self, after: dt.datetime | None, until: dt.datetime | None, limit: int, exclude_id: int
    ) -> list[Entry]:
        """The first ``limit`` gives with ``after < at <= until``, in time order (None: open).

        A give at the same instant as an ask covers neither it nor the next ask, but it still
        bounds the earliest date that ask could move to, so it is read with the gap before it.
        """
        ...


def check_change(
    source: TimelineSource, policy: Policy, before: Entry | None, after: Entry | None
) -> list[Violation]:
    """Violations a change of one post would cause, reading only its neighbourhood.

    ``before`` is the post's entry on the timeline now (None if it is not on it), ``after`` its
    entry once the change is applied (None if it leaves the timeline). Assumes the timeline
    without this change is valid, which every accepted change keeps true.
    """
    changed = before or after
    if changed is None:
        return []
    found: dict[int, Violation] = {}
    for point in sorted({e.at for e in (before, after) if e is not None}):
        entries, anchor = _neighbourhood(source, policy, point, changed.post_id, after)
        for violation in violations(entries, policy, previous_ask_at=anchor):
            found.setdefault(violation.post_id, violation)
    return sorted(found.values(), key=lambda v: v.at)


def _neighbourhood(
    source: TimelineSource, policy: Policy, point: dt.datetime, post_id: int, added: Entry | None
) -> tuple[list[Entry], dt.datetime | None]:
    """The asks around ``point`` and, after each, just enough gives to judge the next one.

    The window runs from the last ask before ``point`` (the anchor) to the first ask after it,
    plus the ask after that so an earliest date is never offered beyond it. A judgement only
    needs to know whether ``gives_per_ask`` gives separate two asks, so at most that many gives
    are read per gap: the cost is bounded by the policy, not by the calendar's length.
    """
    added_ask = added if added is not None and added.kind == "ask" else None
    anchor = source.last_ask_before(point, post_id)
    if added_ask is not None and added_ask.at < point and (anchor is None or added_ask.at > anchor):
        anchor = added_ask.at
    upper = source.first_ask_after(point, post_id)
    if added_ask is not None and added_ask.at > point and (upper is None or added_ask.at < upper):
        upper = added_ask.at

    asks = source.asks_between(anchor, upper or point, post_id)
    if added_ask is not None and (anchor is None or added_ask.at > anchor):
        asks.append(added_ask)
    if asks:
        last = max(a.at for a in asks)
        beyond = source.first_ask_after(last, post_id)
        if beyond is not None:
            asks.extend(source.asks_between(last, beyond, post_id))
    asks = sorted({a.post_id: a for a in asks}.values(), key=lambda e: e.at)

    starts = [anchor, *(a.at for a in asks)]
    ends = [a.at for a in asks] + [None]
    gives: list[Entry] = []
    for start, end in zip(starts, ends, strict=True):
        gives.extend(source.first_gives_between(start, end, policy.gives_per_ask, post_id))
    if added is not None and added.kind == "give":
        gives.append(added)
    return asks + gives, anchor


class ListTimeline:
    """A :class:`TimelineSource` over an in-memory list: for tests and whole-timeline tools."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        self.entries = sorted(entries, key=lambda e: e.at)

    def _others(self, kind: Kind, exclude_id: int) -> list[Entry]:
        return [e for e in self.entries if e.kind == kind and e.post_id != exclude_id]

    def last_ask_before(self, at: dt.datetime, exclude_id: int) -> dt.datetime | None:
        asks = [e.at for e in self._others("ask", exclude_id) if e.at < at]
        return asks[-1] if asks else None

    def first_ask_after(self, at: dt.datetime, exclude_id: int) -> dt.datetime | None:
        asks = [e.at for e in self._others("ask", exclude_id) if e.at > at]
        return asks[0] if asks else None

    def asks_between(
        self, after: dt.datetime | None, until: dt.datetime, exclude_id: int
    ) -> list[Entry]:
        return [
            e
            for e in self._others("ask", exclude_id)
            if (after is None or e.at > after) and e.at <= until
        ]

    def first_gives_between(
        self, after: dt.datetime | None, until: dt.datetime | None, limit: int, exclude_id: int
    ) -> list[Entry]:
        gives = [
            e
            for e in self._others("give", exclude_id)
            if (after is None or e.at > after) and (until is None or e.at <= until)
        ]
        return gives[:limit]


@dataclass(frozen=True)
class Ratio:
    """Where an audience stands before its next ask."""

    last_ask_at: dt.datetime | None
    gives_since_last_ask: int
    gives_required: int
    gives_needed: int
    earliest_next_ask_at: dt.datetime | None


def ratio(
    last_ask_at: dt.datetime | None,
    gives_since_last_ask: int,
    covering_give_at: dt.datetime | None,
    policy: Policy,
    now: dt.datetime,
) -> Ratio:
    """The standing for an ask placed after everything on the timeline.

    ``covering_give_at`` is the ``gives_per_ask``-th give after the last ask, if there is one.
    The earliest date is never in the past: an ask is planned from now on.
    """
    needed = max(0, policy.gives_per_ask - gives_since_last_ask)
    earliest: dt.datetime | None = None
    if needed == 0:
        bounds = [now.replace(second=0, microsecond=0)]
        if covering_give_at is not None:
            bounds.append(covering_give_at + ASK_AFTER_GIVE_GAP)
        if last_ask_at is not None:
            bounds.append(last_ask_at + policy.min_gap)
        earliest = max(bounds)
    return Ratio(
        last_ask_at=last_ask_at,
        gives_since_last_ask=gives_since_last_ask,
        gives_required=policy.gives_per_ask,
        gives_needed=needed,
        earliest_next_ask_at=earliest,
    )
