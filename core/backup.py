"""Online backup and restore of the SQLite database, safe while the service runs.

SQLite's backup API copies a consistent snapshot page by page under a read transaction, so
writers carry on (WAL) and the copy never holds half a transaction, unlike copying the file,
which can catch the database and its WAL at different moments. Restore runs the same API the
other way, under the database's write lock, so running workers see either the old data or the
restored data, never a mix. PostgreSQL has its own tools (pg_dump, pg_restore).
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path

from core.db import SQLITE_BUSY_TIMEOUT_MS, is_sqlite, sqlite_file


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says what to do instead."""


def sqlite_path(database_url: str) -> Path:
    if not is_sqlite(database_url):
        raise BackupError(
            "planner db backup/restore handle SQLite only. For PostgreSQL use "
            'pg_dump --format=custom --file=planner.dump "$DATABASE_URL" and '
            'pg_restore --clean --if-exists --no-owner --dbname="$DATABASE_URL" planner.dump.'
        )
    database = sqlite_file(database_url)
    if database is None:
        raise BackupError(
            "An in-memory SQLite database has nothing to back up; for one named by a file: "
            "URI, give its path instead (sqlite:////path/to/planner.db)."
        )
    return Path(database)


def _connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    return connection


def _check(connection: sqlite3.Connection, what: str) -> str:
    """The schema revision of a sound planner database, or BackupError."""
    try:
        verdict = connection.execute("PRAGMA integrity_check").fetchone()[0]
        revision = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{what} is not a usable planner database: {error}.") from None
    if verdict != "ok":
        raise BackupError(f"{what} failed SQLite's integrity check: {verdict}.")
    if revision is None:
        raise BackupError(f"{what} has no schema revision; was it migrated?")
    return revision[0]


def backup(database_url: str, target: Path, replace: bool = False) -> str:
    """Copy the live database to ``target`` (replaced only once complete); return its revision.

    An existing file is replaced only when ``replace`` says so; a symbolic link is written
    through (the file it names is replaced, the link stays); anything but a regular file (a
    device, a pipe) never is: renaming the copy onto it would put a file in its place.
    """
    source_path = sqlite_path(database_url)
    if not source_path.exists():
        raise BackupError(f"There is no database at {source_path}.")
    try:
        destination = target.resolve()
    except (OSError, RuntimeError) as error:  # a loop of links (RuntimeError before 3.13)
        raise BackupError(f"{target} cannot be followed to a file: {error}.") from None
    if destination == source_path.resolve():
        raise BackupError(f"{target} is the database itself; back up to another file.")
    if destination.exists():
        if not destination.is_file():
            raise BackupError(f"{target} is not a regular file; back up to a file instead.")
        if not replace:
            raise BackupError(
                f"{target} already exists; name a new file, or add --force to replace it."
            )
    partial = destination.with_name(f".{destination.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        partial.touch()  # SQLite would say only "unable to open database file"
    except OSError as error:
        raise BackupError(f"Cannot write the backup to {target}: {error.strerror}.") from None
    try:
        with closing(_connect(source_path)) as source, closing(_connect(partial)) as copy:
            source.backup(copy)
            copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
            revision = _check(copy, "The backup")
        os.replace(partial, destination)
    finally:
        partial.unlink(missing_ok=True)
    return revision


def restore(database_url: str, source: Path) -> str:
    """Replace the live database's content with the backup at ``source``; return its revision.

    The backup is checked first, so a truncated or foreign file never overwrites good data.
    """
    target_path = sqlite_path(database_url)
    if not source.is_file():
        raise BackupError(f"There is no backup at {source}.")
    with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as backup_copy:
        revision = _check(backup_copy, f"{source}")
        target_path.parent.mkdir(parents=True, exist_ok=True)
        with closing(_connect(target_path)) as live:
            backup_copy.backup(live)
    return revision
