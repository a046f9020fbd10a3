"""Render an audience's posting schedule as an iCalendar (RFC 5545) subscription feed.

The module is deliberately pure: plain frozen dataclasses in, ``bytes`` out, no Flask and no
database, so the same renderer serves the HTTP feed, exports and tests. The calendar's frame
(its properties, the VTIMEZONEs and the weekly hour) is built by the ``icalendar`` library.
Events, thousands per calendar, are written by ``event_bytes`` (``event_lines``) straight to
content lines: icalendar spent ~0.5 ms on each. They are exactly what icalendar writes for the
same event (same property order, icalendar's own TEXT escaping, its folding rule), which
tests/unit/ics/test_ics_fast_path.py checks against icalendar on generated events, and they
leave DTSTAMP out of the stored bytes so that a rendered event can be kept and reused.

Time zone strategy, and why:

* One-off events are written in UTC (``DTSTART:...Z``). Every client reads the ``Z`` form the
  same way, so they never depend on a VTIMEZONE being interpreted correctly.
* The weekly connecting hour is wall-clock time ("08:00 every Monday in Berlin"), so it must
  carry ``TZID`` and the calendar must ship a VTIMEZONE that clients actually honour. The
  VTIMEZONE that icalendar generates itself (``add_missing_timezones``/``Timezone.from_tzid``)
  lists every transition since 1970 as RDATEs; ical.js 2.2.1 (Thunderbird) and vobject 0.9.9
  read 09:30 Europe/Berlin in May 2024 as UTC+1 from it, one hour off. We therefore emit the
  compact shape Thunderbird and Outlook emit themselves: one STANDARD and one DAYLIGHT
  observance, each with a yearly RRULE, derived from zoneinfo and verified against it
  (a single STANDARD for zones without DST; irregular zones get one observance per change).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import chain, repeat
from operator import itemgetter
from typing import NamedTuple
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from icalendar import (
    Calendar,
    Event,
    Timezone,
    TimezoneDaylight,
    TimezoneStandard,
    vDDDTypes,
    vDuration,
    vRecur,
    vText,
)

PRODID = "-//Value Planner//Value Planner 0.1//EN"
DEFAULT_DURATION = timedelta(minutes=30)
# How often subscribers should re-fetch: posts are planned hours ahead, not minutes.
REFRESH_INTERVAL = timedelta(hours=1)
STATUSES = frozenset({"CONFIRMED", "TENTATIVE", "CANCELLED"})

_FIXED_SUMMARIES = {
    "slot": "Open slot: share something valuable",
    "connect": "Connect and engage: reply, comment, welcome new connections",
}
_TITLED_KINDS = {"give": "Give", "ask": "Ask"}
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")

# Years of zoneinfo transitions a VTIMEZONE is checked against beyond "now". 28 years is a full
# Gregorian weekday cycle, so a yearly rule that reproduces them all ("last Sunday of March")
# is the zone's actual rule and not a coincidence of a few calendar years.
_RULE_CHECK_YEARS = 28
# Where rules that held throughout the checked window are anchored; Thunderbird does the same.
_ANCHOR_YEAR = 1970


@dataclass(frozen=True, kw_only=True)
class IcsEvent:
    """One planned post (or open slot / engagement block) as it appears in the feed.

    Keyword-only so that ``duration`` can default to the usual 30 minutes without reordering
    fields; with this many same-typed fields, positional construction would invite mix-ups.
    """

    uid: str  # stable per post, e.g. "post-42@value-planner": clients match updates on it
    kind: str  # "give" | "ask" | "slot" | "connect"
    type: str | None  # e.g. "shared_article", "meeting_request"
    title: str
    body: str | None
    url: str | None
    start: datetime  # aware; written in UTC
    duration: timedelta = DEFAULT_DURATION
    status: str  # "CONFIRMED" | "TENTATIVE" | "CANCELLED"
    sequence: int
    created: datetime
    last_modified: datetime
    # A scheduled post whose time passed unpublished (schedules.posts.is_overdue).
    overdue: bool = False
    # In a team's calendar, the email of the rep whose post it is; None in a rep's own.
    rep: str | None = None
    # A one-to-one ask's person (their name), and their company when known.
    contact: str | None = None
    company: str | None = None


@dataclass(frozen=True)
class WeeklyHour:
    """The workspace's weekly connecting hour: the same local wall-clock time every week."""

    uid: str
    weekday: int  # 0 = Monday, as datetime.weekday()
    start_time: time
    duration: timedelta
    timezone: str  # IANA zone the wall-clock time is meant in
    starts_on: date  # first occurrence is the first matching weekday on or after this date


