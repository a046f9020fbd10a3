"""The golden calendar's rows (golden.py), loaded into each test database."""

import pytest

from tests.unit.ics import golden


@pytest.fixture
def loaded(writer):
    with writer() as session:
        golden.load(session)
        session.commit()
    return writer
