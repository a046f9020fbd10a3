"""Shared fixtures: every database-backed test runs on SQLite and, when reachable, PostgreSQL."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from pytest_flask.live_server import LiveServer
from pytest_httpserver import HTTPServer
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

import core.models
import feeds.models
import schedules.models
import schedules.webhooks.models
from app import create_app
from core import accounts_db, migrations
from core.db import Base, make_engine, make_sessionmakers
from feeds import semantic

# Shared helpers assert too: rewritten like test modules, a failing one shows its values.
pytest.register_assert_rewrite(
    "tests.helpers", "tests.api.helpers", "tests.web.helpers", "tests.cli.helpers",
    "tests.serving.helpers", "tests.hardening.helpers", "tests.unit.migration_helpers",
)  # fmt: skip

# their tables belong to Base.metadata
assert core.models and feeds.models and schedules.models and schedules.webhooks.models

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
    """The app; pytest-flask's ``@pytest.mark.options(KEY=value)`` on a test or module adds config.

    The options go to the factory, which reads its settings once, the test's marker over the
    module's.
    """
    options: dict[str, Any] = {}
    for marker in reversed(list(request.node.iter_markers("options"))):
        options.update({key.upper(): value for key, value in marker.kwargs.items()})
    config = {"DATABASE_URL": database_url, "TESTING": True, "SECRET_KEY": "test", **options}
    app = create_app(config)
    app.instance_path = str(tmp_path / "instance")
    yield app
    app.extensions["planner_db"].engine.dispose()


@pytest.fixture(autouse=True)
def _semantic_on() -> Iterator[None]:
    """The meaning factor is process-wide: a test that switched it off (or built an app with
    PLANNER_SEMANTIC=off) leaves it on for the next."""
    yield
    semantic.configure(True)


@pytest.fixture
def lexical_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ranking by words alone (PLANNER_SEMANTIC=0: feeds.semantic's vectors are not weighed),
    for tests of the lexical rules, which must hold on their own. The variable keeps it off
    in apps built after this fixture (create_app configures it)."""
    monkeypatch.setenv("PLANNER_SEMANTIC", "0")
    semantic.configure(False)


@pytest.fixture(autouse=True)
def _configure_application() -> None:
    """Replaces pytest-flask's: setting config after the factory reaches nothing read at start-up,
    and it would apply a module's marker over the test's (the ``app`` fixture applies them)."""


@pytest.fixture(autouse=True)
def _push_request_context() -> None:
    """Replaces pytest-flask's: one request context held for the whole test makes every request
    share its ``g``, and so one principal and one database session, unlike production."""


class UserClient(FlaskClient):
    """A Flask test client that sends one user's bearer token with every request."""

    def __init__(self, *args: Any, token: str, workspace_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.token = token
        self.workspace_id = workspace_id
        self.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"


def make_caller(app, workspace: str, email: str, role: str = "rep") -> UserClient:
    writer = app.extensions["planner_db"].writer
    with writer() as session:
        user, token = accounts_db.create_user(session, workspace, email, role)
        session.commit()
        return UserClient(app, app.response_class, token=token, workspace_id=user.workspace_id)


@pytest.fixture
def rep(app) -> UserClient:
    """The workspace's first user, and so its admin, who also sells: their own posts and
    contacts, on audiences they set up."""
    return make_caller(app, "Acme Sales", "rep@acme.example")


@pytest.fixture
def colleague(app, rep) -> UserClient:
    """A rep of the same team, who may read its audiences but not change them."""
    return make_caller(app, "Acme Sales", "sam@acme.example")


@pytest.fixture
def outsider(app) -> UserClient:
    return make_caller(app, "Globex Sales", "rep@globex.example")


@pytest.fixture
def live_server(app, live_server: LiveServer) -> LiveServer:
    """pytest-flask's server process (``--no-start-live-server`` in addopts), started here.

    The pool is emptied first so the forked server never shares a connection with this process;
    SERVER_NAME is the address clients use, so absolute URLs (calendar feeds) name it.
    """
    app.extensions["planner_db"].engine.dispose()
    app.config["SERVER_NAME"] = f"{live_server.host}:{live_server.port}"
    live_server.start()
    return live_server


@pytest.fixture
def threaded_server() -> Iterator[HTTPServer]:
    """A receiver that answers requests side by side: a stalled answer must not hold up the
    others, and racing requests must overlap; pytest-httpserver's default answers one at a time."""
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()
