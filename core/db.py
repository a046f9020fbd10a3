"""One SQLAlchemy metadata and engine set-up for SQLite and PostgreSQL.

SQLite is the embedded default, so it is tuned here to behave like a server database for this
app: WAL (readers never block the writer), a busy timeout, foreign keys on, and write
transactions that take the write lock at BEGIN (``BEGIN IMMEDIATE``) so a rule check and the
write it guards can never interleave with another writer, nor fail late with SQLITE_BUSY.

Durability: ``synchronous = NORMAL`` under WAL syncs at checkpoints, not at every commit. A
crashed or killed process loses nothing it committed (the WAL is in the OS's page cache); only
a power cut or kernel crash can lose the last commits, never corrupt the file. One fsync per
plan edit would cost far more than that risk is worth for a planning calendar.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import functools
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Engine,
    MetaData,
    create_engine,
    event,
    make_url,
    select,
)
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from core import dialects
from core.errors import NotFound

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SQLITE_BUSY_TIMEOUT_MS = 15_000
WRITE_OPTION = "planner_write"
# Bound on bound parameters per IN (...) list; SQLite's default limit is 32,766.
IN_CHUNK = 500
# Every id column is INTEGER (a ``Mapped[int]`` key; ``sa.Integer`` in the migrations), 32 bits
# on PostgreSQL: a larger id overflows the driver (a 500) where it should find nothing.
MAX_ROW_ID = 2**31 - 1


def row_id(text: str) -> int | None:
    """``text`` as an id a row could have, else None: ASCII digits only, as str.isdigit() and
    int() also take other digits (U+0661 is 1; "²" passes isdigit() only), no client's id."""
    if not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if 1 <= value <= MAX_ROW_ID else None


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in, aware UTC datetimes out, on both databases.

    SQLite has no time zones, so values are stored as naive UTC and re-tagged on the way out;
    refusing naive input catches local-time bugs where they are made, not in a calendar later.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return naive_utc(value)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC)


def naive_utc(value: dt.datetime) -> dt.datetime:
    """How a :class:`UTCDateTime` column stores an instant: naive, in UTC."""
    if value.tzinfo is None:
        raise ValueError("naive datetime given where an aware one is required")
    return value.astimezone(dt.UTC).replace(tzinfo=None)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


# libpq's limits on a PostgreSQL that accepts and then goes silent (hung, or cut off by a
# firewall or a partition): a connection not made within connect_timeout seconds fails, so a
# request answers 503 instead of waiting out the outage, and keepalives with tcp_user_timeout
# (ms) end a connection whose peer stopped acknowledging, instead of the kernel's 15 minutes.
PG_CONNECTION_LIMITS = {
    "connect_timeout": 5,
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
    "tcp_user_timeout": 15_000,
}


@functools.cache
def _answering_connection() -> type:
    """psycopg's Connection with a deadline on every wait for the server (``answer_timeout``
    seconds, None: none): libpq has no read timeout, so a live connection whose server stops
    answering (hung, or a proxy holding the bytes) would hold its request until the worker is
    restarted. Past the deadline the connection is closed, so SQLAlchemy discards it as
    disconnected and the request answers 503. Imported here: SQLite alone never loads psycopg."""
    import psycopg
    from psycopg import errors

    class AnsweringConnection(psycopg.Connection):
        answer_timeout: float | None = None

        def wait(self, gen: Any, *args: Any, **kwargs: Any) -> Any:
            if self.answer_timeout is None or args[1:] or kwargs.get("timeout") is not None:
                return super().wait(gen, *args, **kwargs)  # a wait with a deadline of its own
            try:
                return super().wait(gen, *args, **{**kwargs, "timeout": self.answer_timeout})
            except errors._WaitTimeout:  # psycopg asks callers of wait to convert it
                self.pgconn.finish()
                raise psycopg.OperationalError(
                    f"the database did not answer within {self.answer_timeout:g} s; "
                    "connection closed"
                ) from None

    return AnsweringConnection


