"""Unit-test fixtures: a writer session with one workspace on each test database (the shared
``engine``: a migrated SQLite file and, when configured, PostgreSQL), and for the migration
tests an empty database to migrate step by step with old rows."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, text
from sqlalchemy.orm import Session

from core import migrations
from core.db import make_engine, make_sessionmakers
from core.models import User, Workspace
from tests.conftest import PG_URL

SCHEMA = "migration_tests"


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with make_sessionmakers(engine)[1]() as session:
        yield session


@pytest.fixture
def workspace_id(session: Session) -> int:
    workspace = Workspace(name="Acme", timezone="UTC")
    session.add(workspace)
    session.commit()
    return workspace.id


@pytest.fixture
def owner_id(session: Session, workspace_id: int) -> int:
    """A rep of the workspace, whose posts the rule judges."""
    user = User(workspace_id=workspace_id, email="rep@acme.example", role="admin")
    session.add(user)
    session.commit()
    return user.id


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_engine(request: pytest.FixtureRequest, tmp_path) -> Iterator[Engine]:
    """A database with no tables: a file on SQLite, a schema of its own on PostgreSQL, so the
    shared test database keeps its head-revision tables for the other tests."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
        yield engine
        engine.dispose()
        return
    admin = request.getfixturevalue("pg_engine")  # skips, saying why, without PostgreSQL
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    engine = make_engine(PG_URL, connect_args={"options": f"-csearch_path={SCHEMA}"})
    yield engine
    engine.dispose()
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA {SCHEMA} CASCADE"))


def upgrade_with_rows(engine: Engine, old: str, rows: list[str], new: str = "head") -> None:
    """Migrate to revision ``old``, store ``rows`` (SQL) as that revision knew them, then migrate
    on to ``new``."""
    migrations.upgrade(engine, old)
    with engine.begin() as connection:
        for statement in rows:
            connection.exec_driver_sql(statement)
    migrations.upgrade(engine, new)


def tables_after_downgrade(engine: Engine, revision: str) -> set[str]:
    """Migrate ``engine`` back down to ``revision``; the tables it then has."""
    command.downgrade(migrations.config(engine), revision)
    return set(inspect(engine).get_table_names())
