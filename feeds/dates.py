"""Read the dates feeds actually carry, as aware UTC instants, or say there is no reading.

feedparser's own date handlers read most feeds but are silently wrong on some: a zone
abbreviation they do not know ("CEST") becomes UTC, an ISO 8601 basic-format time
("20250303T101530Z") is dropped, an ordinal date ("2025-062") becomes June, and an RFC 822
offset written with a colon ("+01:00") is ignored. Wrong dates are worse than none (an old
story would look new, or sort into another week), so the raw string is read here first,
strictest reading first, and feedparser's result is only a fallback:

1. ISO 8601 (``datetime.fromisoformat``: extended and basic formats, week dates, "Z",
   offsets with or without a colon, no seconds) plus ordinal dates;
2. RFC 822 / RFC 2822 (``email.utils``: with or without day name, seconds, two-digit years);
3. feedparser's parsed value, for its narrow special formats (Greek, Hungarian, Korean, ...);
4. dateutil's lenient parser, as a last resort.

Steps 3 and 4 run only for strings that name a year. A 12-hour time ("10:15 PM") skips steps 2
and 3, which take "PM" for a zone; with a zone abbreviation step 4 comes before step 3, whose
handlers drop the time before one ("2026-03-10 22:15 EST" read as midnight). A string that opens
with its year skips step 3 too: feedparser reads those with its ISO 8601 handler, which takes the
longest prefix that looks like a date and the rest from today's date ("2025/03/04 10:15" read as
the first of the current month) or rolls it over ("T25:14" read as the next day), and step 1
already reads every real ISO 8601 date.

German, French and Spanish month and day names are translated to English ("a.m." and "P.M."
written "AM" and "PM" first), and a zone abbreviation after the time, in upper or lower case, is
replaced by its offset from :data:`ZONES`, before steps 2 and 4. An abbreviation not in that
table (or an ambiguous one, such as IST) makes the string no date: reading it as UTC would shift
the instant by hours without a trace. The US regional names (ET, CT, MT, PT) are read on the
region's clock, with its daylight saving on that date. A lower-case word not in the table is
taken for an unknown zone only where nothing else would stand (last, or before the year, and
ending in "t" like "ist"), so "10:15 hs" stays a time. A date without any zone is read as UTC:
the feed gives nothing better to go on.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
import unicodedata
import warnings
from typing import Any
from zoneinfo import ZoneInfo

from dateutil import parser as dateparser

# The zone abbreviations read: RFC 822's own (its CST is US Central, not China) and others
# seen in feeds. Ambiguous ones (IST: India, Ireland or Israel; AST: Atlantic or Arabia) are
# left out, so a date naming one is no date rather than a guess.
ZONES = {
    "UT": "+0000",
    "UTC": "+0000",
    "GMT": "+0000",
    "Z": "+0000",
    "EST": "-0500",
    "EDT": "-0400",
    "CST": "-0600",
    "CDT": "-0500",
    "MST": "-0700",
    "MDT": "-0600",
    "PST": "-0800",
    "PDT": "-0700",
    "WET": "+0000",
    "WEST": "+0100",
    "BST": "+0100",
    "CET": "+0100",
    "MEZ": "+0100",
    "MET": "+0100",
    "CEST": "+0200",
    "MESZ": "+0200",
    "MEST": "+0200",
    "EET": "+0200",
    "EEST": "+0300",
    "MSK": "+0300",
    "JST": "+0900",
    "KST": "+0900",
    "AEST": "+1000",
    "AEDT": "+1100",
    "NZST": "+1200",
    "NZDT": "+1300",
    "HST": "-1000",
    "AKST": "-0900",
    "AKDT": "-0800",
}
# US regional names without the season ("9:00 AM ET"): their offset turns with daylight
# saving, so the wall time is read in the region's zone on that date.
REGIONS = {
    "ET": "America/New_York",
    "CT": "America/Chicago",
    "MT": "America/Denver",
    "PT": "America/Los_Angeles",
}
# A word right after a time (and its AM or PM), not followed by an offset ("GMT+01:00" is
# left to the parsers): "22:15 EST", "10:15 PM EDT", "22:15:00 CEST 2026", "22:15 cest". Which
# of them are zones is _zone_offset's to say. A meridiem, dotted or not, is never one.
_ZONE_AFTER_TIME = re.compile(
    r"(\d:\d\d(?::\d\d(?:[.,]\d+)?)?\s*(?:(?i:[ap]\.?m\.?)\s*)?)"
    r"(?!(?i:[ap]\.?m\b\.?))([A-Za-z]{1,5})\b(?!\s*[+-]\d)"
)
# A lower-case word that can only be a zone: of zone length, ending as "EST", "CEST" or "GMT"
# do, and last in the string or before its year only ("22:15:00 cest 2026"), so Spanish "la"
# or "hs" ("10:15 hs") never count.
_LOWER_CASE_ZONE = re.compile(r"[a-z]{1,4}t(?=\s*(?:\d{4})?\s*$)")
_TWELVE_HOUR = re.compile(r"\d\s*(?i:[ap]\.?m\.?)(?!\w)")
# "a.m.", "P.M.", "pm" after a number: one spelling before the words are translated, where the
# Spanish filler "a" would be dropped from "a.m." and the "P." of "P.M." taken for a zone.
_MERIDIEM = re.compile(r"(?<=\d)(\s*)([ap])\.?m\.?(?!\w)", re.IGNORECASE)
_COLON_OFFSET_AT_END = re.compile(r"([+-]\d{2}):(\d{2})\s*$")
# "GMT+1", "UTC-05:30": an offset from UTC as people write it. dateutil reads "GMT+1" the POSIX
# way (an hour behind) and drops "GMT+01:00" altogether.
_OFFSET_FROM_UTC = re.compile(r"\b(?:GMT|UTC|UT)\s*([+-])(\d{1,2})(?::?(\d{2}))?\b")
# "10.03.2026": day first, as everywhere dates are written with dots.
_DOTTED_DATE = re.compile(r"\b\d{1,2}\.\d{1,2}\.\d{2,4}\b")


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Month names and their usual abbreviations, folded (lower case, accents removed).
_MONTHS = {
    "Jan": "januar jaenner janner jan janvier janv enero ene",
    "Feb": "februar feb fevrier fevr fev febrero",
    "Mar": "marz maerz mrz mar mars marzo",
    "Apr": "april apr avril avr abril abr",
    "May": "mai mayo may",
    "Jun": "juni jun juin junio",
    "Jul": "juli jul juillet juil julio",
    "Aug": "august aug aout agosto ago",
    "Sep": "september sept sep septembre septiembre setiembre set",
    "Oct": "oktober okt octobre oct octubre",
    "Nov": "november nov novembre noviembre",
    "Dec": "dezember dez decembre dec diciembre dic",
}
_MONTH = {name: english for english, names in _MONTHS.items() for name in names.split()}
# Full weekday names never clash with a month, so they go wherever they stand; abbreviations
# do ("mar" is Tuesday in French and Spanish, March in Spanish), so those go only when they
# open the string followed by a comma, where RFC 822 puts the day.
_WEEKDAYS = _names(
    "montag dienstag mittwoch donnerstag freitag samstag sonnabend sonntag "
    "lundi mardi mercredi jeudi vendredi samedi dimanche "
    "lunes martes miercoles jueves viernes sabado domingo "
    "monday tuesday wednesday thursday friday saturday sunday"
)
_DAY_ABBREVIATIONS = _names(
    "mon tue wed thu fri sat sun mo di mi do fr sa so "
    "lun mar mer jeu ven sam dim mie jue vie sab dom"
)
_LEADING_DAY = re.compile(r"^\s*([^\W\d_]{2,3})\.?\s*,\s*")
# Words around the date in German, French and Spanish ("3 de marzo de 2025", "1er avril",
# "4. März 2025 um 10:15 Uhr"); dropped after folding.
_FILLERS = {"de", "del", "um", "uhr", "a", "le", "el", "den"}
_ORDINAL_SUFFIX = re.compile(r"(?<=\d)(?:er|e|eme|ème|o|º|ª|st|nd|rd|th)\b")
_LETTERS = re.compile(r"[^\W\d_]+\.?")
_ORDINAL_DATE = re.compile(r"(\d{4})-?(\d{3})(T.*)?")
_YEAR = re.compile(r"(?<!\d)\d{4}(?!\d)")
_YEAR_FIRST = re.compile(r"\d{4}")


def parse_date(raw: str | None, parsed: Any = None) -> dt.datetime | None:
    """The instant ``raw`` names, in UTC, or None when no reasonable reading exists.

    ``parsed`` is feedparser's reading of the same string (its ``*_parsed`` value, a UTC
    ``time.struct_time``), used only when the stricter readings fail. A string without a
    year ("10:15", "March 3") is no date at all: feedparser and dateutil would complete it
    from today's date, which is a guess, not a reading.
    """
    text = " ".join((raw or "").split())
    if not text:
        return None
    when = _iso8601(text)
    if when is not None:
        return when
    english = _english(_MERIDIEM.sub(lambda m: f"{m[1]}{m[2].upper()}M", text))
    numeric, region = _with_numeric_zone(english)
    if numeric is None:
        return None
    twelve_hour = _TWELVE_HOUR.search(numeric) is not None
    when = None if twelve_hour else _rfc822(numeric)
    if when is None and _YEAR.search(text):
        # feedparser read the raw string: never trusted with a 12-hour time, a region's name
        # ("ET", which it reads its own way) or the year first (only a prefix of it), and
        # second to dateutil's reading of the rewritten string when a zone was named
        # (feedparser's own readings of those, Greek ones say, stay the fallback).
        trusted = not (twelve_hour or region or _YEAR_FIRST.match(text))
        fallback = _from_struct(parsed) if trusted else None
        if numeric == english:
            when = fallback or _lenient(numeric)
        else:
            when = _lenient(numeric) or fallback
    if when is not None and region is not None:
        # Read as UTC with the region's name taken out: the same wall time in the region.
        when = when.replace(tzinfo=ZoneInfo(region)).astimezone(dt.UTC)
    return when


def _from_struct(value: Any) -> dt.datetime | None:
    if not value:
        return None
    try:
        return dt.datetime(*value[:6], tzinfo=dt.UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def _utc(when: dt.datetime) -> dt.datetime:
    if when.tzinfo is None:
        return when.replace(tzinfo=dt.UTC)
    return when.astimezone(dt.UTC)


def _iso8601(text: str) -> dt.datetime | None:
    ordinal = _ORDINAL_DATE.fullmatch(text)
    try:
        if ordinal:
            year, day, rest = ordinal.groups()
            date = dt.date(int(year), 1, 1) + dt.timedelta(days=int(day) - 1)
            if date.year != int(year):
                return None
            text = date.isoformat() + (rest or "")
        return _utc(dt.datetime.fromisoformat(text))
    except (ValueError, OverflowError):
        return None


def _rfc822(text: str) -> dt.datetime | None:
    try:
        return _utc(email.utils.parsedate_to_datetime(text))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _lenient(text: str) -> dt.datetime | None:
    """dateutil reads almost anything; what it lacks (the day of "March 2025") is the first."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", dateparser.UnknownTimezoneWarning)
            when = dateparser.parse(
                text,
                default=dt.datetime(2000, 1, 1),
                dayfirst=_DOTTED_DATE.search(text) is not None,
            )
        # Inside the try: 9999-12-31 23:59 -01:00 is past the last instant in UTC.
        return _utc(when)
    except (ValueError, OverflowError, TypeError):
        return None


