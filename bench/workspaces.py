"""A benchmark's database and the workspace it made: settled after its bulk load, removed when
it is done.

Benchmarks fill a database the user named (``BENCH_DATABASE_URL``); rows left behind would
pile up run after run and slow the next runs' inserts and index scans, so every benchmark
deletes its workspace (and, by cascade, everything in it) at the end.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

from sqlalchemy import Engine, delete
from sqlalchemy.orm import Session, sessionmaker

from core import dialects, migrations
from core.db import make_engine, make_sessionmakers
from core.models import Workspace

Sessions = sessionmaker[Session]


@contextmanager
def bench_database(url: str | None) -> Iterator[tuple[Engine, Sessions, Sessions]]:
    """The database the user named (``--database-url``, or a file the benchmark placed) or a
    throwaway SQLite file, migrated to head: its engine, reader and writer, disposed after."""
    with ExitStack() as stack:
        if url is None:
            url = f"sqlite:///{stack.enter_context(tempfile.TemporaryDirectory())}/bench.db"
        engine = make_engine(url)
        stack.callback(engine.dispose)
        migrations.upgrade(engine)
        yield engine, *make_sessionmakers(engine)


def settle(engine: Engine, table: str) -> None:
    """On PostgreSQL, what autovacuum does within a minute of a bulk load: fresh statistics
    (else the planner misjudges a rep's 100,000 rows as one and aggregates over all of them
    rather than reading one end of the index), the visibility map (index-only scans) and, for
    articles, a merged GIN pending list (searched linearly until autovacuum's turn: measured
    before it, the suggestions median is several times higher)."""
    if dialects.of(engine) is dialects.POSTGRESQL:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql(f"VACUUM ANALYZE {table}")


def drop_workspace(writer: sessionmaker[Session], workspace_id: int) -> None:
    with writer() as session:
        session.execute(delete(Workspace).where(Workspace.id == workspace_id))
        session.commit()
