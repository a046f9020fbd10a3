"""0009 gives every existing audience the recency policy's defaults and keeps its posts as stored.

Posts and touches already stored keep their dates, even a scheduled one in the past: the new
bounds apply to what is recorded from now on (an old scheduled post then shows as overdue).
"""

import pytest
from alembic import command
from sqlalchemy import text

from core import migrations
from core.db import Base, make_engine

OLD_ROWS = [
    "INSERT INTO workspaces (id, name, timezone, created_at, connect_enabled, connect_weekday, "
    "connect_time, connect_minutes, updated_at) VALUES (1, 'Old Co', 'UTC', '2024-01-01', "
    "true, 1, '08:00', 60, '2024-01-01')",
    "INSERT INTO audiences (id, workspace_id, name, description, keywords, exclude_keywords, "
    "timezone, cadence, gives_per_ask, min_days_between_asks, min_days_after_connect, "
    "touches_per_ask, half_life_days, revision, created_at, updated_at) VALUES (1, 1, 'CFOs', "
    "'', '[]', '[]', 'UTC', '{}', 4, 21, 10, 3, 7, 0, '2024-01-01', '2024-01-01')",
    "INSERT INTO posts (id, audience_id, kind, type, title, body, scheduled_at, status, sequence, "
    "created_at, updated_at) VALUES (7, 1, 'give', 'tip', 'A tip', '', '2020-01-06 09:00:00', "
    "'scheduled', 0, '2024-01-01', '2024-01-01')",
]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def old_engine(request, tmp_path):
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
        yield engine
        engine.dispose()
        return
    engine = request.getfixturevalue("pg_engine")
    with engine.begin() as connection:
        Base.metadata.drop_all(connection)
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    yield engine
    # Leave the shared test database at head, empty, as the other tests expect it.
    with engine.begin() as connection:
        Base.metadata.drop_all(connection)
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    migrations.upgrade(engine)


def test_upgrading_from_0005_keeps_posts_and_fills_the_recency_policy(old_engine):
    migrations.upgrade(old_engine, "0005")
    with old_engine.begin() as connection:
        for statement in OLD_ROWS:
            connection.exec_driver_sql(statement)
    migrations.upgrade(old_engine, "0009")
    with old_engine.connect() as connection:
        audience = connection.exec_driver_sql(
            "SELECT gives_per_ask, touches_per_ask, gives_lookback_days, touches_lookback_days, "
            "record_published_within_days FROM audiences"
        ).one()
        post = connection.exec_driver_sql("SELECT id, title, status FROM posts").one()
    assert tuple(audience) == (4, 3, 365, 180, 30)
    assert tuple(post) == (7, "A tip", "scheduled")
    command.downgrade(migrations.config(old_engine), "0005")
    with old_engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM posts").scalar() == 1
        columns = connection.exec_driver_sql("SELECT * FROM audiences").keys()
    assert "gives_lookback_days" not in columns