# One VEVENT's content lines, cut where DTSTAMP goes: (BEGIN:VEVENT up to DURATION, UID up
# to END:VEVENT), each line ending in CRLF. DTSTAMP is the render time, the same for every
# event of a calendar and new on every render; everything else depends on the event alone,
# so the two halves can be kept from one render to the next and joined around the new stamp.
# A plain tuple of bytes, which the garbage collector stops tracking (a NamedTuple it scans
# in every full collection, thousands of times per kept calendar).
EventBytes = tuple[bytes, bytes]


_END = b"END:VCALENDAR\r\n"
OVERDUE_PREFIX = "Overdue: "
OVERDUE_NOTE = "Mark it published or move it."
REP_LINE = "Rep: "
CONTACT_LINE = "Contact: "


def render_calendar(
    name: str,
    timezone: str,
    events: Iterable[IcsEvent],
    weekly: WeeklyHour | None,
    now: datetime,
) -> bytes:
    """Return the complete ``text/calendar`` body for one audience's feed.

    ``timezone`` is the audience's IANA zone, advertised as X-WR-TIMEZONE so clients that
    honour it display the calendar in the audience's time. ``now`` becomes every DTSTAMP and
    anchors the time zone rules, keeping the output a deterministic function of its inputs.
    """
    return assemble(name, timezone, [event_bytes(event) for event in events], weekly, now)


def assemble(
    name: str,
    timezone: str,
    events: Sequence[EventBytes],
    weekly: WeeklyHour | None,
    now: datetime,
) -> bytes:
    """The calendar around events already rendered (in the order given), stamped ``now``."""
    stamp = _as_utc(now, "now")
    stamp_line = b"DTSTAMP:" + _utc_bytes(stamp) + b"\r\n"
    before, after = _frame_around_stamp(name, timezone, weekly, stamp.year)
    frame = before + stamp_line + after if after is not None else before
    heads, tails = map(itemgetter(0), events), map(itemgetter(1), events)
    lines = chain.from_iterable(zip(heads, repeat(stamp_line), tails))  # no Python-level loop
    return b"".join(chain((frame[: -len(_END)],), lines, (_END,)))


@lru_cache(maxsize=256)
def _frame_around_stamp(
    name: str, timezone: str, weekly: WeeklyHour | None, year: int
) -> tuple[bytes, bytes | None]:
    """The frame cut around the weekly hour's DTSTAMP line (``None`` after it without one).

    Kept per calendar and year, since icalendar takes milliseconds to build it: apart from
    that line, the frame depends on the stamp only through its year (``_vtimezone``).
    """
    stamp = datetime(year, 1, 1, tzinfo=UTC)
    frame = _frame(name, timezone, weekly, stamp)
    assert frame.endswith(_END)
    if weekly is None:
        return frame, None
    before, line, after = frame.partition(b"\r\nDTSTAMP:" + _utc_bytes(stamp) + b"\r\n")
    assert line, "the weekly hour's DTSTAMP line is where the stamp goes"
    return before + b"\r\n", after