def _with_numeric_zone(text: str) -> tuple[str | None, str | None]:
    """``text`` with a zone abbreviation after its time replaced by the offset it stands for,
    "GMT+1" written "+0100" and "+01:00" at its end "+0100", and the region's zone beside when
    a US regional name (REGIONS) was taken out instead; (None, None) when the abbreviation is
    not known."""
    text = _OFFSET_FROM_UTC.sub(
        lambda m: f"{m[1]}{int(m[2]):02d}{m[3] or '00'}", _COLON_OFFSET_AT_END.sub(r"\1\2", text)
    )
    for zone in _ZONE_AFTER_TIME.finditer(text):
        word = zone.group(2)
        if word in REGIONS:
            return " ".join((text[: zone.start(2)] + text[zone.end(2) :]).split()), REGIONS[word]
        if word.isupper() or _LOWER_CASE_ZONE.match(text, zone.start(2)):
            offset = ZONES.get(word.upper())
            if offset is None:
                return None, None
            return text[: zone.start(2)] + offset + text[zone.end(2) :], None
        if word.islower() and word.upper() in ZONES:
            return text[: zone.start(2)] + ZONES[word.upper()] + text[zone.end(2) :], None
    return text, None


def _english(text: str) -> str:
    """Translate German, French and Spanish month names to English abbreviations, and drop
    weekday names, ordinal suffixes and filler words, leaving what English parsers read."""
    day = _LEADING_DAY.match(text)
    if day and _fold(day.group(1)) in _DAY_ABBREVIATIONS:
        text = text[day.end() :]
    text = _ORDINAL_SUFFIX.sub("", text)
    return " ".join(_LETTERS.sub(_english_word, text).split())


def _english_word(match: re.Match[str]) -> str:
    word = match.group()
    folded = _fold(word).rstrip(".")
    if folded in _MONTH:
        return _MONTH[folded]
    if folded in _WEEKDAYS or folded in _FILLERS:
        return ""
    return word


def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))
