"""``ics.event_bytes`` writes what icalendar writes for the same event, for any text.

The reference is the icalendar Event the renderer used to build for each post; hypothesis
looks for text where escaping or folding (multi-byte characters, backslashes and carets at a
fold, CR and LF in every combination) would make the two differ.
"""

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Event

from schedules.ics import OVERDUE_NOTE, IcsEvent, WeeklyHour, _frame, assemble, event_bytes

STAMP = datetime(2026, 7, 1, 12, 30, tzinfo=UTC)
BASE = IcsEvent(
    uid="post-42@value-planner", kind="give", type="tip", title="t", body=None, url=None,
    start=datetime(2024, 3, 30, 9, 15, tzinfo=UTC), status="CONFIRMED", sequence=0,
    created=datetime(2024, 3, 1, 8, tzinfo=UTC), last_modified=datetime(2024, 3, 2, 8, tzinfo=UTC),
)  # fmt: skip
WEEKLY = WeeklyHour(
    "connect-7@value-planner", 0, time(8), timedelta(hours=1), "Europe/Berlin", date(2024, 1, 1)
)


def icalendar_vevent(event: IcsEvent) -> bytes:
    """The event as icalendar writes it, DTSTAMP included (the renderer before aab1145+1)."""
    summary = {"give": "Give: ", "ask": "Ask: "}[event.kind] + event.title
    if event.rep:
        summary = f"[{event.rep.partition('@')[0]}] {summary}"
    vevent = Event()
    vevent.add("UID", event.uid)
    vevent.add("DTSTAMP", STAMP)
    vevent.add("CREATED", event.created)
    vevent.add("LAST-MODIFIED", event.last_modified)
    vevent.add("SEQUENCE", event.sequence)
    vevent.add("DTSTART", event.start)
    vevent.add("DURATION", event.duration)
    vevent.add("SUMMARY", summary)
    rep = f"Rep: {event.rep}" if event.rep else None
    description = "\n\n".join(part for part in (rep, event.body, event.url) if part)
    if description:
        vevent.add("DESCRIPTION", description)
    if event.url:
        vevent.add("URL", event.url)
    vevent.add("CATEGORIES", [event.kind, *([event.type] if event.type else [])])
    vevent.add("STATUS", event.status)
    return vevent.to_ical()


def stamped(event: IcsEvent) -> bytes:
    head, tail = event_bytes(event)
    return head + b"DTSTAMP:20260701T123000Z\r\n" + tail


# Characters that matter to escaping and folding, mixed with any others.
AWKWARD = st.sampled_from([*'\\^;,:\r\n N"é€🚀', "\r\n", "\\N", "\\n"])
TEXT = st.lists(st.one_of(AWKWARD, st.characters(exclude_categories=["Cs"])), max_size=300).map(
    "".join
)
URL = st.from_regex(r"https://[a-z]{1,20}\.example/[a-z0-9/_\-.,;^\\%?=&é]{0,200}", fullmatch=True)


@settings(max_examples=400, deadline=None)
@given(
    title=TEXT,
    body=st.none() | TEXT,
    url=st.none() | URL,
    kind=st.sampled_from(["give", "ask"]),
    type_=st.none() | st.sampled_from(["tip", "a,b;c", "é" * 40]),
    status=st.sampled_from(["CONFIRMED", "TENTATIVE", "CANCELLED"]),
    sequence=st.integers(0, 10**6),
    minutes=st.integers(1, 60 * 24 * 3),
    start=st.datetimes(datetime(1900, 1, 1), datetime(2200, 1, 1)),
    rep=st.none() | st.emails() | TEXT.map(lambda text: text + "@acme.example"),
)
def test_event_bytes_equal_icalendar(
    title, body, url, kind, type_, status, sequence, minutes, start, rep
):
    """A rep's own events and a team's, which name the rep."""
    event = replace(
        BASE, title=title, body=body, url=url, kind=kind, type=type_, status=status,
        sequence=sequence, duration=timedelta(minutes=minutes), start=start.replace(tzinfo=UTC),
        rep=rep,
    )  # fmt: skip
    assert stamped(event) == icalendar_vevent(event)


def test_an_overdue_event_says_so_and_keeps_its_identity():
    overdue = replace(BASE, body="Body", overdue=True, sequence=3)
    text = stamped(overdue).decode().replace("\r\n ", "")
    assert "SUMMARY:Overdue: Give: t\r\n" in text
    assert f"DESCRIPTION:{OVERDUE_NOTE}\\n\\nBody\r\n" in text
    assert "CATEGORIES:give,tip,overdue\r\n" in text
    assert "UID:post-42@value-planner\r\nSEQUENCE:3\r\n" in text
    assert "STATUS:CONFIRMED\r\n" in text
    # It became overdue at its start, after its last edit: that is when its text changed.
    assert "LAST-MODIFIED:20240330T091500Z\r\n" in text


def test_a_team_event_leads_with_its_rep_and_then_says_overdue():
    overdue = replace(BASE, body="Body", overdue=True, rep="sam@acme.example")
    text = stamped(overdue).decode().replace("\r\n ", "")
    assert "SUMMARY:[sam] Overdue: Give: t\r\n" in text
    assert f"DESCRIPTION:Rep: sam@acme.example\\n\\n{OVERDUE_NOTE}\\n\\nBody\r\n" in text


@settings(max_examples=60, deadline=None)
@given(
    stamp=st.datetimes(
        min_value=datetime(2024, 1, 1), max_value=datetime(2031, 12, 31), timezones=st.just(UTC)
    ),
    weekly=st.sampled_from([None, WEEKLY]),
    name=st.text(min_size=1, max_size=90),
)
def test_the_kept_frame_equals_the_one_icalendar_builds_for_the_stamp(stamp, weekly, name):
    """``assemble`` keeps the frame per year and puts the stamp in; icalendar builds it anew."""
    assert assemble(name, "Europe/Berlin", [], weekly, stamp) == _frame(
        name, "Europe/Berlin", weekly, stamp
    )
