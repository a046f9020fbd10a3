"""Adding contacts keeps every audience and post, and gives old audiences the guard's defaults.

On SQLite the migration rebuilds ``posts`` (copy, drop, rename); rebuilding ``audiences`` the
same way would delete every post through its ON DELETE CASCADE, so this guards the order too.
"""

from alembic import command

from core import migrations
from core.db import make_engine
from tests.unit.conftest import upgrade_with_rows

OLD_ROWS = [
    "INSERT INTO workspaces (id, name, timezone, created_at, connect_enabled, connect_weekday, "
    "connect_time, connect_minutes, updated_at) VALUES (1, 'Old Co', 'UTC', '2024-01-01', 1, 1, "
    "'08:00', 60, '2024-01-01')",
    "INSERT INTO users (id, workspace_id, email, role, created_at) "
    "VALUES (1, 1, 'pat@old.example', 'rep', '2024-01-01')",
    "INSERT INTO audiences (id, workspace_id, name, description, keywords, exclude_keywords, "
    "timezone, cadence, gives_per_ask, min_days_between_asks, revision, created_at, updated_at) "
    "VALUES (1, 1, 'CFOs', '', '[]', '[]', 'UTC', '{}', 4, 21, 0, '2024-01-01', '2024-01-01')",
    "INSERT INTO posts (id, audience_id, kind, type, title, body, scheduled_at, status, sequence, "
    "created_at, updated_at) VALUES (7, 1, 'give', 'tip', 'A tip', '', '2025-01-06 09:00:00', "
    "'scheduled', 0, '2024-01-01', '2024-01-01')",
]


def test_upgrading_keeps_posts_and_fills_the_relationship_policy(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade_with_rows(engine, "0003", OLD_ROWS, "0004")
    with engine.connect() as connection:
        audience = connection.exec_driver_sql(
            "SELECT gives_per_ask, min_days_between_asks, min_days_after_connect, touches_per_ask "
            "FROM audiences"
        ).one()
        post = connection.exec_driver_sql("SELECT id, title, contact_id FROM posts").one()
    assert tuple(audience) == (4, 21, 14, 2)
    assert tuple(post) == (7, "A tip", None)
    command.downgrade(migrations.config(engine), "0003")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM posts").scalar() == 1
