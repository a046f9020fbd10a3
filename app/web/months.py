"""Month and quarter views of an audience's calendar, cut into weeks on its wall clock."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from schedules.models import Post
from schedules.times import local

VIEWS = {"month": 1, "quarter": 3}
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class Item:
    at: dt.datetime  # local
    kind: str  # give, ask or slot (an open one)
    post: Post | None = None


@dataclass
class Day:
    date: dt.date
    in_period: bool
    items: list[Item] = field(default_factory=list)


@dataclass
class Week:
    days: list[Day]

    @property
    def start(self) -> dt.date:
        return self.days[0].date

    @property
    def items(self) -> list[Item]:
        return [item for d in self.days if d.in_period for item in d.items]


@dataclass(frozen=True)
class Period:
    view: str
    first: dt.date  # first day of the period
    end: dt.date  # first day after it

    @property
    def label(self) -> str:
        if self.view == "month":
            return f"{self.first:%B %Y}"
        return f"Q{(self.first.month - 1) // 3 + 1} {self.first.year}"

    @property
    def grid_start(self) -> dt.date:
        return self.first - dt.timedelta(days=self.first.weekday())

    @property
    def grid_end(self) -> dt.date:
        return self.end + dt.timedelta(days=(7 - self.end.weekday()) % 7)

    def shifted(self, periods: int) -> str:
        """The ``start`` parameter of the period ``periods`` away (negative: earlier)."""
        return f"{_add_months(self.first, VIEWS[self.view] * periods):%Y-%m}"

    def utc_bounds(self, timezone: str) -> tuple[dt.datetime, dt.datetime]:
        """The whole grid, days of the neighbouring months included, as UTC instants."""
        zone = ZoneInfo(timezone)
        start = dt.datetime.combine(self.grid_start, dt.time(), zone).astimezone(dt.UTC)
        end = dt.datetime.combine(self.grid_end, dt.time(), zone).astimezone(dt.UTC)
        return start, end


def _add_months(date: dt.date, months: int) -> dt.date:
    index = date.year * 12 + date.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def period(view: str, start: str | None, today: dt.date) -> Period:
    """The month or quarter holding ``start`` (``YYYY-MM``), or today's when it is unusable
    (before 1900, or in 9999, where the period would end past the calendar's last day)."""
    view = view if view in VIEWS else "month"
    match = _MONTH.match(start or "")
    first = dt.date(today.year, today.month, 1)
    if match and 1 <= int(match[2]) <= 12 and 1900 <= int(match[1]) <= 9998:
        first = dt.date(int(match[1]), int(match[2]), 1)
    if view == "quarter":
        first = first.replace(month=(first.month - 1) // 3 * 3 + 1)
    return Period(view, first, _add_months(first, VIEWS[view]))


def weeks(
    span: Period, timezone: str, posts: Iterable[Post], open_slots: Iterable[dt.datetime]
) -> list[Week]:
    """Monday-to-Sunday weeks covering the period, each day with its posts and open slots."""
    zone = ZoneInfo(timezone)
    days: dict[dt.date, Day] = {}
    date = span.grid_start
    while date < span.grid_end:
        days[date] = Day(date, span.first <= date < span.end)
        date += dt.timedelta(days=1)
    items = [Item(local(p.scheduled_at, timezone), p.kind, p) for p in posts if p.scheduled_at]
    items += [Item(slot.astimezone(zone), "slot") for slot in open_slots]
    for item in sorted(items, key=lambda i: (i.at, i.kind)):
        if item.at.date() in days:
            days[item.at.date()].items.append(item)
    ordered = list(days.values())
    return [Week(ordered[i : i + 7]) for i in range(0, len(ordered), 7)]
