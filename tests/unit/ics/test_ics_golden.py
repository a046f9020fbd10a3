"""Calendars rendered today are byte for byte the calendars the icalendar-only renderer wrote.

Calendar apps compare what they fetched before with what they fetch now; the golden files
(tests/data/ics, written at aab1145 from the rows in golden.py) pin every byte: property
order, escaping, folding, the VTIMEZONEs, and the order of events.
"""

import pytest

from schedules import calendar_db
from tests.unit.ics import golden


@pytest.mark.parametrize("case", golden.CASES)
def test_rendering_matches_the_golden_file(loaded, case):
    """As the CLI renders (no cache), and as a server does: events rendered, then reused."""
    expected = (golden.GOLDEN / f"{case}.ics").read_bytes()
    cache = calendar_db.EventCache(2**20)
    with loaded() as session:
        assert golden.render(session, case) == expected
        assert golden.render(session, case, cache) == expected
        assert golden.render(session, case, cache) == expected


def test_events_kept_from_other_calendars_render_the_same_bytes(loaded):
    """The workspace calendar reuses the events its audiences' calendars rendered."""
    cache = calendar_db.EventCache(2**20)
    with loaded() as session:
        for case in golden.CASES:
            golden.render(session, case, cache)
        for case in reversed(golden.CASES):
            assert (
                golden.render(session, case, cache) == (golden.GOLDEN / f"{case}.ics").read_bytes()
            )


def unfolded(data: bytes) -> str:
    return data.decode().replace("\r\n ", "")


def test_the_team_export_names_the_rep_in_each_event_and_changes_nothing_else(loaded):
    """The workspace's calendar for the team is the rep's golden one but for its name, a
    "[rep1] " before each post's SUMMARY and a "Rep:" line opening each DESCRIPTION; with
    one event cache, neither rendering is ever served for the other."""
    cache = calendar_db.EventCache(2**20)
    golden_file = (golden.GOLDEN / "workspace.ics").read_bytes()
    with loaded() as session:
        assert golden.render(session, "workspace", cache) == golden_file
        audiences = calendar_db.audiences_for_export(session, 1, None)
        team = calendar_db.build(
            session, 1, audiences, calendar_db.ExportOptions(), golden.NOW, cache
        ).render(golden.NOW)
        assert golden.render(session, "workspace", cache) == golden_file
    text = unfolded(team)
    assert text.count("SUMMARY:[rep1] ") == text.count("UID:post-") > 0
    assert text.count("DESCRIPTION:Rep: rep1@golden.test") == text.count("UID:post-")
    stripped = (
        text.replace("SUMMARY:[rep1] ", "SUMMARY:")
        .replace("DESCRIPTION:Rep: rep1@golden.test\\n\\n", "DESCRIPTION:")
        .replace("DESCRIPTION:Rep: rep1@golden.test\r\n", "")
        .replace(": all audiences (team)\r\n", ": all audiences\r\n")
    )
    assert stripped == unfolded(golden_file)
