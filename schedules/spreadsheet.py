"""CSV for spreadsheets, as every export writes it (``table_csv``), and the posts as one: a row a
post, on its audience's clock. Pure: rows in, text out.

``time`` carries its UTC offset (``09:30+02:00``, ISO 8601), so a reader need not know the
zone's rules, nor that a moment past the end of the zone's calendar is shown in UTC
(``times.local``): ``date``, ``T`` and ``time`` joined are the instant, in ISO 8601.

Spreadsheet apps run a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and some a tab or
carriage return) as a formula, so such cells are prefixed with ``'``, which they show as text
(OWASP's advice on CSV injection): a post title cannot become a formula on a rep's machine.
A file read back (the contacts import) drops that prefix again (``typed_cell``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from schedules.times import local_minutes

COLUMNS = ("post_id", "date", "time", "timezone", "audience", "rep", "kind", "type", "status",
           "title", "text", "link", "contact", "updated_at")  # fmt: skip
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Excel reads a CSV as UTF-8 only with the byte order mark; other apps ignore it.
BOM = "\ufeff"


@dataclass(frozen=True)
class PostRow:
    post_id: int
    scheduled_at: dt.datetime | None
    timezone: str
    audience: str
    rep: str
    kind: str
    type: str
    status: str
    title: str
    text: str
    link: str | None
    contact: str | None
    updated_at: dt.datetime


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def typed_cell(cell: str) -> str:
    """A cell as it was before ``safe_cell`` made it text."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS) else cell


def table_csv(columns: Sequence[str], rows: Iterable[Iterable[object]]) -> str:
    """A header and rows, each cell made safe, with CRLF line ends (RFC 4180) behind the BOM."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows((safe_cell(value) for value in row) for row in rows)
    return BOM + out.getvalue()


def posts_csv(rows: Iterable[PostRow]) -> str:
    return table_csv(COLUMNS, (_post_cells(row) for row in rows))


def _post_cells(row: PostRow) -> tuple[object, ...]:
    at = local_minutes(row.scheduled_at, row.timezone) if row.scheduled_at else None
    return (
        row.post_id,
        f"{at:%Y-%m-%d}" if at else "",
        at.isoformat(timespec="minutes").partition("T")[2] if at else "",
        row.timezone,
        row.audience,
        row.rep,
        row.kind,
        row.type,
        row.status,
        row.title,
        row.text,
        row.link,
        row.contact,
        row.updated_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
