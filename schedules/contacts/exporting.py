"""Contacts as a CSV the import reads back unchanged: the plain format's columns
(``importing.PLAIN_COLUMNS``), written as every export writes a spreadsheet
(``spreadsheet.table_csv``), the acceptance as its day on the contact's clock (what the import
makes the start of that day on it) and the audience by name. Pure: rows in, text out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from schedules import spreadsheet
from schedules.contacts.importing import PLAIN_COLUMNS


@dataclass(frozen=True)
class ContactRow:
    name: str
    profile_url: str | None
    company: str
    title: str
    email: str | None
    accepted_on: dt.date | None
    audience: str | None


def contacts_csv(rows: Iterable[ContactRow]) -> str:
    return spreadsheet.table_csv(
        PLAIN_COLUMNS,
        (
            (row.name, row.profile_url, row.company, row.title, row.email,
             row.accepted_on and row.accepted_on.isoformat(), row.audience)
            for row in rows
        ),
    )  # fmt: skip
