"""The posts CSV: a header, one row a post on its audience's clock, no formulas smuggled in."""

import csv
import datetime as dt
import io

from schedules import spreadsheet


def row(**fields):
    values = dict(
        post_id=7, scheduled_at=dt.datetime(2026, 3, 29, 7, 30, tzinfo=dt.UTC),
        timezone="Europe/Berlin", audience="CFOs", rep="pat@acme.example", kind="give",
        type="tip", status="scheduled", title="Pricing, explained", text="Line one\\nline two",
        link="https://x.example/?a=1", contact=None,
        updated_at=dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC),
    )  # fmt: skip
    return spreadsheet.PostRow(**{**values, **fields})


def read(text: str) -> list[dict[str, str]]:
    assert text.startswith(spreadsheet.BOM)
    return list(csv.DictReader(io.StringIO(text.removeprefix(spreadsheet.BOM), newline="")))


def test_a_post_reads_on_its_audiences_clock_with_every_column():
    [got] = read(spreadsheet.posts_csv([row()]))
    assert list(got) == list(spreadsheet.COLUMNS)
    assert (got["date"], got["time"], got["timezone"]) == ("2026-03-29", "09:30", "Europe/Berlin")
    assert got["title"] == "Pricing, explained" and got["contact"] == ""
    assert got["updated_at"] == "2026-03-01T12:00:00Z"


def test_an_undated_draft_has_blank_date_and_time():
    [got] = read(spreadsheet.posts_csv([row(scheduled_at=None, status="draft")]))
    assert (got["date"], got["time"], got["status"]) == ("", "", "draft")


def test_cells_a_spreadsheet_would_run_as_formulas_are_made_text():
    hostile = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2", "@SUM(A1)", "\tx"]
    rows = [row(title=title) for title in hostile]
    got = [r["title"] for r in read(spreadsheet.posts_csv(rows))]
    assert got == ["'" + title for title in hostile]
    [plain] = read(spreadsheet.posts_csv([row(title="Q&A: 3 = 3?")]))
    assert plain["title"] == "Q&A: 3 = 3?"
