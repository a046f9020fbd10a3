"""One SQLAlchemy session per request, closed (and so rolled back unless committed) at teardown.

Teardown runs after the view has produced its response: a connection that died meanwhile (a
terminated backend, a restart, idle_in_transaction_session_timeout) makes that last ROLLBACK
fail, and letting it escape would replace the view's answer with the server's HTML 500, after a
PATCH had committed. So a failed clean-up is logged and counted, never answered.

Safe methods get a reader session; anything that may write gets a writer, which on SQLite takes
the write lock at BEGIN so the rule check and its write cannot interleave with another request.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app import metrics
from core.db import SQLITE_BUSY_TIMEOUT_MS, is_sqlite, make_engine, make_sessionmakers

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
log = logging.getLogger(__name__)


@dataclass
class Database:
    engine: Engine
    reader: sessionmaker[Session]
    writer: sessionmaker[Session]


def init_app(app: Flask) -> None:
    url = app.config["DATABASE_URL"]
    if is_sqlite(url):
        options = {
            "sqlite_busy_timeout_ms": app.config.get(
                "SQLITE_BUSY_TIMEOUT_MS", SQLITE_BUSY_TIMEOUT_MS
            )
        }
    else:
        options = pool_options(app.config)
    engine = make_engine(url, **options)
    reader, writer = make_sessionmakers(engine)
    app.extensions["planner_db"] = Database(engine, reader, writer)
    app.teardown_appcontext(_close_session)


def pool_options(config: dict) -> dict[str, int]:
    """PLANNER_DB_POOL_SIZE / PLANNER_DB_MAX_OVERFLOW for server databases, per process.

    SQLite has no server connections to budget, so it keeps SQLAlchemy's own pool.
    """
    names = {"pool_size": "DB_POOL_SIZE", "max_overflow": "DB_MAX_OVERFLOW"}
    return {option: config[key] for option, key in names.items() if config.get(key) is not None}


def database() -> Database:
    return current_app.extensions["planner_db"]


def session() -> Session:
    if "db_session" not in g:
        db = database()
        safe = has_request_context() and request.method in SAFE_METHODS
        g.db_session = (db.reader if safe else db.writer)()
    return g.db_session


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
