"""Calendar and event properties of the feed, and exact round trips of awkward text."""

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest
from icalendar import Calendar, vText

from schedules.ics import IcsEvent, WeeklyHour, render_calendar

NOW = datetime(2026, 7, 1, 12, 30, tzinfo=UTC)
AWKWARD = (
    "Line one\nline two, with commas; semicolons; a back\\slash \\n (not a newline)\n"
    "emoji 🚀🤝🏽 and accents çà ü — "
    + "a sentence well past seventy-five octets so the library has to fold it "
    * 3
)

POST = IcsEvent(
    uid="post-42@value-planner",
    kind="give",
    type="shared_article",
    title="Five lessons from Q3",
    body="What we learned.",
    url="https://example.com/articles/q3?ref=planner&x=1,2;3",
    start=datetime(2024, 3, 30, 9, 15, tzinfo=UTC),
    status="CONFIRMED",
    sequence=3,
    created=datetime(2024, 3, 1, 8, tzinfo=UTC),
    last_modified=datetime(2024, 3, 2, 8, tzinfo=UTC),
)
WEEKLY = WeeklyHour(
    "connect-hour-7@value-planner",
    0,
    time(8),
    timedelta(hours=1),
    "Europe/Berlin",
    date(2024, 1, 1),
)


def _lines(ics: bytes) -> list[str]:
    """Unfolded content lines, to assert on the exact wire form of a property."""
    return ics.decode().replace("\r\n ", "").split("\r\n")


def _render(*events: IcsEvent, weekly: WeeklyHour | None = None, name: str = "Acme EMEA") -> bytes:
    return render_calendar(name, "Europe/Berlin", events, weekly, NOW)


def _event(ics: bytes, uid: str):
    (event,) = [event for event in Calendar.from_ical(ics).events if str(event["UID"]) == uid]
    return event


def test_calendar_properties():
    ics = _render(POST, weekly=WEEKLY)
    calendar = Calendar.from_ical(ics)
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"]) == "-//Value Planner//Value Planner 0.1//EN"
    assert str(calendar["CALSCALE"]) == "GREGORIAN"
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(calendar["X-WR-TIMEZONE"]) == "Europe/Berlin"
    assert calendar.refresh_interval == timedelta(hours=1)
    lines = _lines(ics)
    assert "NAME:Acme EMEA" in lines
    assert "X-WR-CALNAME:Acme EMEA" in lines
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in lines
    assert "X-PUBLISHED-TTL:PT1H" in lines


def test_calendar_name_is_escaped_text():
    """icalendar 7.3 types NAME as unknown and would write it raw; it must be TEXT-escaped.

    The parser keeps unknown properties escaped, so the check is that the name is written
    exactly as a TEXT value (whose exact round trip the SUMMARY tests prove).
    """
    ics = _render(name=AWKWARD)
    calendar = Calendar.from_ical(ics)
    for prop in ("NAME", "X-WR-CALNAME"):
        assert calendar[prop].to_ical() == vText(AWKWARD).to_ical()
    assert not any(line.startswith("line two") for line in _lines(ics))


def test_event_properties():
    event = _event(_render(POST), POST.uid)
    assert event.DTSTAMP == NOW
    assert event["CREATED"].dt == POST.created
    assert event["LAST-MODIFIED"].dt == POST.last_modified
    assert event["SEQUENCE"] == 3
    start = event.DTSTART
    assert start == POST.start
    assert event["DURATION"].dt == timedelta(minutes=30)
    assert str(event["SUMMARY"]) == "Give: Five lessons from Q3"
    assert str(event["DESCRIPTION"]) == f"What we learned.\n\n{POST.url}"
    assert str(event["URL"]) == POST.url
    assert event.categories == ["give", "shared_article"]
    assert str(event["STATUS"]) == "CONFIRMED"
    assert "RRULE" not in event


def test_one_off_start_is_written_in_utc_z_form():
    berlin_time = POST.start.astimezone(timezone(timedelta(hours=1)))
    lines = _lines(_render(replace(POST, start=berlin_time)))
    assert "DTSTART:20240330T091500Z" in lines
    assert "DTSTAMP:20260701T123000Z" in lines


