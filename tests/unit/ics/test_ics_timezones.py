"""DST correctness of the feed, as read by icalendar, ical.js (Thunderbird) and vobject.

The expected instants come from zoneinfo, and the Berlin and New York spot checks are written
out by hand so that a bug shared by the renderer and the expectation cannot cancel out.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from icalendar import Calendar

from schedules.ics import IcsEvent, WeeklyHour, render_calendar

NOW = datetime(2026, 7, 1, 12, tzinfo=UTC)
MONDAY = 0
# Weekly occurrences checked per reader: from 2024-01-01 past the spring change of 2025.
WEEKS = 70


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _post(uid: str, start: datetime, tz: str) -> IcsEvent:
    return IcsEvent(
        uid=uid,
        kind="give",
        type="shared_article",
        title=uid,
        body=None,
        url=None,
        start=start,
        status="CONFIRMED",
        sequence=0,
        created=NOW,
        last_modified=NOW,
    )


def _weekly(tz: str, starts_on: date, at: time = time(8)) -> WeeklyHour:
    return WeeklyHour(
        uid="connect-hour@value-planner",
        weekday=MONDAY,
        start_time=at,
        duration=timedelta(hours=1),
        timezone=tz,
        starts_on=starts_on,
    )


def _expected_weekly(weekly: WeeklyHour, count: int) -> list[str]:
    """The instants zoneinfo says the wall-clock hour falls on (first day is a Monday here)."""
    zone = ZoneInfo(weekly.timezone)
    return [
        _iso(datetime.combine(weekly.starts_on + timedelta(weeks=k), weekly.start_time, zone))
        for k in range(count)
    ]


def _icalendar_weekly(ics: bytes, count: int) -> list[str]:
    """Expand the weekly event using icalendar's reading of *our* VTIMEZONE.

    ``to_tz(lookup_tzid=False)`` builds the tzinfo from the component in the file instead of
    looking the TZID up in the system database, which would bypass what is under test.
    """
    calendar = Calendar.from_ical(ics)
    (vtimezone,) = calendar.timezones
    zone = vtimezone.to_tz(lookup_tzid=False)
    (weekly,) = [event for event in calendar.events if "RRULE" in event]
    start = weekly.DTSTART.replace(tzinfo=zone)
    rule = rrulestr(weekly["RRULE"].to_ical().decode(), dtstart=start)
    return [_iso(occurrence) for occurrence in rule[:count]]


# (zone, summer/winter Mondays around that zone's DST changes in 2024 with their UTC start of
# an 08:00 local meeting, one-off events on both sides of the spring change)
DST_CASES = {
    "Europe/Berlin": (
        {
            "2024-03-25T07:00:00Z",  # last Monday of winter time (CET, +01:00)
            "2024-04-01T06:00:00Z",  # first Monday of summer time (CEST, +02:00)
            "2024-10-21T06:00:00Z",  # last Monday of summer time
            "2024-10-28T07:00:00Z",  # first Monday of winter time
            "2025-03-31T06:00:00Z",
        },
        (datetime(2024, 3, 30, 9, tzinfo=UTC), datetime(2024, 4, 1, 9, tzinfo=UTC)),
    ),
    "America/New_York": (
        {
            "2024-03-04T13:00:00Z",  # EST, -05:00
            "2024-03-11T12:00:00Z",  # EDT, -04:00 (second Sunday of March was 03-10)
            "2024-10-28T12:00:00Z",
            "2024-11-04T13:00:00Z",  # first Sunday of November was 11-03
            "2025-03-10T12:00:00Z",
        },
        (datetime(2024, 3, 9, 15, tzinfo=UTC), datetime(2024, 3, 11, 15, tzinfo=UTC)),
    ),
}


@pytest.fixture(params=sorted(DST_CASES))
def dst_case(request: pytest.FixtureRequest):
    tz = request.param
    spot_checks, one_offs = DST_CASES[tz]
    weekly = _weekly(tz, date(2024, 1, 1))
    events = [_post(f"post-{i}@value-planner", start, tz) for i, start in enumerate(one_offs)]
    return weekly, spot_checks, one_offs, render_calendar("Team", tz, events, weekly, NOW)


def _check_reading(read: dict[str, dict], weekly: WeeklyHour, spot_checks, one_offs, count):
    expected = _expected_weekly(weekly, count)
    occurrences = read[weekly.uid]["occurrencesUtc"]
    assert occurrences == expected
    assert spot_checks <= set(occurrences)
    assert read[weekly.uid]["startUtc"] == expected[0]
    for i, start in enumerate(one_offs):
        assert read[f"post-{i}@value-planner"]["startUtc"] == _iso(start)
        assert read[f"post-{i}@value-planner"]["occurrencesUtc"] is None


def test_icalendar_reads_intended_instants(dst_case):
    weekly, spot_checks, one_offs, ics = dst_case
    calendar = Calendar.from_ical(ics)
    starts = {str(event["UID"]): event.DTSTART for event in calendar.events}
    for i, start in enumerate(one_offs):
        assert starts[f"post-{i}@value-planner"] == start
    occurrences = _icalendar_weekly(ics, WEEKS)
    assert occurrences == _expected_weekly(weekly, WEEKS)
    assert spot_checks <= set(occurrences)


def test_icaljs_reads_intended_instants(dst_case, icaljs):
    weekly, spot_checks, one_offs, ics = dst_case
    _check_reading(icaljs(ics, WEEKS), weekly, spot_checks, one_offs, WEEKS)


def test_vobject_reads_intended_instants(dst_case, vobject_reader):
    weekly, spot_checks, one_offs, ics = dst_case
    _check_reading(vobject_reader(ics, WEEKS), weekly, spot_checks, one_offs, WEEKS)


def test_berlin_connecting_hour_keeps_local_time_summer_and_winter(icaljs):
    weekly = _weekly("Europe/Berlin", date(2024, 1, 1))
    occurrences = icaljs(render_calendar("Team", "Europe/Berlin", [], weekly, NOW), 60)
    by_month = {}
    for instant in occurrences[weekly.uid]["occurrencesUtc"]:
        by_month.setdefault(instant[5:7], set()).add(instant[11:])
    assert by_month["07"] == {"06:00:00Z"}
    assert by_month["01"] == {"07:00:00Z"}
    assert by_month["12"] == {"07:00:00Z"}


def test_measured_case_from_icalendar_default_vtimezone(icaljs, vobject_reader):
    """09:30 Europe/Berlin on 2024-05-06 is 07:30Z; icalendar's own VTIMEZONE gave 08:30Z."""
    weekly = _weekly("Europe/Berlin", date(2024, 5, 6), time(9, 30))
    ics = render_calendar("Team", "Europe/Berlin", [], weekly, NOW)
    assert icaljs(ics, 1)[weekly.uid]["startUtc"] == "2024-05-06T07:30:00Z"
    assert vobject_reader(ics, 1)[weekly.uid]["startUtc"] == "2024-05-06T07:30:00Z"
    assert _icalendar_weekly(ics, 1) == ["2024-05-06T07:30:00Z"]


