"""Every refused ask is recorded, whichever way it came (API or page): after the view has
answered and the refused change has rolled back, in a transaction of its own.

The guards note refused asks on the request's session (``refusals_db.note``); this one hook
writes them, so a new route or form is covered without anyone remembering to.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, g
from sqlalchemy.exc import SQLAlchemyError

from schedules import refusals_db

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    app.after_request(record_refused_asks)


def record_refused_asks(response: Response) -> Response:
    db_session = g.get("db_session")
    noted = refusals_db.take_noted(db_session) if db_session is not None else []
    if not noted:
        return response
    try:
        db_session.rollback()  # the refused change, if the view did not already
        refusals_db.record(db_session, noted)
        db_session.commit()
    except SQLAlchemyError:
        # A lost coaching record must not turn the rep's answer into an error.
        db_session.rollback()
        log.warning("Recording %d refused ask(s) failed", len(noted), exc_info=True)
    return response