@pytest.mark.parametrize(
    ("kind", "summary"),
    [
        ("give", "Give: Five lessons from Q3"),
        ("ask", "Ask: Five lessons from Q3"),
        ("slot", "Open slot: share something valuable"),
        ("connect", "Connect and engage: reply, comment, welcome new connections"),
    ],
)
def test_summary_per_kind(kind, summary):
    event = _event(_render(replace(POST, kind=kind, type=None)), POST.uid)
    assert str(event["SUMMARY"]) == summary
    assert event.categories == [kind]


@pytest.mark.parametrize(
    ("body", "url", "description"),
    [
        ("Body", None, "Body"),
        (None, "https://example.com/a", "https://example.com/a"),
        (None, None, None),
    ],
)
def test_description_parts(body, url, description):
    event = _event(_render(replace(POST, body=body, url=url)), POST.uid)
    assert (str(event["DESCRIPTION"]) if "DESCRIPTION" in event else None) == description
    assert ("URL" in event) == (url is not None)


@pytest.mark.parametrize("status", ["CONFIRMED", "TENTATIVE", "CANCELLED"])
def test_status_and_sequence(status, icaljs):
    ics = _render(replace(POST, status=status, sequence=7))
    assert str(_event(ics, POST.uid)["STATUS"]) == status
    read = icaljs(ics)[POST.uid]
    assert (read["status"], read["sequence"]) == (status, 7)


def test_duration_is_kept():
    event = _event(_render(replace(POST, duration=timedelta(minutes=90))), POST.uid)
    assert event["DURATION"].dt == timedelta(minutes=90)


def test_awkward_text_round_trips(icaljs):
    post = replace(POST, title=AWKWARD, body=AWKWARD)
    ics = _render(post)
    expected_description = f"{AWKWARD}\n\n{POST.url}"
    event = _event(ics, POST.uid)
    assert str(event["SUMMARY"]) == f"Give: {AWKWARD}"
    assert str(event["DESCRIPTION"]) == expected_description
    read = icaljs(ics)[POST.uid]
    assert read["summary"] == f"Give: {AWKWARD}"
    assert read["description"] == expected_description


def test_awkward_text_round_trips_through_vobject(vobject_reader):
    read = vobject_reader(_render(replace(POST, title=AWKWARD, body=AWKWARD)))[POST.uid]
    assert read["summary"] == f"Give: {AWKWARD}"
    assert read["description"] == f"{AWKWARD}\n\n{POST.url}"


def test_lines_are_folded_to_75_octets():
    ics = _render(replace(POST, title=AWKWARD, body=AWKWARD), weekly=WEEKLY, name=AWKWARD)
    physical = ics.split(b"\r\n")
    assert physical[-1] == b""
    assert max(len(line) for line in physical) <= 75
    assert sum(line.startswith(b" ") for line in physical) > 3  # folding actually happened
    for line in physical:
        line.decode("utf-8")  # folds never split a multi-byte character


def test_output_is_deterministic_and_uids_are_ours():
    first = _render(POST, weekly=WEEKLY)
    assert first == _render(POST, weekly=WEEKLY)
    uids = {str(event["UID"]) for event in Calendar.from_ical(first).events}
    assert uids == {POST.uid, WEEKLY.uid}
    assert b"UID:" not in first.split(b"BEGIN:VEVENT")[0]  # no random calendar UID either


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"kind": "brag"}, "kind"),
        ({"status": "confirmed"}, "status"),
        ({"start": datetime(2024, 3, 30, 9)}, "start"),
        ({"created": datetime(2024, 3, 30, 9)}, "created"),
    ],
)
def test_invalid_events_are_rejected(changes, message):
    with pytest.raises(ValueError, match=message):
        _render(replace(POST, **changes))


def test_unknown_calendar_timezone_is_rejected():
    with pytest.raises(KeyError):
        render_calendar("Team", "Europe/Berlinn", [], None, NOW)