@pytest.mark.parametrize(
    ("tz", "starts_on"),
    [
        ("Australia/Sydney", date(2024, 1, 1)),  # southern hemisphere: DST spans new year
        ("Asia/Tokyo", date(2024, 1, 1)),  # no DST at all
        ("Asia/Kolkata", date(2024, 1, 1)),  # half-hour offset, no DST
        ("Asia/Jerusalem", date(2024, 1, 1)),  # "Friday before the last Sunday"
        ("America/Santiago", date(2024, 1, 1)),  # "Saturday 24:00", not an nth weekday
        ("Europe/London", date(2024, 1, 1)),  # UTC+0 in winter
        ("Africa/Casablanca", date(2024, 1, 1)),  # no yearly rule at all (Ramadan)
        ("America/New_York", date(2005, 1, 3)),  # US rules changed in 2007
        ("Australia/Sydney", date(2005, 1, 3)),  # Australian rules changed in 2008
    ],
)
def test_other_zones_over_a_decade(tz, starts_on, icaljs):
    """The same VTIMEZONE construction holds for zones with less common rules, for 10 years."""
    weekly = _weekly(tz, starts_on)
    count = 52 * 10
    ics = render_calendar("Team", tz, [], weekly, NOW)
    expected = _expected_weekly(weekly, count)
    assert icaljs(ics, count)[weekly.uid]["occurrencesUtc"] == expected
    assert _icalendar_weekly(ics, count) == expected


