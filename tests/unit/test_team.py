"""The team view's pure parts: the default quarter, filling slots, and the coaching sentence."""

from __future__ import annotations

import datetime as dt

import pytest

from schedules import team

UTC = dt.UTC


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "zone", "start", "end"),
    [
        ("2026-12-06T03:00", "UTC", "2026-10-01T00:00", "2027-01-01T00:00"),
        ("2027-02-10T12:00", "UTC", "2027-01-01T00:00", "2027-04-01T00:00"),
        # 23:30 UTC on 31 March is already April in Berlin: the second quarter, on its clock.
        ("2027-03-31T23:30", "Europe/Berlin", "2027-03-31T22:00", "2027-06-30T22:00"),
    ],
)
def test_the_quarter_is_the_calendar_quarter_on_the_teams_clock(now, zone, start, end):
    assert team.quarter_of(at(now), zone) == (at(start), at(end))


def test_one_give_fills_one_slot_in_its_period():
    periods = [(at("2027-01-01"), at("2027-02-01")), (at("2027-02-01"), at("2027-03-01")),
               (at("2027-03-01"), at("2027-04-01"))]  # fmt: skip
    # Two gives in January fill January only; one before the first period fills nothing.
    gives = [at("2026-12-20"), at("2027-01-05"), at("2027-01-20"), at("2027-03-31")]
    assert team.filled(periods, gives) == [True, False, True]
    slots = [(begin, (begin, end)) for begin, end in periods]
    assert team.first_open(slots, gives) == at("2027-02-01")
    assert team.first_open(slots[:1], gives) is None


def test_the_sentence_says_what_a_manager_would_coach_on():
    assert team.needs_help("Sam", 2, 3, "this quarter") == (
        "Sam: 2 open slots this quarter, 3 refused asks"
    )
    assert team.needs_help("Pat", 1, 0, "this quarter") == "Pat: 1 open slot this quarter"
    assert team.needs_help("Lee", 0, 1, "this quarter") == "Lee: 1 refused ask"
    assert team.needs_help("Kim", 0, 0, "this quarter") is None
    assert team.display_name("sam.lee@acme.example") == "Sam Lee"
    quarter = (at("2027-01-01"), at("2027-04-01"))
    assert team.window_label(*quarter, quarter, "UTC") == "this quarter"
    assert team.window_label(at("2027-01-01"), at("2027-02-01"), quarter, "UTC") == (
        "from 2027-01-01 to 2027-01-31"
    )
