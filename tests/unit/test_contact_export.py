"""Writing contacts as a CSV: what the export writes, the import reads back unchanged, even
after a spreadsheet app saved it again with semicolons or tabs."""

import csv
import datetime as dt
import io

import pytest

from schedules import spreadsheet
from schedules.contacts import exporting, importing

DANA = exporting.ContactRow(
    name="Dana Whitfield", profile_url="https://www.linkedin.com/in/dana-whitfield",
    company="Nordlys, AS", title='Head of "FP&A"\nEMEA', email="dana@initech.example",
    accepted_on=dt.date(2026, 12, 3), audience="CFOs",
)  # fmt: skip
BARE = exporting.ContactRow(
    name="Lars Øberg", profile_url="https://www.linkedin.com/in/lars-oberg-4711", company="",
    title="", email=None, accepted_on=None, audience=None,
)  # fmt: skip


def as_imported(row: importing.Row) -> exporting.ContactRow:
    return exporting.ContactRow(
        name=row.name, profile_url=row.profile_url, company=row.company, title=row.title,
        email=row.email, accepted_on=row.accepted_on, audience=row.audience,
    )  # fmt: skip


def read_back(data: bytes) -> list[exporting.ContactRow]:
    parsed = importing.parse(data)
    assert (parsed.format, parsed.skipped) == ("plain", [])
    return [as_imported(row) for row in parsed.rows]


def test_the_header_is_the_plain_imports_and_the_file_is_utf8_with_a_bom():
    text = exporting.contacts_csv([DANA])
    assert text.startswith(spreadsheet.BOM)
    header = text.removeprefix(spreadsheet.BOM).split("\r\n")[0]
    assert header == "name,profile_url,company,title,email,accepted_at,audience"
    [got] = csv.DictReader(io.StringIO(text.removeprefix(spreadsheet.BOM), newline=""))
    assert (got["accepted_at"], got["audience"], got["email"]) == (
        "2026-12-03", "CFOs", "dana@initech.example"
    )  # fmt: skip


def test_what_the_export_writes_the_import_reads_back_unchanged():
    assert read_back(exporting.contacts_csv([DANA, BARE]).encode()) == [DANA, BARE]


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_a_spreadsheet_saving_it_with_another_delimiter_changes_nothing(delimiter):
    """Excel saves a CSV with semicolons where the decimal mark is a comma, or with tabs."""
    text = exporting.contacts_csv([DANA, BARE]).removeprefix(spreadsheet.BOM)
    resaved = io.StringIO()
    csv.writer(resaved, delimiter=delimiter).writerows(csv.reader(io.StringIO(text, newline="")))
    assert read_back(resaved.getvalue().encode()) == [DANA, BARE]


def test_cells_a_spreadsheet_would_run_are_made_text_and_read_back_as_they_were():
    hostile = exporting.ContactRow(
        name="=HYPERLINK(\"http://evil.example\",\"x\")", profile_url="https://x.example/in/h",
        company="+1+1", title="-2", email="@SUM(A1)", accepted_on=None, audience="=CFOs",
    )  # fmt: skip
    text = exporting.contacts_csv([hostile]).removeprefix(spreadsheet.BOM)
    [got] = csv.DictReader(io.StringIO(text, newline=""))
    assert [got[c] for c in ("name", "company", "title", "email", "audience")] == [
        "'" + value for value in (hostile.name, "+1+1", "-2", "@SUM(A1)", "=CFOs")
    ]
    assert read_back(text.encode()) == [hostile]
