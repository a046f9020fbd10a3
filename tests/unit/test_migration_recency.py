"""0009 gives every existing audience the recency policy's defaults and keeps its posts as stored.

Posts and touches already stored keep their dates, even a scheduled one in the past: the new
bounds apply to what is recorded from now on (an old scheduled post then shows as overdue).
"""

from alembic import command

from core import migrations
from tests.unit.conftest import upgrade_with_rows
from tests.unit.migration_helpers import OLD_CO_ROWS

OLD_ROWS = [
    *OLD_CO_ROWS,
    "INSERT INTO audiences (id, workspace_id, name, description, keywords, exclude_keywords, "
    "timezone, cadence, gives_per_ask, min_days_between_asks, min_days_after_connect, "
    "touches_per_ask, half_life_days, revision, created_at, updated_at) VALUES (1, 1, 'CFOs', "
    "'', '[]', '[]', 'UTC', '{}', 4, 21, 10, 3, 7, 0, '2024-01-01', '2024-01-01')",
    "INSERT INTO posts (id, audience_id, kind, type, title, body, scheduled_at, status, sequence, "
    "created_at, updated_at) VALUES (7, 1, 'give', 'tip', 'A tip', '', '2020-01-06 09:00:00', "
    "'scheduled', 0, '2024-01-01', '2024-01-01')",
]


def test_upgrading_from_0005_keeps_posts_and_fills_the_recency_policy(empty_engine):
    upgrade_with_rows(empty_engine, "0005", OLD_ROWS, "0009")
    with empty_engine.connect() as connection:
        audience = connection.exec_driver_sql(
            "SELECT gives_per_ask, touches_per_ask, gives_lookback_days, touches_lookback_days, "
            "record_published_within_days FROM audiences"
        ).one()
        post = connection.exec_driver_sql("SELECT id, title, status FROM posts").one()
    assert tuple(audience) == (4, 3, 365, 180, 30)
    assert tuple(post) == (7, "A tip", "scheduled")
    command.downgrade(migrations.config(empty_engine), "0005")
    with empty_engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM posts").scalar() == 1
        columns = connection.exec_driver_sql("SELECT * FROM audiences").keys()
    assert "gives_lookback_days" not in columns
