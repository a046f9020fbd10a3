"""What a ``planner`` command runs against: the settings and the database, built on first use.

Most commands need only a database session, so they never build the Flask app (Flask, every
blueprint and the OpenAPI machinery cost most of a second to import). The few that need the
app (the development server, ``planner dev``) ask for it and get the same settings.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import threading
from collections.abc import Callable
from functools import cached_property, wraps
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from app import settings
from core.db import (
    MAX_ROW_ID,
    SQLITE_BUSY_TIMEOUT_MS,
    driver_message,
    is_sqlite,
    is_unavailable,
    make_engine,
    make_sessionmakers,
    row_id,
    sqlite_file,
)
from core.errors import DomainError
from feeds import semantic

if TYPE_CHECKING:
    from flask import Flask

    from feeds.fetch_policy import FetchPolicy

T = TypeVar("T")


class Database:
    """The engine and its session factories. The webhook outbox watches the writer from its first
    use on: every write path's session comes from there, so none can change a post or a contact
    without its event, and a read-only command never imports the outbox (app/webhook_outbox.py)."""

    def __init__(self, engine: Engine, public_url: str) -> None:
        self.engine = engine
        self.reader, self._writer = make_sessionmakers(engine)
        self._public_url = public_url
        self._watch_once = threading.Lock()
        self._watched = False

    @property
    def writer(self) -> sessionmaker[Session]:
        if not self._watched:
            with self._watch_once:  # threads of one worker may ask first together
                if not self._watched:
                    from app import webhook_outbox

                    webhook_outbox.watch(self._writer, self._public_url)
                    self._watched = True
        return self._writer


def open_database(config: dict[str, Any]) -> Database:
    url = config["DATABASE_URL"]
    if is_sqlite(url):
        options = {
            "sqlite_busy_timeout_ms": config.get("SQLITE_BUSY_TIMEOUT_MS", SQLITE_BUSY_TIMEOUT_MS)
        }
    else:
        options = {**pool_options(config), "answer_timeout_s": config.get("DB_ANSWER_TIMEOUT")}
    # Webhook payloads' links start at the service's public address.
    return Database(make_engine(url, **options), config.get("PUBLIC_URL") or settings.public_url())


def pool_options(config: dict) -> dict[str, int]:
    """PLANNER_DB_POOL_SIZE / PLANNER_DB_MAX_OVERFLOW for server databases, per process.

    SQLite has no server connections to budget, so it keeps SQLAlchemy's own pool.
    """
    names = {"pool_size": "DB_POOL_SIZE", "max_overflow": "DB_MAX_OVERFLOW"}
    return {option: config[key] for option, key in names.items() if config.get(key) is not None}


def fetch_policy(config: dict[str, Any]) -> FetchPolicy:
    """``PLANNER_FEEDS_*`` from the settings, with the config key ``FEEDS_ALLOW_PRIVATE``
    overriding the switch (tests reach a server on 127.0.0.1 with it)."""
    fetching = config["FEED_FETCHING"]
    if "FEEDS_ALLOW_PRIVATE" in config:
        fetching = dataclasses.replace(fetching, allow_private=bool(config["FEEDS_ALLOW_PRIVATE"]))
    return fetching.policy()


class Runtime:
    """The object every ``planner`` command receives; ``Runtime(app)`` reuses a built app."""

    def __init__(self, app: Flask | None = None) -> None:
        self._app = app
        # Set by ``planner db upgrade``, which makes the schema: a missing SQLite file or an
        # old schema is then what it is there to fix, not a mistake to refuse.
        self.migrating = False

    @cached_property
    def instance_path(self) -> str:
        return self._app.instance_path if self._app else settings.instance_path()

    @cached_property
    def config(self) -> dict[str, Any]:
        if self._app is not None:
            return self._app.config
        config = settings.load(self.instance_path, {})
        semantic.configure(config["SEMANTIC_RANKING"])  # as create_app does, for commands
        return config

    @cached_property
    def database(self) -> Database:
        if self._app is not None:
            return self._app.extensions["planner_db"]
        if not self.migrating:
            require_database_file(self.config["DATABASE_URL"])
            return open_database(self.config)
        # A migration's statement may rightly run longer than a request's answer may take.
        return open_database({**self.config, "DB_ANSWER_TIMEOUT": None})

    def schema_problem(self) -> str | None:
        """Why the database's schema is not this version's, asked once a command has failed on
        it (asking first would cost every command Alembic's import); None when it is, or when
        that cannot be told: the command's own error then stands."""
        if self.migrating:
            return None
        from core import migrations

        try:
            with self.database.engine.connect() as connection:
                problem = migrations.schema_problem(connection)
        except SQLAlchemyError:
            return None
        return problem.detail if problem else None

    @cached_property
    def fetch_policy(self) -> FetchPolicy:
        return fetch_policy(self.config)

    def flask_app(self) -> Flask:
        if self._app is None:
            # Imported here: most commands never build the app, and Flask with every
            # blueprint is most of a command's start-up.
            from app import create_app

            self._app = create_app()
        return self._app


def pass_runtime(command: Callable[..., T]) -> Callable[..., T]:
    """Hand ``command`` the Runtime, made once on the ``planner`` group's context (a test passes
    its own there as ``obj``), where the group finds it again to explain a failure."""

    @wraps(command)
    def with_runtime(*args: Any, **kwargs: Any) -> T:
        context = click.get_current_context()
        root = context.find_root()
        if root.obj is None:
            root.obj = Runtime()
        return context.invoke(command, root.obj, *args, **kwargs)

    return with_runtime


workspace_option = click.option(
    "--workspace", help="Workspace name; needed when there are several."
)


class RowIdType(click.ParamType):
    """An id as the URLs take one (``app.ids``), or with ``or_name`` a name where it is not all
    digits: an id past the columns is bad usage (exit 2), not a driver overflow's traceback."""

    def __init__(self, or_name: bool = False) -> None:
        self.or_name = or_name
        self.name = "id_or_name" if or_name else "id"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None):
        text = str(value).strip()
        if (found := row_id(text)) is not None:
            return found
        if self.or_name and not (text.isascii() and text.isdigit()):
            return text
        self.fail(f"{value!r} is not an id (a whole number from 1 to {MAX_ROW_ID}).", param, ctx)


