"""Forms that create something act once: Back and Save again, a double click or a duplicated
tab must not make a twin.

Such a form carries a one-time key made when it is rendered (``csrf_field(once=true)`` in
``_macros.html``); the CSRF token cannot serve, as it lasts the whole session. The server
remembers each key sent, with a digest of the inputs and where the answer went
(``core/sent_forms_db.py``), for as long as a web session lasts. The same key sent again, or a
keyed form with the same inputs to the same address within SAME_INPUTS_FOR, goes straight there
with a note, and the view never runs. The inputs count because Chromium's Back fetches the form
anew once the session cookie has changed (the page varies by cookie), with a new key, and then
puts back what was typed. Sends racing each other are judged in turn: the key is claimed in the
transaction that saves what the form makes, so a twin waits for it, then follows it.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
import secrets
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, flash, redirect, request, url_for

from app.db import database, session
from app.principal import principal
from app.settings import session_lifetime
from core import sent_forms_db
from core.db import utcnow

FIELD = "form_key"
# Long enough for Back and Save, short enough that a post deleted and typed again is saved.
SAME_INPUTS_FOR = dt.timedelta(minutes=30)
# How long a twin waits for the first send to say where its answer went: it records that just
# after committing what the form made, so a moment is plenty.
ANSWER_WAIT_S = 3.0
NOT_INPUTS = frozenset({FIELD, "csrf_token"})
KEY_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,64}")
ALREADY_SENT = (
    "This form was saved before, so sending it again added nothing: here is what it saved."
)


def new_key() -> str:
    return secrets.token_urlsafe(16)


def per_form(view: Callable[..., Any]) -> Callable[..., Any]:
    """Run ``view`` once per keyed form; a form without a key is run every time."""

    @functools.wraps(view)
    def once(*args: Any, **kwargs: Any) -> Any:
        key = request.form.get(FIELD, "") if request.method == "POST" else ""
        if not KEY_SHAPE.fullmatch(key):
            return view(*args, **kwargs)
        user_id, inputs, now = principal().user_id, _digest(), utcnow()
        db = session()
        found = sent_forms_db.earlier(db, user_id, key, inputs, now - SAME_INPUTS_FOR)
        forget_before = now - session_lifetime(current_app.config)
        if found is None and sent_forms_db.claim(db, user_id, key, inputs, now, forget_before):
            response = view(*args, **kwargs)
            if getattr(response, "status_code", 200) in (302, 303):
                sent_forms_db.record(db, user_id, key, response.headers["Location"])
                db.commit()
            return response
        went = found.location if found is not None else None
        db.rollback()  # after reading it: an expired row would be read again, in a new transaction
        flash(ALREADY_SENT)
        return redirect(went or _answer_of(user_id, key), 303)

    return once


def _answer_of(user_id: int, key: str) -> str:
    """Where the first send of ``key`` went, once it has said so; home if it never does (it
    answered without a redirect, or its worker died)."""
    deadline = time.monotonic() + ANSWER_WAIT_S
    while True:
        with database().reader() as reader:
            went = sent_forms_db.location(reader, user_id, key)
        if went or time.monotonic() > deadline:
            return went or url_for("web.home")
        time.sleep(0.05)


def _digest() -> str:
    """The address and inputs of the form sent, but its CSRF token and key."""
    inputs = sorted((k, v) for k, v in request.form.items(multi=True) if k not in NOT_INPUTS)
    return hashlib.sha256(repr((request.full_path, inputs)).encode()).hexdigest()[:20]


def init_app(app: Flask) -> None:
    app.jinja_env.globals["form_key"] = new_key
