"""0010 gives existing users a session generation and leaves them active, on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import pytest
from alembic import command
from sqlalchemy import Engine, text

from core import migrations
from core.db import make_engine
from tests.conftest import PG_URL

OLD_ROWS = [
    "INSERT INTO workspaces (id, name, timezone, created_at, connect_enabled, connect_weekday, "
    "connect_time, connect_minutes, updated_at) VALUES (1, 'Old Co', 'UTC', '2024-01-01', "
    "true, 1, '08:00', 60, '2024-01-01')",
    "INSERT INTO users (id, workspace_id, email, role, password_hash, created_at) "
    "VALUES (3, 1, 'pat@old.example', 'rep', 'argon-hash', '2024-01-01')",
    "INSERT INTO api_tokens (id, user_id, token_hash, created_at) "
    "VALUES (1, 3, 'digest', '2024-01-01')",
]
SCHEMA = "migration_sessions"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_engine(request, tmp_path) -> Iterator[Engine]:
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
        yield engine
        engine.dispose()
        return
    request.getfixturevalue("pg_engine")  # skips, saying why, without PostgreSQL
    # A schema of its own, so the shared test database keeps its head-revision tables.
    with make_engine(PG_URL).begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    sep = "&" if "?" in PG_URL else "?"
    engine = make_engine(f"{PG_URL}{sep}options={quote(f'-csearch_path={SCHEMA}')}")
    yield engine
    engine.dispose()
    with make_engine(PG_URL).begin() as connection:
        connection.execute(text(f"DROP SCHEMA {SCHEMA} CASCADE"))


def test_upgrading_keeps_users_and_tokens_at_generation_zero_and_active(empty_engine):
    migrations.upgrade(empty_engine, "0005")
    with empty_engine.begin() as connection:
        for statement in OLD_ROWS:
            connection.execute(text(statement))
    migrations.upgrade(empty_engine, "0010")
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
