"""Instants as the API reads and writes them (aware UTC inside, the audience's clock outside)
and as reps read them: on the audience's wall clock, spelled out, no UTC offsets."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from dateutil import parser as date_parser

from core.errors import InvalidValue

MINUTE = dt.timedelta(minutes=1)
# An offset's "+" that a client did not encode in a query string arrives as a space; after an
# ISO time, " 01:00" can mean nothing else.
_SPACED_OFFSET = re.compile(r"\d \d{2}:?\d{2}\s*$")
_UNENCODED_PLUS = re.compile(r"([T ][0-9]{2}:[0-9]{2}[0-9:.,]*) ([0-9]{2}(?::?[0-9]{2})?)$")
# How far ahead a stored date (a post's time, an acceptance, a touch) may lie: plans reach
# years ahead, not centuries, so 9999-12-31 (or 2206 for 2026) is a slip to refuse, and every
# date the rules derive from a stored one (gaps and lookbacks of years) stays on the calendar.
REACH_YEARS = 100
REACH = dt.timedelta(days=round(365.25 * REACH_YEARS))


def parse_when(
    field: str, value: str | dt.datetime | None, timezone: str, *, on_the_clock: bool = False
) -> dt.datetime | None:
    """ISO 8601 to aware UTC; no offset means the audience's clock.

    Only ISO 8601: a looser reading guesses, and a guess stores a post at another time without
    a word ("01/02/2027" as 2 January, "11:00 EST" as 11:00 on the audience's clock).
    ``on_the_clock``: a time the clock skips when it goes forward is refused rather than moved
    an hour on; a time it shows twice when it goes back is the first of the two."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        parsed = value
    else:
        try:
            parsed = date_parser.isoparse(_UNENCODED_PLUS.sub(r"\1+\2", value.strip()))
        except (ValueError, OverflowError):
            # A space before an offset's digits is most likely a "+" sent unencoded in a URL.
            hint = " (in a URL, send an offset's + as %2B)" if _SPACED_OFFSET.search(value) else ""
            raise InvalidValue(
                field,
                f"Not an ISO 8601 date and time (such as 2027-03-11T09:00 or "
                f"2027-03-11T09:00:00+01:00): {value!r}{hint}.",
            ) from None
    naive = parsed.tzinfo is None
    if naive:
        parsed = parsed.replace(tzinfo=ZoneInfo(timezone))
    try:
        # On the audience's clock too, where answers show it: 0001-01-01T00:00Z is in year 0
        # in New York.
        at = parsed.astimezone(dt.UTC)
        shown_there = at.astimezone(ZoneInfo(timezone))
    except (OverflowError, ValueError):
        # Past a calendar's end: 9999-12-31T23:00-05:00 is in year 10000 in UTC, and
        # 0001-01-01T00:00+01:00 in year 0.
        if parsed.year > dt.MINYEAR:
            raise _beyond_reach(field, parsed) from None
        shown = value.isoformat() if isinstance(value, dt.datetime) else value
        raise InvalidValue(
            field,
            f"{shown} is before year 1 in UTC or on the {timezone} clock, where the calendar "
            "starts.",
        ) from None
    if on_the_clock and naive and shown_there.replace(tzinfo=None) != parsed.replace(tzinfo=None):
        raise InvalidValue(
            field,
            f"{parsed:%Y-%m-%d %H:%M} is not on the {timezone} clock: it skips that hour when it "
            f"goes forward. Did you mean {shown_there:%H:%M}?",
        )
    return at


def parse_stored(
    field: str, value: str | dt.datetime | None, timezone: str, now: dt.datetime | None = None
) -> dt.datetime | None:
    """A date to store, read as :func:`parse_when` reads it, and at most ``REACH`` from now:
    the one bound of every date field (API, web forms, imports), a 422 on ``field``."""
    at = parse_when(field, value, timezone, on_the_clock=True)
    if at is not None and at - (now or dt.datetime.now(dt.UTC)) > REACH:
        raise _beyond_reach(field, local(at, timezone))
    return at


def _beyond_reach(field: str, day: dt.date) -> InvalidValue:
    """The refusal of a date past ``REACH``, as docs/api.md quotes it."""
    return InvalidValue(
        field,
        f"{day:%Y-%m-%d} is more than {REACH_YEARS} years from now; plans reach years ahead, "
        "not centuries.",
    )


def parse_range(
    start: str | dt.datetime | None, end: str | dt.datetime | None, timezone: str
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """``from`` and ``to`` as :func:`parse_when` reads them, in order (:func:`check_order`)."""
    parsed = parse_when("from", start, timezone), parse_when("to", end, timezone)
    check_order(*parsed)
    return parsed


def check_order(start: dt.datetime | None, end: dt.datetime | None) -> None:
    """A range's ``to`` comes after its ``from`` (either may be open: None)."""
    if start is not None and end is not None and end <= start:
        raise InvalidValue("to", "Must be after from.")


def local_iso(at: dt.datetime, timezone: str) -> str:
    """RFC 3339 on the zone's clock (:func:`local_minutes`)."""
    return local_minutes(at, timezone).isoformat()


def local_minutes(at: dt.datetime, timezone: str) -> dt.datetime:
    """``at`` on the zone's clock (:func:`local`), its offset in whole minutes as RFC 3339
    and ISO 8601 have them. Local mean time had seconds (New York -04:56:02 until 1883,
    Monrovia -00:44:30 until 1972): that offset is cut to the whole minute toward zero and the
    wall time moves with it, naming the same instant. Toward zero, not to the nearest minute,
    so the wall time stays between the local time and UTC, both of which parse_when checked
    are in range: rounding Montevideo's -03:44:51 to -03:45 put 0001-01-01T00:00:05 there in
    year 0 (an OverflowError)."""
    moment = local(at, timezone)
    offset = moment.utcoffset() or dt.timedelta(0)
    if offset % MINUTE:
        moment = at.astimezone(dt.timezone(int(offset / MINUTE) * MINUTE))
    return moment


def local(at: dt.datetime, timezone: str) -> dt.datetime:
    """``at`` on the zone's clock, or in UTC where that clock has passed 9999-12-31: a moment
    stored at the calendar's very end, before dates were bounded, still shows."""
    try:
        return at.astimezone(ZoneInfo(timezone))
    except OverflowError:
        return at.astimezone(dt.UTC)


def day(
    at: dt.datetime | dt.date, timezone: str | None = None, today: dt.date | None = None
) -> str:
    """``14 March`` this year, ``14 March 2026`` otherwise: the year only when it matters."""
    if isinstance(at, dt.datetime):
        at = local(at, timezone or "UTC").date()
    today = today or dt.date.today()
    text = f"{at.day} {at:%B}"
    return text if at.year == today.year else f"{text} {at.year}"


def when(at: dt.datetime, timezone: str, today: dt.date | None = None) -> str:
    """``Tue 14 March, 09:00`` (the year when it is not ``today``'s)."""
    moment = local(at, timezone)
    return f"{moment:%a} {day(moment.date(), today=today)}, {moment:%H:%M}"
