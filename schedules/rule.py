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
# A quarterly cadence with three gives per ask still works; posts from years ago do not count.
DEFAULT_GIVES_LOOKBACK_DAYS = 365
# "Strictly after the last give" in a unit a person schedules in.
ASK_AFTER_GIVE_GAP = dt.timedelta(minutes=1)


def later(at: dt.datetime, delta: dt.timedelta) -> dt.datetime | None:
    """``at + delta``, or None off the calendar (after 9999-12-31, before year 1), where no date
    can be offered: rows stored before dates were bounded may sit at its end."""
    try:
        return at + delta
    except OverflowError:
        return None


@dataclass(frozen=True)
class Entry:
    at: dt.datetime
    post_id: int
    kind: Kind


@dataclass(frozen=True)
class Policy:
    gives_per_ask: int = DEFAULT_GIVES_PER_ASK
    min_days_between_asks: int = DEFAULT_MIN_DAYS_BETWEEN_ASKS
    gives_lookback_days: int = DEFAULT_GIVES_LOOKBACK_DAYS

    @property
    def min_gap(self) -> dt.timedelta:
        return dt.timedelta(days=self.min_days_between_asks)

    @property
    def lookback(self) -> dt.timedelta:
        return dt.timedelta(days=self.gives_lookback_days)


@dataclass(frozen=True)
class NoDate:
    """Why no date between the asks either side would pass, as data (``explain.no_date`` words
    it). ``code``: ``few_gives`` (too few gives within the lookback of any date), ``next_gap``
    (the next ask needs the gap before it), ``next_gives`` (the next ask needs the gives before
    it), ``squeezed`` (every date either lacks gives or takes the next ask's), ``calendar_end``
    (a date that would pass lies beyond 9999-12-31)."""

    code: Literal["few_gives", "next_gap", "next_gives", "squeezed", "calendar_end"]
    gives_per_ask: int
    gives_lookback_days: int
    min_days_between_asks: int
    next_ask_at: dt.datetime | None = None


@dataclass(frozen=True)
class Violation:
    """One ask the timeline would leave uncovered, with what would cover it.

    ``earliest_allowed_at`` is None when no date between the asks either side would pass;
    ``no_date`` then says why.
    """

    post_id: int
    at: dt.datetime
    gives_counted: int
    gives_required: int
    previous_ask_at: dt.datetime | None
    min_days_between_asks: int
    earliest_allowed_at: dt.datetime | None
    gives_lookback_days: int = DEFAULT_GIVES_LOOKBACK_DAYS
    no_date: NoDate | None = None
    next_ask_at: dt.datetime | None = None

    @property
    def too_soon(self) -> bool:
        return self.previous_ask_at is not None and self.at - self.previous_ask_at < dt.timedelta(
            days=self.min_days_between_asks
        )

    @property
    def gives_missing(self) -> int:
        return max(0, self.gives_required - self.gives_counted)


def counted_gives(
    give_times: Sequence[dt.datetime], prev: dt.datetime | None, at: dt.datetime, policy: Policy
) -> int:
    """Gives strictly between the previous ask and ``at``, and no older than the lookback."""
    since = later(at, -policy.lookback)
    first = bisect.bisect_left(give_times, since) if since else 0
    if prev is not None:
        first = max(first, bisect.bisect_right(give_times, prev))
    return max(0, bisect.bisect_left(give_times, at) - first)