def make_engine(
    url: str,
    *,
    sqlite_busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS,
    answer_timeout_s: float | None = None,
    **kwargs: Any,
) -> Engine:
    """An engine for ``url``; on SQLite, a writer waits ``sqlite_busy_timeout_ms`` for its turn
    and for the lock before giving up (and the request answering 503), long enough to ride out a
    burst; on PostgreSQL, a statement, commit or rollback unanswered for ``answer_timeout_s``
    seconds (None: no limit) fails as a lost connection."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    if not is_sqlite(url):
        kwargs.setdefault("pool_pre_ping", True)
        given = make_url(url).query
        connect_args = kwargs.setdefault("connect_args", {})
        for name, value in PG_CONNECTION_LIMITS.items():
            if name not in given:  # the URL's own (?connect_timeout=30) wins
                connect_args.setdefault(name, value)
        engine = create_engine(url, **kwargs)
        if answer_timeout_s:
            answering = _answering_connection()

            @event.listens_for(engine, "do_connect")
            def _connect(dialect: Any, record: Any, cargs: Any, cparams: Any) -> Any:
                connection = answering.connect(*cargs, **cparams)
                connection.answer_timeout = answer_timeout_s
                return connection

        _used_once_when_read_only(engine)
        return engine
    connect_args = kwargs.setdefault("connect_args", {})
    connect_args.setdefault("check_same_thread", False)
    path = sqlite_file(url)
    if path is not None:
        connect_args.setdefault("factory", WriterQueueConnection)
    engine = create_engine(url, **kwargs)
    wait_s = sqlite_busy_timeout_ms / 1000

    @event.listens_for(engine, "connect")
    def _sqlite_on_connect(dbapi_conn: Any, record: Any) -> None:
        # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's own BEGIN is deferred).
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(sqlite_busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if path is not None:
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
            if isinstance(dbapi_conn, WriterQueueConnection):  # a factory of its own opts out
                dbapi_conn.queue_path = path + WRITER_QUEUE_SUFFIX
        cursor.close()

    _used_once_when_read_only(engine)

    @event.listens_for(engine, "begin")
    def _sqlite_begin(conn: Any) -> None:
        if not conn.get_execution_options().get(WRITE_OPTION, False):
            conn.exec_driver_sql("BEGIN")
            return
        dbapi_conn = conn.connection.dbapi_connection
        queued = isinstance(dbapi_conn, WriterQueueConnection)
        if queued and not dbapi_conn.take_turn(wait_s):
            # What SQLite says when its own wait runs out, so callers answer 503 alike.
            busy = sqlite3.OperationalError("database is locked (waiting for other writers)")
            busy.sqlite_errorcode = sqlite3.SQLITE_BUSY  # type: ignore[attr-defined]
            raise sa_exc.OperationalError("BEGIN IMMEDIATE", None, busy)
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            if queued:
                dbapi_conn.end_turn()
            raise

    return engine


def _used_once_when_read_only(engine: Engine) -> None:
    """Close, rather than pool, a connection opened while the database refused writes.

    Such a connection stays read-only however the database changes (SQLite opened the file
    read-only; a PostgreSQL session keeps the default it started with), so pooled, it would go
    on refusing writes after the operator's fix. Only while the fault lasts does each request
    pay for a new connection.
    """
    dialect = dialects.of(engine)

    @event.listens_for(engine, "connect")
    def _note(dbapi_conn: Any, record: Any) -> None:
        record.info[OPENED_READ_ONLY] = dialect.read_only(dbapi_conn)

    @event.listens_for(engine, "checkin")
    def _drop(dbapi_conn: Any, record: Any) -> None:
        if dbapi_conn is not None and record.info.get(OPENED_READ_ONLY):
            record.invalidate()


def sqlite_file(url: str) -> str | None:
    """The SQLite database file's path; None for an in-memory or URI-addressed one, or for a
    server database."""
    if not is_sqlite(url):
        return None
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return database


WRITER_QUEUE_SUFFIX = "-writers"
OPENED_READ_ONLY = "planner_opened_read_only"


class WriterQueueConnection(sqlite3.Connection):
    """A pysqlite connection whose write transactions queue on an OS lock before BEGIN IMMEDIATE.

    SQLite itself never wakes a writer waiting for the lock: its busy handler polls, sleeping up
    to 100 ms between tries, so under a steady stream of writes from several processes an
    unlucky one waits a multiple of that while others come and go. ``flock`` on a file beside
    the database is a queue the kernel wakes promptly, and the kernel drops it when its holder
    exits, however it ends (SIGKILL included), so a crash cannot wedge the next writer.

    The lock only orders writers; exclusion is still SQLite's lock, taken right after. So ending
    the turn early (a failed COMMIT) is harmless, and writers that do not queue here (migrations,
    a restore, another program) are still waited for within the busy timeout.
    """

    queue_path: str | None = None
    _turn: Any = None

    def take_turn(self, wait_s: float) -> bool:
        """Wait up to ``wait_s`` for this connection's turn to write; False when it did not come.

        ``flock`` cannot time out, so a contended wait runs in a helper thread on a duplicate of
        the descriptor: should the wait be given up, closing ours leaves the helper's copy to
        release the lock as soon as the kernel grants it.
        """
        assert self.queue_path is not None
        # Opened per turn, close-on-exec: nothing forked or executed meanwhile can inherit it,
        # and if the connection is dropped without closing, the garbage collector unlocks it.
        turn = open(self.queue_path, "ab")  # noqa: SIM115
        try:
            fcntl.flock(turn, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            granted = threading.Event()
            waiter = os.dup(turn.fileno())

            def wait() -> None:
                try:
                    fcntl.flock(waiter, fcntl.LOCK_EX)
                    granted.set()
                finally:
                    os.close(waiter)

            threading.Thread(target=wait, name="sqlite-writer-queue", daemon=True).start()
            if not granted.wait(wait_s):
                turn.close()
                return False
        self._turn = turn
        return True

    def end_turn(self) -> None:
        turn, self._turn = self._turn, None
        if turn is not None:
            turn.close()  # closing the last descriptor releases the lock

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.end_turn()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.end_turn()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.end_turn()


# SQLite primary result codes that mean "not now" rather than "wrong": another process holds the
# lock past the busy timeout, the file cannot be opened, read or written at the moment (a
# read-only mount or file, a full disk): an operator's to fix, not a bug of the request's.
_SQLITE_TRANSIENT = {
    5: "SQLITE_BUSY",
    6: "SQLITE_LOCKED",
    8: "SQLITE_READONLY",
    10: "SQLITE_IOERR",
    13: "SQLITE_FULL",
    14: "SQLITE_CANTOPEN",
}
# PostgreSQL's "cannot execute ... in a read-only transaction": a standby, or a database or role
# made read-only (default_transaction_read_only); the app never asks for read-only itself.
PG_READ_ONLY = "25006"
# PostgreSQL SQLSTATEs of the same kind: connection exceptions (class 08), the server shutting
# down or starting up (57P01-57P03), a full disk (53100), too many connections (53300).
_PG_TRANSIENT_PREFIXES = ("08", "57P01", "57P02", "57P03", "53100", "53300", PG_READ_ONLY)


def is_unavailable(error: BaseException) -> bool:
    """Whether a database error means the database is away (retry later), not a bug.

    Callers answer "unavailable, retry" for these and let everything else surface as a bug:
    ``OperationalError`` alone is too broad, since SQLite also uses it for "no such table".
    """
    if isinstance(error, sa_exc.TimeoutError):  # no pooled connection came free in time
        return True
    if not isinstance(error, sa_exc.DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    orig = error.orig
    if isinstance(orig, sqlite3.Error):
        return (getattr(orig, "sqlite_errorcode", 0) & 0xFF) in _SQLITE_TRANSIENT
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate is None:
        # psycopg reports a refused connection without a SQLSTATE (a dropped one invalidates
        # it, above), and also a statement it refuses to send on a live connection (more than
        # 65535 parameters): that one is a bug, and SQLAlchemy names its statement.
        return isinstance(error, sa_exc.OperationalError) and error.statement is None
    return sqlstate.startswith(_PG_TRANSIENT_PREFIXES)


def driver_message(error: BaseException) -> str:
    """The driver's own words for a database error, on one line (psycopg adds a hint line);
    SQLAlchemy's text would add the statement and its parameters."""
    return " ".join(str(getattr(error, "orig", None) or error).split())


