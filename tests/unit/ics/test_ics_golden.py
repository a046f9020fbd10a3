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
