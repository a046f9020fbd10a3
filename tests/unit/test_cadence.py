"""Cadence validation and slots on the audience's wall clock."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from core.errors import InvalidValue
from schedules.cadence import parse_cadence, slot_period, slots_between

UTC = dt.UTC


def local_times(cadence, zone, start, end):
    found = slots_between(parse_cadence(cadence), zone, start, end)
    return [s.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M %z") for s in found]


def test_monthly_slot_stays_at_nine_local_across_both_berlin_changes():
    cadence = {"frequency": "monthly", "week": -1, "weekday": "FR", "time": "09:00"}
    start, end = dt.datetime(2025, 3, 1, tzinfo=UTC), dt.datetime(2025, 12, 1, tzinfo=UTC)
    found = local_times(cadence, "Europe/Berlin", start, end)
    assert found[0] == "2025-03-28 09:00 +0100"
    assert found[1] == "2025-04-25 09:00 +0200"
    assert found[7] == "2025-10-31 09:00 +0100"
    assert all(" 09:00 " in slot for slot in found)


def test_quarterly_defaults_to_the_first_month_of_each_quarter():
    cadence = parse_cadence({"frequency": "quarterly", "day": 15})
    found = slots_between(
        cadence, "America/New_York", dt.datetime(2025, 1, 1, tzinfo=UTC),
        dt.datetime(2026, 1, 1, tzinfo=UTC),
    )  # fmt: skip
    assert [s.month for s in found] == [1, 4, 7, 10]


def test_slot_period_is_the_local_month_or_quarter():
    cadence = parse_cadence({"frequency": "quarterly", "day": 15, "month_of_quarter": 2})
    (slot,) = slots_between(
        cadence, "Europe/Berlin", dt.datetime(2025, 4, 1, tzinfo=UTC),
        dt.datetime(2025, 7, 1, tzinfo=UTC),
    )  # fmt: skip
    assert slot.month == 5
    begin, end = slot_period(cadence, "Europe/Berlin", slot)
    assert (begin, end) == (
        dt.datetime(2025, 3, 31, 22, tzinfo=UTC),
        dt.datetime(2025, 6, 30, 22, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    ("cadence", "field"),
    [
        ({"frequency": "weekly"}, "cadence.frequency"),
        ({"frequency": "monthly", "weekday": "TU"}, "cadence.week"),
        ({"frequency": "monthly", "week": 1, "weekday": "TU", "day": 3}, "cadence.day"),
        ({"rrule": "FREQ=HOURLY"}, "cadence.rrule"),
        ({"rrule": "FREQ=MONTHLY;COUNT=0"}, "cadence.rrule"),
        ({"rrule": "DTSTART:20250101T000000\nRRULE:FREQ=MONTHLY"}, "cadence.rrule"),
    ],
)
def test_invalid_cadences_name_their_field(cadence, field):
    with pytest.raises(InvalidValue) as raised:
        parse_cadence(cadence)
    assert raised.value.field == field


def test_weekly_is_the_most_frequent_custom_rule_allowed():
    assert parse_cadence({"rrule": "RRULE:FREQ=WEEKLY;BYDAY=TU"}).frequency == "custom"
