"""0010 gives existing users a session generation and leaves them active, on both databases."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text

from core import migrations
from tests.unit.conftest import upgrade_with_rows

OLD_ROWS = [
    "INSERT INTO workspaces (id, name, timezone, created_at, connect_enabled, connect_weekday, "
    "connect_time, connect_minutes, updated_at) VALUES (1, 'Old Co', 'UTC', '2024-01-01', "
    "true, 1, '08:00', 60, '2024-01-01')",
    "INSERT INTO users (id, workspace_id, email, role, password_hash, created_at) "
    "VALUES (3, 1, 'pat@old.example', 'rep', 'argon-hash', '2024-01-01')",
    "INSERT INTO api_tokens (id, user_id, token_hash, created_at) "
    "VALUES (1, 3, 'digest', '2024-01-01')",
]


def test_upgrading_keeps_users_and_tokens_at_generation_zero_and_active(empty_engine):
    upgrade_with_rows(empty_engine, "0005", OLD_ROWS, "0010")
    with empty_engine.connect() as connection:
        user = connection.execute(
            text("SELECT email, password_hash, session_generation, deactivated_at FROM users")
        ).one()
        tokens = connection.execute(text("SELECT count(*) FROM api_tokens")).scalar()
    assert tuple(user) == ("pat@old.example", "argon-hash", 0, None)
    assert tokens == 1
    command.downgrade(migrations.config(empty_engine), "0005")
    with empty_engine.connect() as connection:
        assert connection.execute(text("SELECT email FROM users")).scalar() == "pat@old.example"
        assert connection.execute(text("SELECT count(*) FROM api_tokens")).scalar() == 1