def violations(
    entries: Iterable[Entry],
    policy: Policy,
    previous_ask_at: dt.datetime | None = None,
    not_before: dt.datetime | None = None,
) -> list[Violation]:
    """Every ask in ``entries`` that the rule refuses.

    ``entries`` must hold every timeline entry after ``previous_ask_at`` (the whole timeline when
    it is None) up to the last ask to judge; entries beyond it only help to find an earliest
    allowed date, which is never before ``not_before`` (now, for a calendar planned forward).
    """
    ordered = sorted(entries, key=lambda e: e.at)
    give_times = [e.at for e in ordered if e.kind == "give"]
    ask_times = [e.at for e in ordered if e.kind == "ask"]
    found: list[Violation] = []
    prev = previous_ask_at
    for index, ask in enumerate(e for e in ordered if e.kind == "ask"):
        next_ask_at = ask_times[index + 1] if index + 1 < len(ask_times) else None
        violation = _judge(ask, prev, next_ask_at, give_times, policy, not_before)
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
    not_before: dt.datetime | None,
) -> Violation | None:
    counted = counted_gives(give_times, prev, ask.at, policy)
    too_soon = prev is not None and ask.at - prev < policy.min_gap
    if counted >= policy.gives_per_ask and not too_soon:
        return None
    earliest, reason = earliest_between(prev, next_ask_at, give_times, policy, not_before)
    return Violation(
        post_id=ask.post_id,
        at=ask.at,
        gives_counted=counted,
        gives_required=policy.gives_per_ask,
        previous_ask_at=prev,
        min_days_between_asks=policy.min_days_between_asks,
        earliest_allowed_at=earliest,
        gives_lookback_days=policy.gives_lookback_days,
        no_date=reason,
        next_ask_at=next_ask_at,
    )


def earliest_between(
    prev: dt.datetime | None,
    next_ask_at: dt.datetime | None,
    give_times: Sequence[dt.datetime],
    policy: Policy,
    not_before: dt.datetime | None = None,
) -> tuple[dt.datetime | None, NoDate | None]:
    """The first instant between the asks either side where an ask passes and leaves the next
    ask covered too, or None with the reason no such instant exists.

    Every candidate is checked against the gives known here only; more gives never break an
    ask, so an instant that passes on them passes on the whole timeline.
    """
    spaced = later(prev, policy.min_gap) if prev else None
    if prev and spaced is None:
        return None, _no_date("calendar_end", policy, next_ask_at)
    lower = [t for t in (not_before, spaced) if t is not None]
    gives = [g for g in give_times if (prev is None or g > prev)]
    if next_ask_at is not None:
        gives = [g for g in gives if g < next_ask_at]
    latest, reason = _latest_keeping_next(next_ask_at, gives, policy)
    k = policy.gives_per_ask
    candidates = [max(lower)] if k == 0 and lower else []
    ends = False
    for i in range(max(0, len(gives) - k + 1) if k else 0):
        after_gives = later(gives[i + k - 1], ASK_AFTER_GIVE_GAP)
        if after_gives is None:
            ends = True  # the k-th give is on the calendar's last minute, as are later ones
            break
        at = max([after_gives, *lower])
        if at - gives[i] <= policy.lookback:
            candidates.append(at)
            break
    if not candidates:
        return None, _no_date("calendar_end" if ends else "few_gives", policy, next_ask_at)
    at = candidates[0]
    if reason is not None and (latest is None or at > latest):
        return None, reason
    return at, None


def _latest_keeping_next(
    next_ask_at: dt.datetime | None, gives: Sequence[dt.datetime], policy: Policy
) -> tuple[dt.datetime | None, NoDate | None]:
    """The last instant an ask may take before ``next_ask_at`` and leave that ask covered, and
    the reason to give if the ask cannot come that early; (None, reason) when no instant leaves
    it covered, (None, None) when there is no next ask to keep covered."""
    if next_ask_at is None:
        return None, None
    spaced = later(next_ask_at, -policy.min_gap)
    k = policy.gives_per_ask
    if k == 0 or spaced is None:
        return spaced, _no_date("next_gap", policy, next_ask_at)
    window = [g for g in gives if next_ask_at - g <= policy.lookback]
    if len(window) < k:
        return None, _no_date("next_gives", policy, next_ask_at)
    # The ask must come strictly before the k-th last give, and be spaced from the next ask.
    before_gives = later(window[-k], -dt.timedelta(microseconds=1))
    if before_gives is None:
        return None, _no_date("next_gives", policy, next_ask_at)
    return min(spaced, before_gives), _no_date("squeezed", policy, next_ask_at)


