"""Every refused ask is recorded, whichever way it came (API or page): after the view has
answered and the refused change has rolled back, in a transaction of its own.

The guards note refused asks on the request's session (``refusals_db.note``); this one hook
writes them, so a new route or form is covered without anyone remembering to.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, g
from sqlalchemy.exc import SQLAlchemyError

from core.db import is_unavailable
from schedules import refusals_db

RECORDING_ATTEMPTS = 2
log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    app.after_request(record_refused_asks)


def record_refused_asks(response: Response) -> Response:
    db_session, caller = g.get("db_session"), g.get("principal")
    if db_session is None or caller is None:
        return response  # no database session, or a public page: no ask was tried
    noted = refusals_db.take_noted(db_session, caller.user_id)
    if not noted:
        return response
    for attempt in range(RECORDING_ATTEMPTS):
        try:
            db_session.rollback()  # the refused change, if the view did not already
            refusals_db.record(db_session, noted)
            db_session.commit()
            return response
        except SQLAlchemyError as error:
            db_session.rollback()
            # A connection dropped meanwhile is replaced by the pool: worth one more try.
            if not is_unavailable(error) or attempt + 1 == RECORDING_ATTEMPTS:
                # A lost coaching record must not turn the rep's answer into an error.
                log.warning("Recording %d refused ask(s) failed", len(noted), exc_info=True)
                break
    return response
