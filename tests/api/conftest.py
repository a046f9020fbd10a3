"""API-test fixtures: a writer session on the app's own database, for rows set up directly."""

import pytest


@pytest.fixture
def writer_session(app):
    with app.extensions["planner_db"].writer() as session:
        yield session