def _owned(model: Any, workspace_id: int, row_id: int, owner_id: int | None) -> Any:
    query = select(model).where(model.id == row_id, model.workspace_id == workspace_id)
    return query if owner_id is None else query.where(model.owner_id == owner_id)


def get_owned_row(
    session: Session,
    model: Any,
    workspace_id: int,
    row_id: int,
    label: str,
    owner_id: int | None = None,
) -> Any:
    """One row of a workspace (and of one rep, given ``owner_id``), or NotFound: another
    workspace's or rep's ids look like missing ones."""
    row = session.scalar(_owned(model, workspace_id, row_id, owner_id))
    if row is None:
        raise NotFound(f"No {label} {row_id} in this workspace.")
    return row


def lock_owned_row(
    session: Session,
    model: Any,
    workspace_id: int,
    row_id: int,
    label: str,
    owner_id: int | None = None,
    *,
    changes: bool = True,
) -> Any:
    """Lock one workspace-owned row (of one rep, given ``owner_id``) for the rest of the
    transaction, or raise NotFound; ``changes=False`` only takes turns, leaving the row's
    ``updated_at`` as it is (nothing of the row changes).

    The row is re-read under the lock so the caller judges the latest committed state.
    """
    stmt = _owned(model, workspace_id, row_id, owner_id)
    row = session.scalar(turn_lock(session, stmt, label))
    if row is None:
        raise NotFound(f"No {label} {row_id} in this workspace.")
    if changes:
        row.updated_at = utcnow()
    return row


