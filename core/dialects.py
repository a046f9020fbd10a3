"""What differs between SQLite and PostgreSQL, stated once: one strategy object per database.

Code asks :func:`of` (a session, connection or engine) for a named capability instead of
testing which database it runs on, so each difference is explained here and nowhere else.
Nothing here imports a database driver or SQLAlchemy's PostgreSQL dialect: an SQLite process
never loads them.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import os
from abc import ABC, abstractmethod
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, FunctionElement, func, insert, text
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select
from sqlalchemy.types import TypeDecorator

S = TypeVar("S", bound=Select[Any])


class FullText(enum.Enum):
    """Which full-text index migration 0005 built (and :mod:`feeds.search_db` queries)."""

    FTS5 = "fts5"  # an external-content FTS5 table kept in step by triggers
    TSVECTOR = "tsvector"  # a generated tsvector column with a GIN index


class Dialect(ABC):
    """The capabilities the code branches on; each subclass is one database."""

    name: str
    # The database is a file this process writes itself, not a server: its work is this
    # process's CPU time, and a killed writer is what could damage it.
    embedded: bool
    # Writer transactions take the whole database's write lock at BEGIN (BEGIN IMMEDIATE, see
    # core/db.py), so they never interleave and need no row locks.
    serial_writers: bool
    # ALTER TABLE cannot change columns or constraints, so a migration rebuilds the table
    # (Alembic's batch mode): copy, drop, rename.
    alters_by_rebuilding: bool
    # A deleted row's id may be handed out again unless the table is declared otherwise.
    reuses_ids: bool
    full_text: FullText

    @abstractmethod
    def for_update(self, stmt: S, *, skip_locked: bool = False, key_share: bool = False) -> S:
        """``stmt`` locking its rows until commit; ``skip_locked`` passes over rows another
        transaction holds instead of waiting for them; ``key_share`` still lets others insert
        rows referring to them (a row locked only to take turns, not to change its key)."""

    @abstractmethod
    def commit_without_flush_wait(self, session: Session) -> None:
        """Let this transaction's commit return before it is flushed to disk (a crash may
        lose the last fraction of a second of commits, each whole or not at all)."""

    @abstractmethod
    def json_array_elements(self, column: Any) -> FunctionElement[Any]:
        """A JSON array column as a table of its elements (as text), in column ``value``."""

    @abstractmethod
    def insert_returning_ids(
        self, session: Session, model: type[Any], rows: list[dict[str, Any]], unique: str
    ) -> list[int]:
        """Insert ``rows`` (one model's, all with the same keys) and return their ids in the
        same order; rows whose ``unique`` column is set differ in it."""

    @abstractmethod
    def insert_rows(self, session: Session, model: type[Any], rows: list[dict[str, Any]]) -> None:
        """Insert ``rows`` (one model's, all with the same keys) as fast as this database can."""

    @abstractmethod
    def read_only(self, dbapi_connection: Any) -> bool:
        """Whether writes on this driver connection would be refused, asked without writing."""

    def __repr__(self) -> str:
        return f"<dialect {self.name}>"


class SQLite(Dialect):
    name = "sqlite"
    embedded = True
    serial_writers = True
    alters_by_rebuilding = True
    reuses_ids = True
    full_text = FullText.FTS5

    def for_update(self, stmt: S, *, skip_locked: bool = False, key_share: bool = False) -> S:
        return stmt  # writers are serial: the write lock taken at BEGIN covers every row

    def commit_without_flush_wait(self, session: Session) -> None:
        pass  # WAL with synchronous=NORMAL (core/db.py) already commits this way

    def json_array_elements(self, column: Any) -> FunctionElement[Any]:
        return func.json_each(column).table_valued("value")

    def insert_returning_ids(
        self, session: Session, model: type[Any], rows: list[dict[str, Any]], unique: str
    ) -> list[int]:
        """Rows with a ``unique`` value go in as one multi-row INSERT and are matched to their
        ids by it. Asking for RETURNING in parameter order instead would make SQLAlchemy insert
        one row per statement on SQLite, which does not promise that order. The rare rows
        without a value take that slower path.
        """
        ids: list[int] = [0] * len(rows)
        keyed = [i for i, row in enumerate(rows) if row[unique]]
        unkeyed = [i for i, row in enumerate(rows) if not row[unique]]
        key, id_ = getattr(model, unique), model.id
        if keyed:
            returning = insert(model).returning(key, id_)
            by_key = {
                value: row_id
                for value, row_id in session.execute(returning, [rows[i] for i in keyed])
            }
            for i in keyed:
                ids[i] = by_key[rows[i][unique]]
        if unkeyed:
            in_order = insert(model).returning(id_, sort_by_parameter_order=True)
            for i, row_id in zip(
                unkeyed, session.scalars(in_order, [rows[i] for i in unkeyed]), strict=True
            ):
                ids[i] = row_id
        return ids

    def insert_rows(self, session: Session, model: type[Any], rows: list[dict[str, Any]]) -> None:
        session.execute(insert(model), rows)

    def read_only(self, dbapi_connection: Any) -> bool:
        # SQLite opens a file it may not write read-only without a word, and BEGIN IMMEDIATE
        # still succeeds; the kernel's answer for the file is what the first write meets (a
        # read-only mount, an immutable file even for root, another owner).
        files = dbapi_connection.execute("PRAGMA database_list").fetchall()
        path = next(file for _seq, name, file in files if name == "main")
        return bool(path) and not os.access(path, os.W_OK)


class PostgreSQL(Dialect):
    name = "postgresql"
    embedded = False
    serial_writers = False
    alters_by_rebuilding = False
    reuses_ids = False
    full_text = FullText.TSVECTOR

    def for_update(self, stmt: S, *, skip_locked: bool = False, key_share: bool = False) -> S:
        return stmt.with_for_update(skip_locked=skip_locked, key_share=key_share)

    def commit_without_flush_wait(self, session: Session) -> None:
        session.execute(text("SET LOCAL synchronous_commit = off"))

    def json_array_elements(self, column: Any) -> FunctionElement[Any]:
        return func.json_array_elements_text(column).table_valued("value")

    def insert_returning_ids(
        self, session: Session, model: type[Any], rows: list[dict[str, Any]], unique: str
    ) -> list[int]:
        return _insert_from_json(session, model, rows)

    def insert_rows(self, session: Session, model: type[Any], rows: list[dict[str, Any]]) -> None:
        _insert_from_json(session, model, rows, returning=False)

    def read_only(self, dbapi_connection: Any) -> bool:
        # A standby, or default_transaction_read_only set for the database or role, as the
        # server reported them when the session started (PostgreSQL 14 and later; no round trip).
        status = dbapi_connection.info.parameter_status
        return "on" in (status("in_hot_standby"), status("default_transaction_read_only"))


def _insert_from_json(
    session: Session, model: type[Any], rows: list[dict[str, Any]], returning: bool = True
) -> list[int]:
    """PostgreSQL: all rows as one JSON parameter of one short statement; their ids, in order
    (none unless ``returning``: not every table has an id).

    As a multi-row VALUES list, a feed's articles made a statement of thousands of placeholders
    that psycopg rewrote in Python on every execution and the server parsed and planned anew:
    more time than inserting the rows. As an executemany, rows cost a result to read back each.
    Ids come back sorted, which is input order: the rows are inserted in ``ORDER BY
    ordinality`` and take ascending values of the id sequence (SQLAlchemy's own
    "insertmanyvalues" relies on the same).
    """
    if not rows:
        return []
    table = model.__table__
    columns = ", ".join(rows[0])
    statement = text(
        f"INSERT INTO {table.name} ({columns}) SELECT {columns} "
        f"FROM json_populate_recordset(NULL::{table.name}, :rows) WITH ORDINALITY "
        f"ORDER BY ordinality{' RETURNING id' * returning}"
    )
    payload = json.dumps(_as_bound(session, table, rows), default=_json_value, ensure_ascii=False)
    if not returning:
        session.execute(statement, {"rows": payload})
        return []
    return sorted(session.scalars(statement, {"rows": payload}))


def _as_bound(session: Session, table: Any, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows with the values their columns' own types store (UTCDateTime's naive UTC, say),
    which the JSON payload bypasses otherwise."""
    dialect = session.get_bind().dialect
    decorated = {
        name: table.c[name].type.process_bind_param
        for name in rows[0]
        if isinstance(table.c[name].type, TypeDecorator)
    }
    if not decorated:
        return rows
    return [
        {**row, **{name: bind(row[name], dialect) for name, bind in decorated.items()}}
        for row in rows
    ]


def _json_value(value: object) -> str:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, bytes):  # bytea's hex input format
        return "\\x" + value.hex()
    raise TypeError(f"{type(value).__name__} is not a column value this insert expects")


SQLITE = SQLite()
POSTGRESQL = PostgreSQL()
_BY_NAME: dict[str, Dialect] = {d.name: d for d in (SQLITE, POSTGRESQL)}


def of(bind: Session | Connection | Engine) -> Dialect:
    """The strategy of the database behind ``bind``."""
    engine = bind.get_bind() if isinstance(bind, Session) else bind
    return _BY_NAME[engine.dialect.name]


def commit_without_flush_wait(session: Session) -> None:
    """Commit, without waiting for PostgreSQL to flush the WAL to disk, work that a crash may
    lose and the next run redoes (a lost feed claim makes the feed due again, a lost refresh
    finds the same entries; so for webhook claims and outcomes): waiting cost more per feed
    than storing its entries. SQLite (WAL, ``synchronous=NORMAL``) commits so anyway."""
    of(session).commit_without_flush_wait(session)
    session.commit()
