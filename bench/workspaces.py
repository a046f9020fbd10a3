"""The workspace a benchmark made, removed when it is done.

Benchmarks fill a database the user named (``BENCH_DATABASE_URL``); rows left behind would
pile up run after run and slow the next runs' inserts and index scans, so every benchmark
deletes its workspace (and, by cascade, everything in it) at the end.
"""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from core.models import Workspace


def drop_workspace(writer: sessionmaker[Session], workspace_id: int) -> None:
    with writer() as session:
        session.execute(delete(Workspace).where(Workspace.id == workspace_id))
        session.commit()
