"""Instants read and written on an audience's clock (no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from core.errors import InvalidValue
from schedules.times import REACH, local_iso, parse_stored, parse_when, when


def test_a_naive_time_is_read_on_the_audience_clock_and_stored_in_utc():
    at = parse_when("scheduled_at", "2031-03-04T09:00", "Europe/Berlin")
    assert at == dt.datetime(2031, 3, 4, 8, 0, tzinfo=dt.UTC)
    assert local_iso(at, "Europe/Berlin") == "2031-03-04T09:00:00+01:00"
    assert when(at, "Europe/Berlin") == "Tue 4 March 2031, 09:00"


def test_an_offset_whose_plus_was_not_url_encoded_is_still_the_offset():
    expected = dt.datetime(2027, 2, 1, 10, 0, tzinfo=dt.UTC)
    for written in ("2027-02-01T11:00:00 01:00", "2027-02-01T11:00 0100", "2027-02-01T11:00 01",
                    "2027-02-01 11:00:00 01:00"):  # fmt: skip
        assert parse_when("scheduled_at", written, "America/New_York") == expected


@pytest.mark.parametrize(
    "written",
    ["01/02/2027 11:00", "2027-02-01T11:00 EST", "Feb 1 2027 11:00", "2027-02-01T11:00 PM"],
)
def test_only_iso_8601_is_read_since_a_guess_would_store_another_time(written):
    with pytest.raises(InvalidValue) as raised:
        parse_when("scheduled_at", written, "Europe/Berlin")
    assert raised.value.field == "scheduled_at"
    assert "ISO 8601" in str(raised.value)


def test_blank_is_none_and_nonsense_names_the_field():
    assert parse_when("from", "", "UTC") is None
    with pytest.raises(InvalidValue) as raised:
        parse_when("from", "next blursday", "UTC")
    assert raised.value.field == "from"


def test_a_stored_date_reaches_a_hundred_years_ahead_and_no_further():
    now = dt.datetime(2026, 12, 7, 9, tzinfo=dt.UTC)
    assert parse_stored("accepted_at", now + REACH, "UTC", now) == now + REACH
    assert parse_stored("accepted_at", "1999-01-01", "UTC", now).year == 1999  # the past: any
    for far in (now + REACH + dt.timedelta(seconds=1), "9999-12-31T00:00:00Z", "2206-01-01"):
        with pytest.raises(InvalidValue) as raised:
            parse_stored("accepted_at", far, "Europe/Berlin", now)
        assert raised.value.field == "accepted_at"
        assert "more than 100 years from now" in raised.value.message


def test_a_moment_past_the_calendars_end_on_the_zones_clock_shows_in_utc():
    """Stored before dates were bounded: 9999-12-31T23:30Z is in year 10000 in Berlin."""
    at = dt.datetime(9999, 12, 31, 23, 30, tzinfo=dt.UTC)
    assert local_iso(at, "Europe/Berlin") == "9999-12-31T23:30:00+00:00"
    assert when(at, "Europe/Berlin", today=dt.date(2026, 1, 1)) == "Fri 31 December 9999, 23:30"


def test_a_stored_time_the_clock_skips_is_refused_and_one_it_shows_twice_is_the_first():
    """Moved an hour on without a word, 02:30 on the night Berlin springs forward was stored as
    03:30; a range bound (``parse_when``) may fall in the gap, a post's time may not."""
    with pytest.raises(InvalidValue) as raised:
        parse_stored("scheduled_at", "2027-03-28T02:30", "Europe/Berlin")
    assert raised.value.field == "scheduled_at"
    assert raised.value.message == (
        "2027-03-28 02:30 is not on the Europe/Berlin clock: it skips that hour when it goes "
        "forward. Did you mean 03:30?"
    )
    assert parse_stored("scheduled_at", "2027-03-28T03:30", "Europe/Berlin") == dt.datetime(
        2027, 3, 28, 1, 30, tzinfo=dt.UTC
    )
    assert parse_stored("scheduled_at", "2027-03-28T02:30+01:00", "Europe/Berlin").hour == 1
    # The night it falls back, 02:30 comes twice: the first, still on summer time (+02:00).
    assert parse_stored("scheduled_at", "2027-10-31T02:30", "Europe/Berlin") == dt.datetime(
        2027, 10, 31, 0, 30, tzinfo=dt.UTC
    )
    assert parse_when("from", "2027-03-28T02:30", "Europe/Berlin") is not None