def turn_lock(session: Session, stmt: Any, label: str) -> Any:
    """``stmt`` locking the rows it reads until commit, read afresh: the one lock every
    writer takes turns on.

    PostgreSQL locks them ``FOR NO KEY UPDATE``: writers take turns on a row, while the
    key-share lock a foreign-key check takes on it (a row referring to it inserted, or updated
    twice in one transaction) never waits for their turn, so such a check cannot close a
    deadlock between two turn-takers (a contact's lock holder checking its audience while an
    ask's holds that audience and waits for the contact); deleting the row still waits for
    those checks. SQLite writer sessions already hold the database write lock from BEGIN
    IMMEDIATE, and a reader session here would be a race, so it is refused.
    """
    connection = session.connection()
    dialect = dialects.of(connection)
    if dialect.serial_writers and not connection.get_execution_options().get(WRITE_OPTION):
        raise RuntimeError(f"changing a {label} needs a writer session (BEGIN IMMEDIATE)")
    return dialect.for_update(stmt, key_share=True).execution_options(populate_existing=True)


def in_chunks(stmt: Any, column: ColumnElement[Any], values: Sequence[Any]) -> Iterator[Any]:
    """``stmt`` restricted to ``column IN values``, as one statement per IN_CHUNK values."""
    for start in range(0, len(values), IN_CHUNK):
        yield stmt.where(column.in_(values[start : start + IN_CHUNK]))


def make_sessionmakers(engine: Engine) -> tuple[sessionmaker[Session], sessionmaker[Session]]:
    """A reader and a writer session factory over one pool.

    Writers carry an execution option that makes SQLite begin with the write lock; PostgreSQL
    ignores it and relies on row locks taken by the domain code (``SELECT ... FOR UPDATE``).
    """
    reader = sessionmaker(bind=engine, expire_on_commit=False)
    writer = sessionmaker(
        bind=engine.execution_options(**{WRITE_OPTION: True}), expire_on_commit=False
    )
    return reader, writer
