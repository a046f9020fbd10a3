"""One SQLAlchemy session per request, closed (and so rolled back unless committed) at teardown.

Safe methods get a reader session; anything that may write gets a writer, which on SQLite takes
the write lock at BEGIN so the rule check and its write cannot interleave with another request.
"""

from __future__ import annotations

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy.orm import Session

from app.runtime import Database, open_database

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def init_app(app: Flask) -> None:
    app.extensions["planner_db"] = open_database(app.config)
    app.teardown_appcontext(_close_session)


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
    if db_session is not None:
        db_session.close()
