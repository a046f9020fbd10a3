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
    person = f"{event.contact} ({event.company})" if event.company else event.contact
    summary = {"give": "Give: ", "ask": "Ask: "}[event.kind] + event.title
    named = event.contact and event.contact.casefold() in event.title.casefold()
    if event.kind == "ask" and event.contact and not named:
        summary = f"Ask {person}: {event.title}"
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
    contact = f"Contact: {person}" if event.contact else None
    description = "\n\n".join(part for part in (rep, contact, event.body, event.url) if part)
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
    contact=st.none() | TEXT.filter(bool) | st.just("Dana"),
    company=st.none() | TEXT,
)
def test_event_bytes_equal_icalendar(
    title, body, url, kind, type_, status, sequence, minutes, start, rep, contact, company
):
    """A rep's own events and a team's, which name the rep, and one-to-one asks, which name
    their person (``st.just("Dana")`` so that titles naming them turn up too)."""
    event = replace(
        BASE, title=title, body=body, url=url, kind=kind, type=type_, status=status,
        sequence=sequence, duration=timedelta(minutes=minutes), start=start.replace(tzinfo=UTC),
        rep=rep, contact=contact, company=contact and company,
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


ONE_TO_ONE = replace(
    BASE, kind="ask", type="meeting_request", title="20 minutes on pricing?", body="Agenda",
    contact="Dana Whitfield", company="Acme; EMEA",
)  # fmt: skip


def test_a_one_to_one_ask_names_whom_to_ask_in_its_title_and_description():
    text = stamped(ONE_TO_ONE).decode().replace("\r\n ", "")
    assert "SUMMARY:Ask Dana Whitfield (Acme\\; EMEA): 20 minutes on pricing?\r\n" in text
    assert "DESCRIPTION:Contact: Dana Whitfield (Acme\\; EMEA)\\n\\nAgenda\r\n" in text
    unknown_company = stamped(replace(ONE_TO_ONE, company=None, body=None)).decode()
    assert "SUMMARY:Ask Dana Whitfield: 20 minutes on pricing?\r\n" in unknown_company
    assert "DESCRIPTION:Contact: Dana Whitfield\r\n" in unknown_company


def test_a_title_that_names_the_person_is_not_told_twice():
    named = replace(ONE_TO_ONE, title="Meeting request: dana whitfield")
    text = stamped(named).decode().replace("\r\n ", "")
    assert "SUMMARY:Ask: Meeting request: dana whitfield\r\n" in text
    assert "DESCRIPTION:Contact: Dana Whitfield (Acme\\; EMEA)\\n\\nAgenda\r\n" in text


def test_a_team_s_overdue_one_to_one_ask_says_whose_then_late_then_whom():
    late = replace(ONE_TO_ONE, overdue=True, rep="sam@acme.example", company=None)
    text = stamped(late).decode().replace("\r\n ", "")
    assert "SUMMARY:[sam] Overdue: Ask Dana Whitfield: 20 minutes on pricing?\r\n" in text
    assert (
        f"DESCRIPTION:Rep: sam@acme.example\\n\\n{OVERDUE_NOTE}\\n\\n"
        "Contact: Dana Whitfield\\n\\nAgenda\r\n"
    ) in text


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
