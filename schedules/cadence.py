"""Thought-leadership cadence: when an audience should hear something valuable from the rep.

A cadence is a recurrence computed on the audience's wall clock, so a 09:00 slot stays at 09:00
local across daylight-saving changes. Every form (monthly, quarterly, or a raw RFC 5545 rule)
becomes one dateutil rrule; the form is kept so that a slot's period (the month, the quarter, or
the span to the next occurrence) can say which give fills it.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from dateutil import parser as du_parser
from dateutil import rrule as du_rrule

from core.errors import InvalidValue

WEEKDAYS = {"MO": 0, "TU": 1, "WE": 2, "TH": 3, "FR": 4, "SA": 5, "SU": 6}
WEEKDAY_NAMES = {
    "monday": "MO", "tuesday": "TU", "wednesday": "WE", "thursday": "TH",
    "friday": "FR", "saturday": "SA", "sunday": "SU",
}  # fmt: skip
FREQUENCIES = ("monthly", "quarterly", "custom")
MIN_PERIOD = dt.timedelta(days=7)
PERIOD_SAMPLE = 120
# A fixed phase for rules with an INTERVAL, so that their slots do not move when edited.
DEFAULT_STARTS_ON = dt.date(2024, 1, 1)
DEFAULT_TIME = "09:00"
DEFAULT_DAY = {"week": 2, "weekday": "TU"}  # the second Tuesday
DEFAULT_CADENCE = {"frequency": "monthly", **DEFAULT_DAY, "time": DEFAULT_TIME}
DAY_CHOICES = (
    "give week (1 to 4, or -1 for the last) with weekday (MO to SU), or day (1 to 28, or -1 "
    "for the last), or an rrule; or leave week, weekday and day out for the second Tuesday"
)
FREQUENCY_CHOICES = (
    "Must be monthly, quarterly or custom (custom: give rrule). For weekly or fortnightly slots "
    "give an rrule such as FREQ=WEEKLY;INTERVAL=2;BYDAY=TU (at most weekly)."
)


@dataclass(frozen=True)
class Cadence:
    frequency: str
    time: dt.time
    week: int | None = None
    weekday: str | None = None
    day: int | None = None
    month_of_quarter: int = 1
    rrule: str | None = None
    starts_on: dt.date = DEFAULT_STARTS_ON

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"frequency": self.frequency, "time": self.time.strftime("%H:%M")}
        if self.frequency == "custom":
            data["rrule"] = self.rrule
            data["starts_on"] = self.starts_on.isoformat()
            return data
        if self.day is not None:
            data["day"] = self.day
        else:
            data["week"] = self.week
            data["weekday"] = self.weekday
        if self.frequency == "quarterly":
            data["month_of_quarter"] = self.month_of_quarter
        return data

    def rule(self) -> du_rrule.rrule:
        start = dt.datetime.combine(self.starts_on, self.time)
        if self.frequency == "custom":
            assert self.rrule is not None
            return du_rrule.rrulestr(self.rrule, dtstart=start, cache=False)
        months = (
            tuple(range(self.month_of_quarter, 13, 3)) if self.frequency == "quarterly" else None
        )
        if self.day is not None:
            return du_rrule.rrule(du_rrule.MONTHLY, dtstart=start, bymonth=months,
                                  bymonthday=self.day)  # fmt: skip
        assert self.weekday is not None and self.week is not None
        weekday = du_rrule.weekday(WEEKDAYS[self.weekday])(self.week)
        return du_rrule.rrule(du_rrule.MONTHLY, dtstart=start, bymonth=months, byweekday=weekday)


def parse_cadence(data: Mapping[str, Any] | None) -> Cadence:
    """Validate a cadence as the API receives it; every refusal names the field at fault and
    what may go there. Parts left out (or null) take DEFAULT_CADENCE's: monthly, on the
    second Tuesday, at 09:00; an rrule alone is a custom cadence."""
    data = {key: value for key, value in (data or {}).items() if value is not None}
    data.setdefault("frequency", "custom" if "rrule" in data else "monthly")
    frequency = data["frequency"]
    if frequency not in FREQUENCIES:
        raise InvalidValue("cadence.frequency", FREQUENCY_CHOICES)
    time = _parse_time(data.get("time", DEFAULT_TIME))
    if frequency == "custom":
        return _custom(data, time)
    if data.get("rrule") is not None:
        raise InvalidValue("cadence.rrule", "Give either a frequency's day rule or an rrule.")
    month_of_quarter = data.get("month_of_quarter", 1)
    if frequency == "quarterly" and month_of_quarter not in (1, 2, 3):
        raise InvalidValue("cadence.month_of_quarter", "Must be 1, 2 or 3.")
    if frequency == "monthly" and "month_of_quarter" in data:
        raise InvalidValue("cadence.month_of_quarter", "Only a quarterly cadence has one.")
    if data.get("day") is not None:
        if data.get("weekday") is not None or data.get("week") is not None:
            raise InvalidValue("cadence.day", "Give either a day of the month or a week and day.")
        day = data["day"]
        if not isinstance(day, int) or isinstance(day, bool) or not (1 <= day <= 28 or day == -1):
            raise InvalidValue("cadence.day", "Must be 1 to 28, or -1 for the last day.")
        return Cadence(frequency, time, day=day, month_of_quarter=month_of_quarter)
    if "week" not in data and "weekday" not in data:
        data.update(DEFAULT_DAY)
    for part in ("week", "weekday"):
        if part not in data:
            raise InvalidValue(f"cadence.{part}", f"Missing: {DAY_CHOICES}.")
    weekday = str(data["weekday"]).strip()
    weekday = WEEKDAY_NAMES.get(weekday.lower(), weekday.upper())
    if weekday not in WEEKDAYS:
        raise InvalidValue("cadence.weekday", "Must be a weekday such as TU or tuesday.")
    week = data.get("week")
    if week not in (1, 2, 3, 4, -1) or isinstance(week, bool):
        raise InvalidValue("cadence.week", "Must be 1 to 4, or -1 for the last such weekday.")
    return Cadence(frequency, time, week=week, weekday=weekday, month_of_quarter=month_of_quarter)


def _parse_time(value: Any) -> dt.time:
    try:
        parsed = dt.time.fromisoformat(str(value))
    except ValueError:
        raise InvalidValue("cadence.time", "Must be a local time such as 09:00.") from None
    if parsed.tzinfo is not None:
        raise InvalidValue(
            "cadence.time", "Give a wall-clock time; the audience's timezone applies."
        )
    if parsed.second or parsed.microsecond:  # slots fall on the minute; dropping them is a guess
        raise InvalidValue("cadence.time", "Give hours and minutes only, such as 09:00.")
    return parsed


def _custom(data: Mapping[str, Any], time: dt.time) -> Cadence:
    text = str(data.get("rrule") or "").strip()
    if text.upper().startswith("RRULE:"):
        text = text[len("RRULE:") :]
    if not text:
        raise InvalidValue(
            "cadence.rrule",
            "A custom cadence is an RFC 5545 rule, such as FREQ=WEEKLY;INTERVAL=2;BYDAY=MO.",
        )
    if "DTSTART" in text.upper() or "\n" in text:
        raise InvalidValue("cadence.rrule", "Give one RRULE value such as FREQ=MONTHLY;BYDAY=2TU.")
    _check_until(text)
    try:
        starts_on = dt.date.fromisoformat(str(data.get("starts_on", DEFAULT_STARTS_ON)))
    except ValueError:
        raise InvalidValue("cadence.starts_on", "Must be a date such as 2025-01-01.") from None
    cadence = Cadence("custom", time, rrule=text, starts_on=starts_on)
    try:
        occurrences = list(_take(cadence.rule(), PERIOD_SAMPLE))
    except (ValueError, TypeError) as exc:
        raise InvalidValue("cadence.rrule", f"Not a valid RFC 5545 rule: {exc}.") from None
    if not occurrences:
        raise InvalidValue("cadence.rrule", "The rule never occurs.")
    gaps = [b - a for a, b in itertools.pairwise(occurrences)]
    if gaps and min(gaps) < MIN_PERIOD:
        raise InvalidValue(
            "cadence.rrule", "Occurs more often than weekly; thought leadership needs room."
        )
    return cadence


def _check_until(text: str) -> None:
    """The rule runs on the audience's wall clock, so its UNTIL is read there too (RFC 5545
    with a local DTSTART); dateutil refuses a UTC one saying it "must be specified in UTC"."""
    for part in text.split(";"):
        name, _, value = part.partition("=")
        if name.strip().upper() != "UNTIL":
            continue
        try:  # as rrulestr reads it; what it cannot read, it refuses itself
            until = du_parser.parse(value)
        except (ValueError, OverflowError):
            return
        if until.tzinfo is not None:
            raise InvalidValue(
                "cadence.rrule",
                f"UNTIL={value.strip()} is a time in UTC or at an offset, and this rule runs on "
                "the audience's own clock: give its end on that clock, with no Z or offset, "
                f"such as UNTIL={until:%Y%m%dT%H%M%S} or UNTIL={until:%Y%m%d}.",
            )


def _take(rule: du_rrule.rrule, count: int) -> list[dt.datetime]:
    found = []
    for occurrence in rule:
        found.append(occurrence)
        if len(found) == count:
            break
    return found


def to_utc(local: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    return local.replace(tzinfo=zone).astimezone(dt.UTC)


def slots_between(
    cadence: Cadence, timezone: str, start: dt.datetime, end: dt.datetime
) -> list[dt.datetime]:
    """Slot instants (aware UTC) with ``start <= slot < end``."""
    zone = ZoneInfo(timezone)
    local_start = start.astimezone(zone).replace(tzinfo=None) - dt.timedelta(days=1)
    local_end = end.astimezone(zone).replace(tzinfo=None) + dt.timedelta(days=1)
    found = (
        to_utc(local, zone) for local in cadence.rule().between(local_start, local_end, inc=True)
    )
    return [slot for slot in found if start <= slot < end]


def slots_with_periods(
    cadence: Cadence, timezone: str, start: dt.datetime, end: dt.datetime
) -> list[tuple[dt.datetime, tuple[dt.datetime, dt.datetime]]]:
    """:func:`slots_between` with each slot's :func:`slot_period`; a range whose slots or
    periods would fall outside years 1 to 9999 is refused, naming the bound near the limit."""
    try:
        return [(slot, slot_period(cadence, timezone, slot)) for slot in
                slots_between(cadence, timezone, start, end)]  # fmt: skip
    except (OverflowError, ValueError):  # "date value out of range", "year 10000 is out of range"
        field = "from" if start.year <= 1 else "to"
        raise InvalidValue(field, "Too close to the calendar's limits (years 1 to 9999).") from None


def slot_period(
    cadence: Cadence, timezone: str, slot: dt.datetime
) -> tuple[dt.datetime, dt.datetime]:
    """The span a slot stands for: a give anywhere in it fills the slot.

    Monthly and quarterly slots stand for their calendar month or quarter (in local time), so a
    give posted a few days off the slot still counts; a custom rule's slot runs to its next one.
    """
    zone = ZoneInfo(timezone)
    local = slot.astimezone(zone).replace(tzinfo=None)
    if cadence.frequency == "custom":
        following = cadence.rule().after(local)
        end = to_utc(following, zone) if following else slot + dt.timedelta(days=3660)
        return slot, end
    months = 3 if cadence.frequency == "quarterly" else 1
    first_month = local.month - (local.month - 1) % months
    begin = dt.datetime(local.year, first_month, 1)
    month_index = begin.month - 1 + months
    finish = dt.datetime(begin.year + month_index // 12, month_index % 12 + 1, 1)
    return to_utc(begin, zone), to_utc(finish, zone)