ROW_ID = RowIdType()
ROW_ID_OR_NAME = RowIdType(or_name=True)


def require_current_schema(database_url: str) -> None:
    """Stop a command about to serve ``database_url`` when there is no database there, or its
    schema is not this version's: it would start, pass /healthz and fail every request.

    A database that cannot be reached only gets a warning: the service answers 503 until it
    comes back, as it would had it gone away later.
    """
    from core import migrations  # Alembic loads every dialect: only commands that serve pay

    require_database_file(database_url)
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            problem = migrations.schema_problem(connection)
    except SQLAlchemyError as error:
        if not is_unavailable(error):
            raise
        reason = driver_message(error)
        click.echo(f"Warning: the database's schema was not checked: {reason}", err=True)
        return
    finally:
        engine.dispose()  # before gunicorn forks: no worker may share a connection
    if problem is not None:
        fail(problem.detail)


def require_database_file(database_url: str) -> None:
    """Stop a command when DATABASE_URL names a SQLite file that is not there: connecting would
    create it empty, and the command fail on its first query."""
    path = sqlite_file(database_url)
    if path is not None and not os.path.exists(path):
        fail(
            f"There is no database at {path}: check DATABASE_URL, or create it with "
            "'planner db upgrade'."
        )


def fail(error: DomainError | str) -> NoReturn:
    """Bad input: one line on standard error and exit status 2, as click does for bad usage."""
    click.echo(f"Error: {error.detail if isinstance(error, DomainError) else error}", err=True)
    sys.exit(2)
