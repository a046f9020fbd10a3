"""The posts CSV: a header, one row a post on its audience's clock (its UTC offset said), no
formulas smuggled in."""

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
    assert (got["date"], got["time"], got["timezone"]) == (
        "2026-03-29", "09:30+02:00", "Europe/Berlin"
    )  # fmt: skip
    assert got["title"] == "Pricing, explained" and got["contact"] == ""
    assert got["updated_at"] == "2026-03-01T12:00:00Z"


def instant(got: dict[str, str]) -> dt.datetime:
    """What a reader makes of a row's date and time: ISO 8601 once joined by a T."""
    return dt.datetime.fromisoformat(f"{got['date']}T{got['time']}")


def test_date_and_time_name_one_instant_whichever_clock_they_are_on():
    """Across a change of clocks, on a clock with no summer time, where local mean time had
    seconds in its offset (cut to the minute, the wall time with it), and past the end of the
    audience's calendar, where the moment is shown in UTC although ``timezone`` names Berlin."""
    cases = [
        (dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC), "Europe/Berlin", "01:30+01:00"),
        (dt.datetime(2026, 3, 29, 1, 30, tzinfo=dt.UTC), "Europe/Berlin", "03:30+02:00"),
        (dt.datetime(2026, 3, 29, 1, 30, tzinfo=dt.UTC), "UTC", "01:30+00:00"),
        (dt.datetime(1850, 1, 1, 12, tzinfo=dt.UTC), "America/New_York", "07:04-04:56"),
        (dt.datetime(9999, 12, 31, 23, 30, tzinfo=dt.UTC), "Europe/Berlin", "23:30+00:00"),
    ]
    rows = [row(scheduled_at=at, timezone=zone) for at, zone, _ in cases]
    got = read(spreadsheet.posts_csv(rows))
    assert [r["time"] for r in got] == [time for _, _, time in cases]
    assert [instant(r) for r in got] == [at for at, _, _ in cases]


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