def test_vtimezone_is_compact_rrule_form():
    calendar = Calendar.from_ical(
        render_calendar(
            "Team", "Europe/Berlin", [], _weekly("Europe/Berlin", date(2024, 1, 1)), NOW
        )
    )
    (vtimezone,) = calendar.timezones
    assert vtimezone.tz_name == "Europe/Berlin"
    observances = {sub.name: sub for sub in vtimezone.subcomponents}
    assert sorted(observances) == ["DAYLIGHT", "STANDARD"]
    daylight, standard = observances["DAYLIGHT"], observances["STANDARD"]
    assert "RDATE" not in daylight and "RDATE" not in standard
    assert daylight["RRULE"].to_ical() == b"FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3"
    assert standard["RRULE"].to_ical() == b"FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10"
    assert (timedelta(hours=1), timedelta(hours=2)) == (daylight.TZOFFSETFROM, daylight.TZOFFSETTO)
    assert (timedelta(hours=2), timedelta(hours=1)) == (standard.TZOFFSETFROM, standard.TZOFFSETTO)
    assert (str(daylight["TZNAME"]), str(standard["TZNAME"])) == ("CEST", "CET")
    # local time before the change: 02:00 CET -> 03:00 CEST, 03:00 CEST -> 02:00 CET
    assert daylight.DTSTART.time() == time(2) and standard.DTSTART.time() == time(3)


def test_zone_without_dst_has_single_standard():
    calendar = Calendar.from_ical(
        render_calendar("Team", "Asia/Tokyo", [], _weekly("Asia/Tokyo", date(2024, 1, 1)), NOW)
    )
    (vtimezone,) = calendar.timezones
    (standard,) = vtimezone.subcomponents
    assert standard.name == "STANDARD"
    assert standard.TZOFFSETFROM == standard.TZOFFSETTO == timedelta(hours=9)
    assert "RRULE" not in standard and "RDATE" not in standard


@pytest.mark.parametrize("tz", ["Europe/Berlin", "America/New_York", "Asia/Tokyo"])
def test_every_tzid_used_has_its_vtimezone(tz):
    calendar = Calendar.from_ical(
        render_calendar("Team", "Europe/Berlin", [], _weekly(tz, date(2024, 1, 1)), NOW)
    )
    assert calendar.get_used_tzids() == {tz}
    assert calendar.get_missing_tzids() == set()
    assert [vtimezone.tz_name for vtimezone in calendar.timezones] == [tz]


def test_no_vtimezone_when_every_time_is_utc():
    event = _post("post-1@value-planner", datetime(2024, 3, 30, 9, tzinfo=UTC), "Europe/Berlin")
    calendar = Calendar.from_ical(render_calendar("Team", "Europe/Berlin", [event], None, NOW))
    assert calendar.get_used_tzids() == set()
    assert calendar.timezones == []


def test_weekly_dtstart_is_local_with_tzid_and_weekly_rrule():
    weekly = WeeklyHour(
        uid="connect-hour@value-planner",
        weekday=2,  # Wednesday
        start_time=time(8),
        duration=timedelta(minutes=45),
        timezone="Europe/Berlin",
        starts_on=date(2024, 1, 1),  # a Monday: first occurrence is Wednesday the 3rd
    )
    ics = render_calendar("Team", "Europe/Berlin", [], weekly, NOW)
    lines = ics.decode().replace("\r\n ", "").split("\r\n")
    assert "DTSTART;TZID=Europe/Berlin:20240103T080000" in lines
    assert "RRULE:FREQ=WEEKLY;BYDAY=WE" in lines
    (event,) = Calendar.from_ical(ics).events
    assert timedelta(minutes=45) == event.DURATION
    assert str(event["UID"]) == weekly.uid


def test_weekday_out_of_range_is_rejected():
    weekly = WeeklyHour("w@value-planner", 7, time(8), timedelta(hours=1), "UTC", date(2024, 1, 1))
    with pytest.raises(ValueError, match="weekday"):
        render_calendar("Team", "UTC", [], weekly, NOW)