def _frame(name: str, timezone: str, weekly: WeeklyHour | None, stamp: datetime) -> bytes:
    """The calendar without its one-off events, by icalendar; they go before its END line."""
    ZoneInfo(timezone)  # fail on a typo here rather than publish a zone no client knows
    calendar = Calendar()
    calendar.add("VERSION", "2.0")
    calendar.add("PRODID", PRODID)
    calendar.add("CALSCALE", "GREGORIAN")
    calendar.add("METHOD", "PUBLISH")
    # icalendar 7.3 types NAME and X-WR-CALNAME as "unknown" and would write them unescaped
    # (a newline in a name would start a new content line), so they are passed as TEXT.
    calendar.add("NAME", vText(name))
    calendar.add("X-WR-CALNAME", vText(name))
    calendar.add("X-WR-TIMEZONE", vText(timezone))
    calendar.add("REFRESH-INTERVAL", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
    # The older Outlook-era spelling of the same hint; clients that predate RFC 7986 read only it.
    calendar.add("X-PUBLISHED-TTL", vDuration(REFRESH_INTERVAL))
    if weekly is not None:
        calendar.add_component(_weekly_vevent(weekly, stamp))
    # Driven by the TZIDs actually referenced, so no reference can ever lack its VTIMEZONE;
    # one-off events are all UTC and reference none. They go first because some parsers
    # resolve TZIDs while reading.
    since = weekly.starts_on if weekly is not None else stamp.date()
    for index, tzid in enumerate(sorted(calendar.get_used_tzids())):
        calendar.subcomponents.insert(index, _vtimezone(tzid, since, stamp))
    return calendar.to_ical()


def _as_utc(value: datetime, field: str) -> datetime:
    """Normalise an aware datetime to UTC; a naive one is a caller bug we refuse to guess at."""
    if value.tzinfo is UTC:  # as the database's columns come (core.db.UTCDateTime): thrice an event
        return value
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{field} must be timezone-aware, got naive {value!r}")
    return value.astimezone(UTC)


def _summary(
    kind: str, title: str, overdue: bool, rep: str | None, contact: str | None, person: str
) -> str:
    if kind == "ask" and contact and contact.casefold() not in title.casefold():
        # Whom to ask, where the rep's own title does not say (the default title does).
        summary = f"Ask {person}: {title}"
    elif kind in _TITLED_KINDS:
        summary = f"{_TITLED_KINDS[kind]}: {title}"
    elif kind in _FIXED_SUMMARIES:
        summary = _FIXED_SUMMARIES[kind]
    else:
        raise ValueError(f"unknown event kind {kind!r}")
    summary = OVERDUE_PREFIX + summary if overdue else summary
    # Whose it is leads the title, the one line every calendar view shows, even truncated.
    return f"[{rep.partition('@')[0]}] {summary}" if rep else summary


def event_bytes(event: IcsEvent) -> EventBytes:
    """The event's content lines as icalendar writes them, without DTSTAMP.

    Property order is icalendar's: its canonical SUMMARY, DTSTART, DURATION, DTSTAMP, UID,
    SEQUENCE, then the rest alphabetically. TEXT values are escaped as icalendar's vText
    escapes them, URL is written raw as its vUri is, and long lines are folded by ``_fold``.

    An overdue post keeps its UID, SEQUENCE and STATUS: being late is not a change to the
    event in RFC 5546's sense (no new time or status), so clients update it in place; its
    LAST-MODIFIED moves to the moment it became overdue, when the text changed.

    In a team's calendar the SUMMARY starts with the rep's name (``[sam] Give: …``), since
    titles are what month grids and reminders show, and DESCRIPTION starts with the full
    address (``Rep: sam@acme.example``), for two reps of one name; a rep's own calendar has
    neither.

    A one-to-one ask names its person, with their company when known, so the rep can tell
    whom to ask: in the SUMMARY (``Ask Dana Whitfield (Acme): 20 minutes?``) unless the title
    already names them, and always in a DESCRIPTION line before the post's text
    (``Contact: Dana Whitfield (Acme)``).
    """
    return event_lines(
        uid=event.uid, kind=event.kind, type_=event.type, title=event.title, body=event.body,
        url=event.url, start=event.start, duration=event.duration, status=event.status,
        sequence=event.sequence, created=event.created, last_modified=event.last_modified,
        overdue=event.overdue, rep=event.rep, contact=event.contact, company=event.company,
    )  # fmt: skip


def event_lines(
    *,
    uid: str,
    kind: str,
    type_: str | None,
    title: str,
    body: str | None,
    url: str | None,
    start: datetime,
    duration: timedelta = DEFAULT_DURATION,
    status: str,
    sequence: int,
    created: datetime,
    last_modified: datetime,
    overdue: bool = False,
    rep: str | None = None,
    contact: str | None = None,
    company: str | None = None,
) -> EventBytes:
    """``event_bytes`` of the event with these fields (``IcsEvent``'s), for callers that
    render thousands: building the frozen event first costs half as much again."""
    status_line = _STATUS_LINES.get(status)
    if status_line is None:
        raise ValueError(f"{uid}: status must be one of {sorted(STATUSES)}")
    stamp = _utc_bytes(_as_utc(created, "created"))
    last_modified = _as_utc(last_modified, "last_modified")
    start = _as_utc(start, "start")
    # Conditional joins rather than join() over generators: this runs for every event.
    body = f"{body}\n\n{url}" if body and url else body or url or ""
    person = (f"{contact} ({company})" if company else contact) if contact else ""
    if person:
        body = f"{CONTACT_LINE}{person}\n\n{body}" if body else CONTACT_LINE + person
    if overdue:
        last_modified = max(last_modified, start)
        body = f"{OVERDUE_NOTE}\n\n{body}" if body else OVERDUE_NOTE
    if rep:
        body = f"{REP_LINE}{rep}\n\n{body}" if body else REP_LINE + rep
    head = b"BEGIN:VEVENT\r\n%bDTSTART:%b\r\nDURATION:%b\r\n" % (
        _fold("SUMMARY:" + _escape(_summary(kind, title, overdue, rep, contact, person))),
        _utc_bytes(start),
        _duration_bytes(duration),
    )
    tail = [
        _fold("UID:" + _escape(uid)),
        b"SEQUENCE:%d\r\n" % sequence,
        _categories(kind, type_, overdue),
        b"CREATED:%b\r\n" % stamp,
    ]
    if body:
        tail.append(_fold("DESCRIPTION:" + _escape(body)))
    tail.append(b"LAST-MODIFIED:%b\r\n%b" % (_utc_bytes(last_modified), status_line))
    if url:
        if "\n" in url:  # icalendar refuses these too: the line would end there
            raise ValueError(f"{uid}: url must not contain a line break")
        tail.append(_fold("URL:" + url))
    tail.append(b"END:VEVENT\r\n")
    return head, b"".join(tail)


_STATUS_LINES = {status: f"STATUS:{status}\r\n".encode() for status in STATUSES}


def _escape(text: str) -> str:
    """TEXT escaping exactly as icalendar 7.3's vText does it (``\\N`` read as a newline, CR,
    LF and CRLF all written as ``\\n``), without building a vText for every value; each
    replacement in its order, made only when its character occurs (most values need few)."""
    if "\\" in text:
        text = text.replace("\\N", "\n").replace("\\", "\\\\")
    if ";" in text:
        text = text.replace(";", "\\;")
    if "," in text:
        text = text.replace(",", "\\,")
    if "\r" in text:
        text = text.replace("\r\n", "\\n")
    if "\n" in text:
        text = text.replace("\n", "\\n")
    if "\r" in text:
        text = text.replace("\r", "\\n")
    return text


@lru_cache(maxsize=256)
def _categories(kind: str, type_: str | None, overdue: bool) -> bytes:
    """The CATEGORIES line; a client can colour or filter overdue posts by it."""
    categories = [kind, *([type_] if type_ else []), *(["overdue"] if overdue else [])]
    return _fold("CATEGORIES:" + ",".join(_escape(category) for category in categories))


def _utc_bytes(value: datetime) -> bytes:
    """A UTC date-time as icalendar's vDatetime writes it (seconds, no fraction, "Z")."""
    return b"%04d%02d%02dT%02d%02d%02dZ" % (
        value.year, value.month, value.day, value.hour, value.minute, value.second
    )  # fmt: skip


@lru_cache(maxsize=256)
def _duration_bytes(duration: timedelta) -> bytes:
    """icalendar's DURATION value, computed once per distinct duration."""
    return vDDDTypes(duration).to_ical()


_FOLD_AT = 74  # icalendar keeps each physical line under 75 octets, the separator's space aside
_UTF8_CONTINUATION = range(0x80, 0xC0)


def _fold(text: str) -> bytes:
    """One content line folded as icalendar 7.3's ``Contentline.to_ical`` folds it, plus CRLF.

    Each physical line holds at most 74 octets of the value, never splits a UTF-8 character,
    and never ends in a backslash or caret (the start of an escape), which moves to the next
    line instead. Done on the encoded bytes in steps of a line rather than a character.
    """
    line = text.encode()
    if len(line) <= _FOLD_AT:
        return line + b"\r\n"
    pieces = []
    start = 0
    while len(line) - start > _FOLD_AT:
        cut = start + _FOLD_AT
        while line[cut] in _UTF8_CONTINUATION:
            cut -= 1
        if line[cut - 1] in b"\\^" and cut - 1 > start:
            cut -= 1
        pieces.append(line[start:cut])
        start = cut
    pieces.append(line[start:])
    return b"\r\n ".join(pieces) + b"\r\n"


def _weekly_vevent(weekly: WeeklyHour, stamp: datetime) -> Event:
    """One recurring VEVENT, so clients show a series rather than a pile of copies.

    DTSTART is local time with TZID so the hour stays put across DST changes; it is moved to
    the first matching weekday because RFC 5545 counts DTSTART as an occurrence even when it
    does not match the RRULE.
    """
    if not 0 <= weekly.weekday < len(_WEEKDAYS):
        raise ValueError(f"{weekly.uid}: weekday must be 0 (Monday) to 6, got {weekly.weekday}")
    first_day = weekly.starts_on + timedelta(days=(weekly.weekday - weekly.starts_on.weekday()) % 7)
    vevent = Event()
    vevent.add("UID", weekly.uid)
    vevent.add("DTSTAMP", stamp)
    vevent.add(
        "DTSTART",
        datetime.combine(first_day, weekly.start_time, tzinfo=ZoneInfo(weekly.timezone)),
    )
    vevent.add("DURATION", weekly.duration)
    vevent.add("RRULE", {"FREQ": "WEEKLY", "BYDAY": _WEEKDAYS[weekly.weekday]})
    vevent.add("SUMMARY", _FIXED_SUMMARIES["connect"])
    vevent.add("CATEGORIES", ["connect"])
    vevent.add("STATUS", "CONFIRMED")
    return vevent


class _Transition(NamedTuple):
    """A change of UTC offset (or of zone abbreviation), in the terms a VTIMEZONE needs."""

    onset: datetime  # naive local wall time just before the change, as DTSTART wants it
    offset_from: timedelta
    offset_to: timedelta
    is_dst: bool
    tzname: str


def _vtimezone(tzid: str, since: date, now: datetime) -> Timezone:
    """Build a compact VTIMEZONE that is exact from the year before ``since`` onwards.

    Transitions are grouped into observances by (offsets, kind, name, month, weekday, wall
    time). A group becomes one observance with a yearly RRULE when one of the shapes clients
    understand reproduces every one of its transitions up to ``_RULE_CHECK_YEARS`` past
    ``now``. RDATE lists are never used because that is the form clients were measured to
    misread.

    When those rules already held at the start of the window (the usual case), they are
    anchored in 1970 exactly as Thunderbird's own zones are: nothing in the calendar is
    older than the window, and some readers mistrust definitions that start late. vobject
    0.9.9 compares each zone with UTC over 2000-2020 and, for a UTC+0 zone such as
    Europe/London defined only from 2023, swaps in a pytz zone that it then expands with a
    frozen offset, an hour off all winter. Otherwise (rules changed inside the window, or
    zones such as Africa/Casablanca that follow no yearly rule) every irregular transition
    gets its own observance: still exact, just longer.
    """
    first_year = since.year - 1
    end_year = max(since.year, now.year) + _RULE_CHECK_YEARS
    transitions = _transitions(tzid, first_year, end_year)

    groups: defaultdict[tuple, list[_Transition]] = defaultdict(list)
    for transition in transitions:
        onset = transition.onset
        groups[(*transition[1:], onset.month, onset.weekday(), onset.time())].append(transition)
    window_end = datetime(end_year, 1, 1)
    ruled = [(group, *_rule_for_tail(group, window_end)) for group in groups.values()]
    settled = all(
        rule is not None and ruled_from == 0 and group[0].onset.year == first_year
        for group, ruled_from, rule in ruled
    )

    vtimezone = Timezone()
    vtimezone.add("TZID", tzid)
    if not transitions or transitions[0].onset.year > first_year:
        # Nothing changes early in the window (or ever, for zones without DST): state the
        # offset in force at the window start so that every later instant is defined.
        local = datetime(first_year, 1, 1, tzinfo=ZoneInfo(tzid))
        offset = local.utcoffset()
        onset = datetime(_ANCHOR_YEAR, 1, 1) if settled else local.replace(tzinfo=None)
        vtimezone.add_component(
            _observance(_Transition(onset, offset, offset, bool(local.dst()), local.tzname()))
        )
    for group, ruled_from, rule in ruled:
        for transition in group[:ruled_from]:
            vtimezone.add_component(_observance(transition))
        if rule is None:
            continue
        onset = group[ruled_from].onset
        if settled:
            anchor = datetime.combine(date(_ANCHOR_YEAR, 1, 1), onset.time())
            onset = rrulestr(rule.to_ical().decode(), dtstart=anchor)[0]
        vtimezone.add_component(_observance(group[ruled_from]._replace(onset=onset), rule))
    return vtimezone


def _observance(
    transition: _Transition, rule: vRecur | None = None
) -> TimezoneStandard | TimezoneDaylight:
    observance = TimezoneDaylight() if transition.is_dst else TimezoneStandard()
    observance.add("TZNAME", transition.tzname)
    observance.TZOFFSETFROM = transition.offset_from
    observance.TZOFFSETTO = transition.offset_to
    observance.DTSTART = transition.onset
    if rule is not None:
        observance.add("RRULE", rule)
    return observance


def _rule_for_tail(group: list[_Transition], window_end: datetime) -> tuple[int, vRecur | None]:
    """Find the earliest transition from which a yearly rule explains all the rest.

    A zone whose rule changed inside the window (Australia in 2008: from the last to the
    first Sunday of October) then still gets a rule for its current years, and only the
    older transitions are listed one by one. A rule must explain at least
    ``_RULE_CHECK_YEARS`` consecutive transitions, so a few coincidences at the end of an
    irregular zone are never extrapolated. Returns ``(len(group), None)`` if none fits.
    """
    onsets = [transition.onset for transition in group]
    for start in range(len(onsets) - _RULE_CHECK_YEARS + 1):
        rule = _yearly_rule(onsets[start:], window_end)
        if rule is not None:
            return start, rule
    return len(onsets), None


def _yearly_rule(onsets: list[datetime], window_end: datetime) -> vRecur | None:
    """Return the yearly RRULE that yields exactly ``onsets`` before ``window_end``, if any.

    Candidates, in the order clients handle best: "last weekday of the month" (EU, most of
    the world), "nth weekday" (US "second Sunday in March"), and "weekday on or after day d"
    (Israel's "Friday before the last Sunday", Chile's "Saturday 24:00" which is a Sunday on
    or after the 2nd). Each candidate is expanded with dateutil and compared with zoneinfo,
    so a rule is only ever emitted when it is provably the same as the zone data.
    """
    first = onsets[0]
    weekday = _WEEKDAYS[first.weekday()]
    lowest = min(onset.day for onset in onsets)
    candidates = [
        {"BYDAY": f"-1{weekday}"},
        {"BYDAY": f"{(first.day - 1) // 7 + 1}{weekday}"},
        {"BYDAY": weekday, "BYMONTHDAY": list(range(lowest, min(lowest + 7, 32)))},
    ]
    for candidate in candidates:
        rule = vRecur({"FREQ": "YEARLY", "BYMONTH": first.month, **candidate})
        expanded = rrulestr(rule.to_ical().decode(), dtstart=first).between(
            first, window_end, inc=True
        )
        if expanded == onsets:
            return rule
    return None


@lru_cache(maxsize=64)
def _transitions(tzid: str, first_year: int, end_year: int) -> tuple[_Transition, ...]:
    """All offset/abbreviation changes of ``tzid`` from ``first_year`` up to ``end_year``.

    zoneinfo exposes no transition list, so this probes the zone once a day and bisects to
    the second where the observed (offset, dst, name) changes; beyond the compiled table
    zoneinfo applies the zone's POSIX rule, so future years reflect the current rules.
    Daily probing would merge two changes less than a day apart, which tzdata has not had
    in modern times. Cached because a feed is rendered on every client poll.
    """
    zone = ZoneInfo(tzid)

    def state(timestamp: int) -> tuple[timedelta, bool, str]:
        local = datetime.fromtimestamp(timestamp, zone)
        return local.utcoffset(), bool(local.dst()), local.tzname()

    day = 86_400
    begin = int(datetime(first_year, 1, 1, tzinfo=UTC).timestamp())
    end = int(datetime(end_year, 1, 1, tzinfo=UTC).timestamp())
    result = []
    previous = state(begin)
    for probe in range(begin + day, end + 1, day):
        current = state(probe)
        if current == previous:
            continue
        low, high = probe - day, probe  # state(low) == previous, state(high) == current
        while high - low > 1:
            middle = (low + high) // 2
            low, high = (middle, high) if state(middle) == previous else (low, middle)
        onset = datetime.fromtimestamp(high, UTC).replace(tzinfo=None) + previous[0]
        if onset.year < end_year:
            result.append(_Transition(onset, previous[0], *current))
        previous = current
    return tuple(result)
