"""One SQLAlchemy session per request, closed (and so rolled back unless committed) at teardown.

Teardown runs after the view has produced its response: a connection that died meanwhile (a
terminated backend, a restart, idle_in_transaction_session_timeout) makes that last ROLLBACK
fail, and letting it escape would replace the view's answer with the server's HTML 500, after a
PATCH had committed. So a failed clean-up is logged and counted, never answered.

Safe methods get a reader session; anything that may write gets a writer, which on SQLite takes
the write lock at BEGIN so the rule check and its write cannot interleave with another request.
Who is calling is found before that (:func:`caller_session`), so the lock is not held meanwhile.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy.orm import Session

from app import metrics
from app.runtime import Database, open_database
from core import dialects

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    app.extensions["planner_db"] = open_database(app.config)
    app.teardown_appcontext(_close_session)


def database() -> Database:
    return current_app.extensions["planner_db"]


def session() -> Session:
    if "db_session" not in g:
        db = database()
        g.db_session = (db.reader if _safe() else db.writer)()
    return g.db_session


@contextmanager
def caller_session() -> Iterator[Session]:
    """A session to find who is calling in, before the view runs: the request's own, except for
    a write on a database with one writer at a time (SQLite). There the request's session holds
    the write lock from its first statement to its commit, so reading the caller's token in it
    would keep every other writer waiting while this request is authenticated and its body read;
    a reader of its own finds the caller instead, and the view takes the lock when it needs it.
    """
    db = database()
    if _safe() or not dialects.of(db.engine).serial_writers:
        yield session()
        return
    with db.reader() as reader:
        yield reader


def _safe() -> bool:
    return has_request_context() and request.method in SAFE_METHODS


def _close_session(_exc: BaseException | None) -> None:
    db_session = g.pop("db_session", None)
    if db_session is None:
        return
    try:
        db_session.close()
    except Exception:
        metrics.DB_CLEANUP_ERRORS.inc()
        log.warning("Closing the request's database session failed", exc_info=True)
        # Drop the connection rather than give a broken one back to the pool.
        try:
            db_session.invalidate()
        except Exception:
            log.debug("Invalidating the session failed too", exc_info=True)
