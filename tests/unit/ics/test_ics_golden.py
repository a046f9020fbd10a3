"""Calendars rendered today are byte for byte the calendars the icalendar-only renderer wrote.

Calendar apps compare what they fetched before with what they fetch now; the golden files
(tests/data/ics, written at aab1145 from the rows in golden.py) pin every byte: property
order, escaping, folding, the VTIMEZONEs, and the order of events.
"""

import pytest

from tests.unit.ics import golden


@pytest.fixture
def loaded(writer):
    with writer() as session:
        golden.load(session)
        session.commit()
    return writer


@pytest.mark.parametrize("case", golden.CASES)
def test_rendering_matches_the_golden_file(loaded, case):
    expected = (golden.GOLDEN / f"{case}.ics").read_bytes()
    with loaded() as session:
        assert golden.render(session, case) == expected
