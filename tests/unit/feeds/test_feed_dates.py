"""Dates read from plain strings (feeds.dates): no database, no network. The readings of the
formats feeds carry are tested through a refresh in test_feed_robustness.py."""

from __future__ import annotations

import datetime as dt

import pytest

from feeds.dates import parse_date


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    "raw",
    [
        "Fri, 31 Dec 9999 23:59:59 -0100",  # after the last instant datetime can hold in UTC
        "9999-12-31T23:59:59-01:00",
        "0001-01-01T00:30:00+01:00",  # before the first
    ],
)
def test_an_instant_out_of_range_is_no_date(raw: str) -> None:
    assert parse_date(raw) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Tue, 10 Mar 2026 10:15 PM EDT", utc(2026, 3, 11, 2, 15)),
        ("March 10, 2026 10:15 p.m. PST", utc(2026, 3, 11, 6, 15)),
        ("10 Mar 2026 12:00 AM EST", utc(2026, 3, 10, 5)),
        ("2026-03-10 22:15 EST", utc(2026, 3, 11, 3, 15)),
        ("2026-03-10 22:15:00 CET", utc(2026, 3, 10, 21, 15)),
        ("10 Mar 2026 22:15:00 CEST", utc(2026, 3, 10, 20, 15)),
        ("Tue Mar 10 22:15:00 EDT 2026", utc(2026, 3, 11, 2, 15)),  # as date(1) writes it
        ("Di, 10. März 2026 22:15 MEZ", utc(2026, 3, 10, 21, 15)),
        # Middle European Time as Java's "MET" zone writes it; read as no date before.
        ("Thu, 30 Apr 2015 08:57:00 MEST", utc(2015, 4, 30, 6, 57)),
        ("Fri, 30 Jan 2015 08:57:00 MET", utc(2015, 1, 30, 7, 57)),
        ("Tue, 10 Mar 2026 22:15:00 XYZ", None),  # not known: no guess
        ("2026-03-10 22:15 IST", None),  # India, Ireland or Israel
        # US regional names, read as no date before: the offset follows daylight saving.
        ("Mon, 07 Dec 2026 09:00:00 ET", utc(2026, 12, 7, 14)),
        ("July 1, 2026 9:00 AM ET", utc(2026, 7, 1, 13)),
        ("2026-07-01 09:00 PT", utc(2026, 7, 1, 16)),
        ("Tue, 10 Mar 2026 22:15 CT", utc(2026, 3, 11, 3, 15)),
        ("10 Mar 2026 10:15 pm MT", utc(2026, 3, 11, 4, 15)),
        # Dotted or capital meridiems: "a.m." lost its "a" (a Spanish filler word) and read
        # 10:15 UTC; "A.M." and "P.M." read as no date ("P." taken for a zone).
        ("March 10, 2026 10:15 a.m. EST", utc(2026, 3, 10, 15, 15)),
        ("March 10, 2026 10:15 A.M. EST", utc(2026, 3, 10, 15, 15)),
        ("March 10, 2026 10:15 P.M.", utc(2026, 3, 10, 22, 15)),
        # Lower-case zones were read as UTC, hours off.
        ("Tue, 10 Mar 2026 22:15:00 cest", utc(2026, 3, 10, 20, 15)),
        ("Tue Mar 10 22:15:00 cest 2026", utc(2026, 3, 10, 20, 15)),
        ("10 Mar 2026 10:15 pm est", utc(2026, 3, 11, 3, 15)),
        ("Tue, 10 Mar 2026 22:15:00 ist", None),
        ("Tue, 10 Mar 2026 22:15:00 xyzt", None),
        # Words after the time that are no zone still read as before.
        ("4. März 2026 um 10:15 Uhr", utc(2026, 3, 4, 10, 15)),
        ("10 de marzo de 2026 10:15 hs", utc(2026, 3, 10, 10, 15)),
        ("martes, 10 de marzo de 2026 10:15 de la mañana", utc(2026, 3, 10, 10, 15)),
        ("10 mars 2026 10:15 h", utc(2026, 3, 10, 10, 15)),
    ],
)
def test_a_zone_abbreviation_or_12_hour_clock_gives_the_right_instant(
    raw: str, expected: dt.datetime | None
) -> None:
    assert parse_date(raw) == expected


def test_a_region_name_is_never_applied_on_top_of_feedparsers_reading() -> None:
    # A string only feedparser reads (a Greek date here): its reading is already in UTC, with
    # its own idea of "ET"; shifting it by the region again put 09:00 ET at 19:00 UTC.
    feedparsers = (2026, 12, 7, 14, 0, 0, 0, 341, 0)
    assert parse_date("Δευ, 07 Δεκ 2026 09:00:00 ET", feedparsers) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("10.03.2026 22:15 MESZ", utc(2026, 3, 10, 20, 15)),  # was 3 October
        ("Di, 10.03.2026 22:15 MEZ", utc(2026, 3, 10, 21, 15)),
        ("10.03.2026 22:15", utc(2026, 3, 10, 22, 15)),
        ("Tue, 10 Mar 2026 22:15 GMT+01:00", utc(2026, 3, 10, 21, 15)),  # offset was dropped
        ("2026-03-10 22:15 GMT+1", utc(2026, 3, 10, 21, 15)),  # was read the POSIX way
        ("Tue, 10 Mar 2026 22:15 UTC-05:30", utc(2026, 3, 11, 3, 45)),
    ],
)
def test_dotted_dates_are_day_first_and_gmt_offsets_count_ahead_of_utc(
    raw: str, expected: dt.datetime
) -> None:
    assert parse_date(raw) == expected