def _no_date(code: str, policy: Policy, next_ask_at: dt.datetime | None) -> NoDate:
    return NoDate(code, policy.gives_per_ask, policy.gives_lookback_days,
                  policy.min_days_between_asks, next_ask_at)  # type: ignore[arg-type]  # fmt: skip


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

    def last_gives_between(
        self, after: dt.datetime | None, until: dt.datetime, limit: int, exclude_id: int
    ) -> list[Entry]:
        """The last ``limit`` gives with ``after < at < until``: the ones an ask at ``until``
        counts first, since older gives fade out of its lookback."""
        ...

    def last_ask(self) -> dt.datetime | None:
        """The time of the timeline's last ask, if any (for :func:`ratio`)."""
        ...

    def count_gives_between(self, after: dt.datetime, before: dt.datetime | None) -> int:
        """How many gives fall in ``after < at < before`` (None: open)."""
        ...


def check_change(
    source: TimelineSource,
    policy: Policy,
    before: Entry | None,
    after: Entry | None,
    not_before: dt.datetime | None = None,
) -> list[Violation]:
    """Violations a change of one post would cause, reading only its neighbourhood.

    ``before`` is the post's entry on the timeline now (None if it is not on it), ``after`` its
    entry once the change is applied (None if it leaves the timeline). Assumes the timeline
    without this change is valid, which every accepted change keeps true. Earliest dates are
    never offered before ``not_before``.
    """
    changed = before or after
    if changed is None:
        return []
    found: dict[int, Violation] = {}
    for point in sorted({e.at for e in (before, after) if e is not None}):
        asks, anchor = _asks_around(source, point, changed.post_id, after)
        gaps = list(
            zip([anchor, *(a.at for a in asks)], [*(a.at for a in asks), None], strict=True)
        )
        k = policy.gives_per_ask
        # The last gives of each gap decide whether the ask after it is covered: it needs k
        # recent ones, and if k lie within its lookback, the last k do.
        gives = [
            give
            for start, end in gaps
            if end is not None
            for give in source.last_gives_between(start, end, k, changed.post_id)
        ]
        if after is not None and after.kind == "give":
            gives.append(after)
        if not violations(asks + gives, policy, anchor):
            continue
        # The first ones only place the earliest date of an ask refused: read for a refusal.
        gives += [
            give
            for start, end in gaps
            for give in source.first_gives_between(start, end, k, changed.post_id)
        ]
        unique = {(g.post_id, g.at): g for g in gives}
        for violation in violations(asks + list(unique.values()), policy, anchor, not_before):
            found.setdefault(violation.post_id, violation)
    return sorted(found.values(), key=lambda v: v.at)


def _asks_around(
    source: TimelineSource, point: dt.datetime, post_id: int, added: Entry | None
) -> tuple[list[Entry], dt.datetime | None]:
    """The asks around ``point``, in time order, and the last ask before them (the anchor).

    The window runs from the anchor to the first ask after ``point``, plus the ask after that
    so an earliest date is never offered beyond it. A judgement only needs to know whether
    ``gives_per_ask`` recent gives separate two asks, so :func:`check_change` reads at most that
    many gives at each end of a gap between them (the last ones count toward the ask after the
    gap, the first ones place an earliest date): the cost is bounded by the policy, not by the
    calendar.
    """
    added_ask = added if added is not None and added.kind == "ask" else None
    anchor = source.last_ask_before(point, post_id)
    if added_ask is not None and added_ask.at < point and (anchor is None or added_ask.at > anchor):
        anchor = added_ask.at
    upper = source.first_ask_after(point, post_id)
    if added_ask is not None and added_ask.at > point and (upper is None or added_ask.at < upper):
        upper = added_ask.at

    asks = source.asks_between(anchor, upper or point, post_id)
    added_within = added_ask is not None and (anchor is None or added_ask.at > anchor)
    if added_within and added_ask.at <= (upper or point):  # type: ignore[union-attr]
        asks.append(added_ask)  # type: ignore[arg-type]
    if asks:
        last = max(a.at for a in asks)
        beyond = source.first_ask_after(last, post_id)
        if (
            added_ask is not None
            and last < added_ask.at
            and (beyond is None or added_ask.at < beyond)
        ):
            asks.append(added_ask)  # the moved ask comes next: it and the ask after it
        if beyond is not None:
            asks.extend(source.asks_between(last, beyond, post_id))
    return sorted({a.post_id: a for a in asks}.values(), key=lambda e: e.at), anchor


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

    def last_gives_between(
        self, after: dt.datetime | None, until: dt.datetime, limit: int, exclude_id: int
    ) -> list[Entry]:
        gives = [
            e
            for e in self._others("give", exclude_id)
            if (after is None or e.at > after) and e.at < until
        ]
        return gives[-limit:] if limit else []

    def last_ask(self) -> dt.datetime | None:
        asks = self._others("ask", 0)
        return asks[-1].at if asks else None

    def count_gives_between(self, after: dt.datetime, before: dt.datetime | None) -> int:
        return sum(
            1 for e in self._others("give", 0) if e.at > after and (before is None or e.at < before)
        )


