"""Shared fixtures: every database-backed test runs on SQLite and, when reachable, PostgreSQL."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError
from werkzeug.serving import make_server

import core.accounts
import feeds.models
import schedules.models
from app import create_app
from core import accounts, migrations
from core.db import Base, make_engine, make_sessionmakers

assert core.accounts and feeds.models and schedules.models  # their tables belong to Base.metadata

pytest_plugins = ["tests.calendar_readers"]

PG_URL = os.environ.get("PLANNER_TEST_DATABASE_URL", "")
PG_HINT = "set PLANNER_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test"


def _reset_postgres(engine: Engine) -> None:
    with engine.begin() as connection:
        Base.metadata.drop_all(connection)
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    migrations.upgrade(engine)


@pytest.fixture(scope="session")
def pg_engine() -> Iterator[Engine]:
    if not PG_URL:
        pytest.skip(f"PostgreSQL tests skipped: {PG_HINT}")
    engine = make_engine(PG_URL)
    try:
        with engine.connect():
            pass
    except OperationalError as exc:
        pytest.skip(f"PostgreSQL tests skipped: {PG_URL} unreachable ({exc.orig})")
    _reset_postgres(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Migrate once; each test copies the file, which is far faster than migrating again."""
    path = tmp_path_factory.mktemp("template") / "planner.db"
    engine = make_engine(f"sqlite:///{path}")
    migrations.upgrade(engine)
    engine.dispose()
    return str(path)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path, sqlite_template: str) -> str:
    if request.param == "sqlite":
        path = tmp_path / "planner.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    engine: Engine = request.getfixturevalue("pg_engine")
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    return PG_URL


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def writer(engine: Engine):
    return make_sessionmakers(engine)[1]


@pytest.fixture
def app(request: pytest.FixtureRequest, database_url: str, tmp_path):
    """The app; ``@pytest.mark.app_config(KEY=value)`` on a test or module adds config."""
    marker = request.node.get_closest_marker("app_config")
    extra = marker.kwargs if marker else {}
    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "SECRET_KEY": "test", **extra})
    app.instance_path = str(tmp_path / "instance")
    yield app
    app.extensions["planner_db"].engine.dispose()


@dataclass
class Caller:
    """A test client that sends one user's bearer token with every request."""

    client: Any
    token: str
    workspace_id: int

    def _headers(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        headers = kwargs.pop("headers", {})
        return {"Authorization": f"Bearer {self.token}", **headers}

    def get(self, url: str, **kwargs: Any):
        return self.client.get(url, headers=self._headers(kwargs), **kwargs)

    def post(self, url: str, **kwargs: Any):
        return self.client.post(url, headers=self._headers(kwargs), **kwargs)

    def patch(self, url: str, **kwargs: Any):
        return self.client.patch(url, headers=self._headers(kwargs), **kwargs)

    def delete(self, url: str, **kwargs: Any):
        return self.client.delete(url, headers=self._headers(kwargs), **kwargs)


def make_caller(app, workspace: str, email: str, role: str = "rep") -> Caller:
    writer = app.extensions["planner_db"].writer
    with writer() as session:
        user, token = accounts.create_user(session, workspace, email, role)
        session.commit()
        return Caller(app.test_client(), token, user.workspace_id)


@pytest.fixture
def rep(app) -> Caller:
    return make_caller(app, "Acme Sales", "rep@acme.example")


@pytest.fixture
def outsider(app) -> Caller:
    return make_caller(app, "Globex Sales", "rep@globex.example")


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """The app on a real threaded HTTP server on 127.0.0.1, for races and browsers."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()
