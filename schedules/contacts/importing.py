"""Reading a contacts file: LinkedIn's own ``Connections.csv`` or a plain CSV. Pure: bytes in,
rows and the reasons rows were skipped out; ``contacts_db.import_contacts`` writes them.

LinkedIn's export starts with a few "Notes:" lines before its header, often behind a UTF-8
BOM, and dates connections like ``03 Dec 2026``. A row that cannot be a contact is skipped with
its line number and the reason; a file that is not such a CSV at all is refused. The contacts
export (``exporting.py``) writes the plain format, which reads back unchanged: the ``'`` it puts
before a cell a spreadsheet would run as a formula is dropped again.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field

from dateutil import parser as date_parser

from core import emails
from core.errors import InvalidValue
from core.text import one_line, visible
from feeds.urls import MAX_URL_LENGTH
from schedules.contacts.profiles import profile_key
from schedules.models import (
    CONTACT_COMPANY_MAX,
    CONTACT_NAME_MAX,
    CONTACT_TITLE_MAX,
)
from schedules.spreadsheet import typed_cell

LINKEDIN_HEADER = (
    "First Name", "Last Name", "URL", "Email Address", "Company", "Position", "Connected On"
)  # fmt: skip
PLAIN_HEADER = ("name", "profile_url", "company", "title")
# Every column of the plain format, the optional ones last: what the contacts export writes.
PLAIN_COLUMNS = (*PLAIN_HEADER, "email", "accepted_at", "audience")
EXPECTED = (
    f"Expected LinkedIn's Connections.csv (a header {','.join(LINKEDIN_HEADER)}, after its "
    f"Notes) or a CSV whose header is {','.join(PLAIN_HEADER)} (or separated by semicolons or "
    "tabs), in UTF-8."
)
MONTHS = {name: n for n, name in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
)}  # fmt: skip
# The largest contacts file taken, by the API (413 past it) and the command line alike. LinkedIn
# caps a network at 30,000 connections, about 4 MB exported; every row of a file is held, checked
# and written in one transaction, so a larger file costs memory for nothing LinkedIn makes.
MAX_FILE_BYTES = 16 * 1024 * 1024
# How far into the file the header may sit: LinkedIn's preamble is three lines.
HEADER_WITHIN_LINES = 20
# What a header may be separated by: commas, or as Excel saves a CSV where the decimal mark is a
# comma (most of Europe) semicolons, or tabs (its "Unicode Text").
DELIMITERS = (",", ";", "\t")
# An email's length is emails.length_problem's (RFC 5321, under the column's width).
LIMITS = {"name": CONTACT_NAME_MAX, "company": CONTACT_COMPANY_MAX, "title": CONTACT_TITLE_MAX}


@dataclass(frozen=True)
class Row:
    """One contact as the file says it; ``line`` is where its record starts (1-based).
    ``key`` is its profile URL's ``profile_key``: what it is matched to contacts by."""

    line: int
    name: str
    profile_url: str
    key: str
    company: str = ""
    title: str = ""
    email: str | None = None
    accepted_on: dt.date | None = None
    # A plain file may name each row's audience (by name or id); None: the import's own.
    audience: str | None = None


@dataclass(frozen=True)
class Skipped:
    line: int
    field: str
    reason: str


@dataclass
class Parsed:
    format: str  # "linkedin" or "plain"
    rows: list[Row] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


class RowProblem(Exception):
    def __init__(self, field_: str, reason: str) -> None:
        super().__init__(reason)
        self.field, self.reason = field_, reason


# A field opened by a quote that closes before the field ends: '"Dana" W' (but not '"a""b"'),
# for each delimiter.
_STRAY_QUOTE = {
    delimiter: re.compile(rf'(^|{d})"([^"\r\n]*)"([^{d}"\r\n]+)(?={d}|\r?\n|$)')
    for delimiter in DELIMITERS
    for d in [re.escape(delimiter)]
}


def parse(data: bytes) -> Parsed:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidValue("file", "Not UTF-8 text. " + EXPECTED) from None
    if "\x00" in text:
        raise InvalidValue("file", "Not a text file. " + EXPECTED)
    lines = io.StringIO(text, newline="").readlines()
    delimiter = _delimiter(lines)
    reader = csv.reader(lines, delimiter=delimiter)
    try:
        parsed, columns = _header(reader)
        seen: dict[str, int] = {}
        start = reader.line_num + 1
        for record in reader:
            line, start = start, reader.line_num + 1
            if _unclosed_quote(record, lines[line - 1 : reader.line_num], delimiter):
                end = "the end of the file" if start > len(lines) else f"line {start - 1}"
                raise InvalidValue(
                    "file",
                    f"Not a readable CSV: a quote in the record on line {line} is not closed "
                    f"where its field ends, so the lines after it, to {end}, were read into "
                    "that field. Close it (a quote inside a quoted field is written twice) "
                    "and import again.",
                )
            if not any(cell.strip() for cell in record):
                continue
            try:
                row = _row(parsed.format, columns, record, line)
            except RowProblem as problem:
                parsed.skipped.append(Skipped(line, problem.field, problem.reason))
                continue
            if row.key in seen:
                reason = f"The same profile as line {seen[row.key]}."
                parsed.skipped.append(Skipped(line, "profile_url", reason))
                continue
            seen[row.key] = line
            parsed.rows.append(row)
    except csv.Error as error:
        raise InvalidValue("file", f"Not a readable CSV (line {reader.line_num}: {error}). "
                           + EXPECTED) from None  # fmt: skip
    return parsed