@dataclass(frozen=True)
class NextAsk:
    """The first ask still to come, and how well its gives cover it."""

    post_id: int
    at: dt.datetime
    gives_counted: int
    gives_required: int

    @property
    def covered(self) -> bool:
        return self.gives_counted >= self.gives_required


@dataclass(frozen=True)
class Ratio:
    """What the rep needs now: the next ask's cover, and where a new ask could go.

    ``last_ask_at``, ``gives_since_last_ask`` and ``gives_needed`` describe the gap a new ask
    would go in (counting only gives within the lookback), ``earliest_next_ask_at`` the first
    instant from now where it passes (None, with ``no_date``, when only more gives help).
    """

    last_ask_at: dt.datetime | None
    gives_since_last_ask: int
    gives_required: int
    gives_needed: int
    earliest_next_ask_at: dt.datetime | None
    gives_lookback_days: int = DEFAULT_GIVES_LOOKBACK_DAYS
    next_ask: NextAsk | None = None
    no_date: NoDate | None = None


def ratio(source: TimelineSource, policy: Policy, now: dt.datetime) -> Ratio:
    """What the rep needs now: the next ask's cover, and the first date a new ask would pass.

    A new ask is placed from now on: first between the last ask and the next one (leaving the
    next one covered), else after the last ask on the calendar. Every read is bounded by the
    policy, as in a check.
    """
    k = policy.gives_per_ask
    prev = source.last_ask_before(now, 0)
    next_at = source.first_ask_after(now, 0)
    next_ask = None
    fresh_from = max(t for t in (prev, now - policy.lookback) if t is not None)
    if next_at is not None:
        ask = source.asks_between(now, next_at, 0)[0]
        covering = source.last_gives_between(prev, next_at, k, 0)
        counted = counted_gives([g.at for g in covering], prev, next_at, policy)
        next_ask = NextAsk(ask.post_id, ask.at, counted, k)
        gives = source.first_gives_between(fresh_from, next_at, k, 0) + covering
        earliest, reason = earliest_between(
            prev, next_at, sorted({g.at for g in gives}), policy, now
        )
        if earliest is not None:
            count = source.count_gives_between(fresh_from, next_at)
            return Ratio(prev, count, k, max(0, k - count), earliest,
                         policy.gives_lookback_days, next_ask)  # fmt: skip
        prev = source.last_ask()
        fresh_from = max(t for t in (prev, now - policy.lookback) if t is not None)
    # After the last ask: try a few windows of gives, since old ones fade out of the lookback.
    gives = source.first_gives_between(fresh_from, None, 4 * k, 0)
    earliest, reason = earliest_between(prev, None, [g.at for g in gives], policy, now)
    count = source.count_gives_between(fresh_from, None)
    needed = max(0 if earliest else 1, k - count)
    return Ratio(prev, count, k, needed, earliest, policy.gives_lookback_days, next_ask,
                 None if earliest else reason)  # fmt: skip
