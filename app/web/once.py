"""Forms that create something act once: Back and Save again must not make a twin.

Such a form carries a one-time key made when it is rendered (``csrf_field(once=true)`` in
``_macros.html``); the CSRF token cannot serve, as it lasts the whole session. When the view
answers a keyed POST with a redirect, it made its thing, and the session remembers the key, a
digest of the inputs and that redirect's target. The same key sent again, or a keyed form with
the same inputs to the same address within SAME_INPUTS_FOR, goes straight there with a note,
and the view never runs. The inputs count because Chromium's Back fetches the form anew once
the session cookie has changed (the page varies by cookie), with a new key, and then puts back
what was typed. The session is enough: a resend comes from the same browser.
"""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, flash, redirect, request, session

FIELD = "form_key"
SESSION_KEY = "forms_sent"
# The newest forms kept: a few forms' worth of Back, in a cookie that must stay small.
KEPT = 10
# Long enough for Back and Save, short enough that a post deleted and typed again is saved.
SAME_INPUTS_FOR = 30 * 60
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
        inputs, now = _digest(), int(time.time())
        # Lists, not dicts: the session's JSON sorts a dict's keys, and order says which is new.
        sent = [e for e in session.get(SESSION_KEY, []) if now - e[3] < SAME_INPUTS_FOR]
        earlier = next((e for e in sent if e[0] == key or e[1] == inputs), None)
        if earlier is not None:
            flash(ALREADY_SENT)
            return redirect(earlier[2], 303)
        response = view(*args, **kwargs)
        if getattr(response, "status_code", 200) in (302, 303):
            session[SESSION_KEY] = [*sent, [key, inputs, response.headers["Location"], now]][-KEPT:]
        return response

    return once


def _digest() -> str:
    """The address and inputs of the form sent, but its CSRF token and key."""
    inputs = sorted((k, v) for k, v in request.form.items(multi=True) if k not in NOT_INPUTS)
    return hashlib.sha256(repr((request.full_path, inputs)).encode()).hexdigest()[:20]


def init_app(app: Flask) -> None:
    app.jinja_env.globals["form_key"] = new_key