def _unclosed_quote(record: list[str], lines: list[str], delimiter: str) -> bool:
    """Whether a record holding a line break (only a quoted field can) got it from a quote not
    closed where its field ends. Python's lenient reader then reads on into the next lines, to
    the next quote or the end of the file, and the rows between vanish; a strict reader of the
    same lines refuses them. A stray quote that closes early on the record's first line
    (``"Dana" W``, read leniently as ``Dana W``) is quoted whole first, so that only a quote
    left open fails the strict reading."""
    if not any("\n" in cell or "\r" in cell for cell in record):
        return False
    try:
        first = _STRAY_QUOTE[delimiter].sub(r'\1"\2\3"', lines[0])
        for _ in csv.reader([first, *lines[1:]], delimiter=delimiter, strict=True):
            pass
    except csv.Error:
        return True
    return False


def _delimiter(lines: list[str]) -> str:
    """What the file's header line is separated by: the first delimiter that splits one of the
    first lines into a header (a header's names never span lines); commas when none does."""
    for line in lines[:HEADER_WITHIN_LINES]:
        for delimiter in DELIMITERS:
            try:
                cells = next(csv.reader([line], delimiter=delimiter), [])
            except csv.Error:  # a line no header is, such as a NUL or an open quote
                continue
            if _header_of(cells) is not None:
                return delimiter
    return ","


def _header(reader) -> tuple[Parsed, dict[str, int]]:
    for record in reader:
        if (found := _header_of(record)) is not None:
            return found
        if reader.line_num >= HEADER_WITHIN_LINES:
            break
    raise InvalidValue("file", "No header found. " + EXPECTED)


def _header_of(record: list[str]) -> tuple[Parsed, dict[str, int]] | None:
    """The file's format and its columns when ``record`` is a header; else None."""
    cells = [cell.strip() for cell in record]
    if cells[: len(LINKEDIN_HEADER)] == list(LINKEDIN_HEADER):
        return Parsed("linkedin"), {name: i for i, name in enumerate(cells)}
    lowered = [cell.lower() for cell in cells]
    if set(PLAIN_HEADER) <= set(lowered):
        return Parsed("plain"), {name: i for i, name in enumerate(lowered)}
    return None


def _row(format_: str, columns: dict[str, int], record: list[str], line: int) -> Row:
    def cell(name: str) -> str:
        at = columns.get(name)
        return typed_cell(record[at]).strip() if at is not None and at < len(record) else ""

    if format_ == "linkedin":
        values = {
            "name": one_line(f"{cell('First Name')} {cell('Last Name')}"),
            "profile_url": cell("URL"),
            "company": cell("Company"),
            "title": cell("Position"),
            "email": cell("Email Address"),
        }
        accepted, audience = cell("Connected On"), None
    else:
        values = {key: cell(key) for key in ("name", "profile_url", "company", "title", "email")}
        values["name"] = one_line(values["name"])
        accepted, audience = cell("accepted_at"), cell("audience") or None
    if not visible(values["name"]):
        raise RowProblem("name", "No name.")
    if not values["profile_url"]:
        raise RowProblem("profile_url", "No profile URL: contacts are matched by it.")
    url, key = values["profile_url"], profile_key(values["profile_url"])
    web = url.lower().startswith(("http://", "https://"))
    if not web or key is None or len(url) > MAX_URL_LENGTH:
        raise RowProblem("profile_url", f"Not a web address: {url[:80]!r}.")
    for column, limit in LIMITS.items():
        if len(values[column]) > limit:
            raise RowProblem(column, f"Longer than {limit} characters.")
    if values["email"] and (problem := emails.length_problem(values["email"])):
        raise RowProblem("email", problem)
    return Row(
        line=line,
        name=values["name"],
        profile_url=url,
        key=key,
        company=values["company"],
        title=values["title"],
        email=values["email"] or None,
        accepted_on=_date(accepted),
        audience=audience,
    )


def _date(value: str) -> dt.date | None:
    """``03 Dec 2026`` as LinkedIn writes it; ISO dates in plain files."""
    if not value:
        return None
    parts = value.split()
    if len(parts) == 3 and parts[1].lower() in MONTHS and parts[0].isdigit() and parts[2].isdigit():
        try:  # by hand: strptime was the import's costliest step a row
            return dt.date(int(parts[2]), MONTHS[parts[1].lower()], int(parts[0]))
        except ValueError:
            pass
    try:
        return date_parser.isoparse(value).date()
    except (ValueError, OverflowError):
        pass
    try:
        return date_parser.parse(value, dayfirst=True).date()
    except (ValueError, OverflowError):
        raise RowProblem("accepted_at", f"Not a date: {value[:40]!r}.") from None
