"""The team view's pure parts: the default window, filling slots with a rep's gives, and the
"needs help" sentences a manager reads first."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo


def quarter_of(now: dt.datetime, timezone: str) -> tuple[dt.datetime, dt.datetime]:
    """The calendar quarter holding ``now`` on the ``timezone`` clock, as aware UTC bounds."""
    zone = ZoneInfo(timezone)
    local = now.astimezone(zone)
    first = (local.month - 1) // 3 * 3 + 1
    start = dt.datetime(local.year, first, 1, tzinfo=zone)
    end = dt.datetime(local.year + first // 10, (first + 2) % 12 + 1, 1, tzinfo=zone)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def filled(
    periods: Sequence[tuple[dt.datetime, dt.datetime]], gives: Sequence[dt.datetime]
) -> list[bool]:
    """Whether each slot's period holds a give of its own: one give fills one slot, the first
    free give in time order (``gives`` sorted), as the calendar's slots are filled."""
    result, used = [], 0
    for begin, end in periods:
        while used < len(gives) and gives[used] < begin:
            used += 1
        hit = used < len(gives) and gives[used] < end
        used += hit
        result.append(hit)
    return result


def first_open(
    slots: Sequence[tuple[dt.datetime, tuple[dt.datetime, dt.datetime]]],
    gives: Sequence[dt.datetime],
) -> dt.datetime | None:
    """The first of ``slots`` (each with its period) that the ``gives`` leave open."""
    hits = filled([period for _, period in slots], gives)
    return next((at for (at, _), hit in zip(slots, hits, strict=True) if not hit), None)


def window_label(
    start: dt.datetime, end: dt.datetime, quarter: tuple[dt.datetime, dt.datetime], timezone: str
) -> str:
    """How a sentence names the window: "this quarter", or its dates on the team's clock."""
    if (start, end) == quarter:
        return "this quarter"
    first, last = window_days(start, end, timezone)
    return f"from {first} to {last}"


def window_days(start: dt.datetime, end: dt.datetime, timezone: str) -> tuple[dt.date, dt.date]:
    """The window's first and last days on the team's clock (its ``end`` is exclusive)."""
    zone = ZoneInfo(timezone)
    last = end.astimezone(zone) - dt.timedelta(microseconds=1)
    return start.astimezone(zone).date(), last.date()


def display_name(email: str) -> str:
    """A rep's name as a manager says it, from their email: sam.lee@… is "Sam Lee"."""
    local = email.split("@", 1)[0]
    return " ".join(part.capitalize() for part in local.replace("_", ".").split(".") if part)


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def needs_help(name: str, open_slots: int, refused_asks: int, window: str) -> str | None:
    """One sentence when a rep leaves slots empty or pitches too early; None otherwise."""
    reasons = []
    if open_slots:
        reasons.append(f"{plural(open_slots, 'open slot')} {window}")
    if refused_asks:
        reasons.append(plural(refused_asks, "refused ask"))
    return f"{name}: {', '.join(reasons)}" if reasons else None
