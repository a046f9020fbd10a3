"""Alembic, driven from code so that ``planner db upgrade`` and the tests share one path."""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, Engine

from core import dialects

SCRIPT_LOCATION = str(Path(__file__).parent / "alembic")
# Schema that migration 0005 creates but no model declares, being one database's full-text
# index: SQLite's FTS5 table of articles with its shadow tables, PostgreSQL's generated
# tsvector column. Autogenerate must neither drop nor report them.
UNMANAGED_TABLE = re.compile(r"articles_fts(_[a-z]+)?")
UNMANAGED_COLUMNS = {("articles", "search_vector")}
UNMANAGED_INDEXES = {"ix_articles_search"}


def include_name(name: str | None, type_: str, parent_names: Mapping[str, Any]) -> bool:
    """Alembic ``include_name`` hook: leave the unmanaged schema out of comparisons."""
    if name is None:
        return True
    if type_ == "table":
        return not UNMANAGED_TABLE.fullmatch(name)
    if type_ == "column":
        return (parent_names.get("table_name"), name) not in UNMANAGED_COLUMNS
    return not (type_ == "index" and name in UNMANAGED_INDEXES)


def config(engine: Engine | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", SCRIPT_LOCATION)
    if engine is not None:
        cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    command.upgrade(config(engine), revision)


def current(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


@functools.cache
def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(config())


class SchemaProblem(NamedTuple):
    """Why the database's schema is not this version's, said twice from the same words:
    ``public`` names no revision, for answers anyone may read (/healthz: which version runs is
    not theirs to know); ``detail`` adds the revisions, for the operator and the log."""

    public: str
    detail: str


def schema_problem(connection: Connection) -> SchemaProblem | None:
    """Why the database's schema is not the one this code was written for, or None when it is:
    every query would fail on a missing table or column, so serving it is pointless."""
    found = MigrationContext.configure(connection).get_current_revision()
    needed = _scripts().get_current_head()
    if found == needed:
        return None
    if found is None:
        said = "The database has no schema yet: run 'planner db upgrade'."
        return SchemaProblem(said, said)
    try:
        _scripts().get_revision(found)
    except CommandError:
        said = (
            "The database's schema is at a revision this version does not know (a newer "
            "version upgraded it): serve it with that version."
        )
    else:
        said = "The database's schema is behind this version's: run 'planner db upgrade'."
    return SchemaProblem(said, f"{said} It is at {found}; this version needs {needed}.")


@contextlib.contextmanager
def sqlite_foreign_keys_off(connection: Connection) -> Iterator[None]:
    """Migrate SQLite with foreign keys off, as its docs prescribe for rebuilding tables.

    Dropping the old copy of a rebuilt table would otherwise cascade to the rows that refer to
    it, or set their links to NULL. The pragma is a no-op inside a transaction, so it is set on
    the driver connection before one begins, and set back before the pool gets it again.
    """
    if not dialects.of(connection).alters_by_rebuilding:
        yield
        return
    dbapi_connection = connection.connection.dbapi_connection
    dbapi_connection.execute("PRAGMA foreign_keys = OFF")
    try:
        yield
    finally:
        dbapi_connection.execute("PRAGMA foreign_keys = ON")


def check_foreign_keys(connection: Connection) -> None:
    """Fail the migration, before it commits, if it left a link to a row that is not there."""
    if not dialects.of(connection).alters_by_rebuilding:
        return
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        raise RuntimeError(f"migration left broken foreign keys: {broken[:5]}")
