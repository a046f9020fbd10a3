"""Web sessions: who is signed in, CSRF checks (Flask-WTF), cookie flags and sign-in throttling.

The pages authenticate with a session cookie and the API only with bearer tokens. Keeping the
two apart is what lets the API skip CSRF checks: a browser attaches cookies to a forged
cross-site request, never an Authorization header.
"""

from __future__ import annotations

import hmac
import math
import time
from urllib.parse import urlsplit

from flask import (
    Flask,
    Response,
    abort,
    current_app,
    flash,
    g,
    has_request_context,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFError, CSRFProtect
from limits import parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter, RateLimiter
from werkzeug.exceptions import HTTPException

from app import db
from app.ratelimits import EXTENSION
from app.web import labels, once
from core import accounts_db
from core.accounts_db import Principal
from core.digests import keyed_digest
from core.models import User

SIGNIN_FAILURE_LIMIT = "PLANNER_SIGNIN_FAILURE_LIMIT"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
csrf = CSRFProtect()


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie, marked Secure whenever the request itself came over https.

    ``SESSION_COOKIE_SECURE`` is one switch for the whole app; deciding per request keeps the
    cookie usable on plain-http development servers and never sends it in clear from an https
    site (ProxyFix, when configured, makes ``request.is_secure`` follow X-Forwarded-Proto).
    """

    def get_cookie_secure(self, app: Flask) -> bool:
        return super().get_cookie_secure(app) or (has_request_context() and request.is_secure)


def init_app(app: Flask) -> None:
    app.session_interface = SessionInterface()
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    app.config["SESSION_COOKIE_SAMESITE"] = app.config.get("SESSION_COOKIE_SAMESITE") or "Lax"
    if app.config.get("PREFERRED_URL_SCHEME") == "https":
        app.config["SESSION_COOKIE_SECURE"] = True
    parse_many(app.config[SIGNIN_FAILURE_LIMIT])  # a typo fails at start-up, not at sign-in
    # Only the pages check tokens (check_csrf): the API takes no cookie, so needs none.
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    # A token lives as long as its session, so a form left open for hours still sends.
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    # Its https Referer check would refuse every form: pages send "Referrer-Policy: no-referrer".
    # check_csrf compares the Origin instead.
    app.config.setdefault("WTF_CSRF_SSL_STRICT", False)
    csrf.init_app(app)  # also the templates' csrf_token()
    app.jinja_env.globals["form_user"] = form_user


# ---------------------------------------------------------------- signed-in user


# The cookie is only a signed copy of the session: what makes it valid is the user's row.
# A cookie carries the session generation it was opened in, and sign-out, a new password or
# deactivation move the user's generation on, so a copy of the cookie kept from before is
# refused, not honoured for the rest of its 31 days.


def start_session(principal: Principal) -> None:
    """A fresh session (so a planted cookie cannot be fixed onto the new sign-in)."""
    user = db.session().get(User, principal.user_id)
    assert user is not None and user.password_hash is not None
    session.clear()
    session.permanent = True
    session["user_id"] = user.id
    session["generation"] = user.session_generation


def end_session(principal: Principal) -> None:
    """Sign out on the server too; the caller commits."""
    accounts_db.end_sessions(db.session(), principal.user_id)
    session.clear()


def session_principal() -> Principal | None:
    user_id, generation = session.get("user_id"), session.get("generation")
    if not isinstance(user_id, int) or not isinstance(generation, int):
        return None
    user = db.session().get(User, user_id)
    if user is None or user.password_hash is None or user.deactivated_at is not None:
        return None
    if user.session_generation != generation:
        return None
    return Principal(user.id, user.workspace_id, user.email, user.role)


NOT_SAVED = (
    "You were signed out (perhaps on another device), so what you sent was not saved. "
    "Sign in to go back to the page and send it again."
)


def to_sign_in() -> Response:
    """Send a visitor without a session to the sign-in page, and back here afterwards; for a
    form sent, back to the page it was sent from when that page can be opened, saying that
    nothing was saved."""
    if request.endpoint == "web.sign_out":
        # Signed out already (in another tab): nothing was sent that could be lost.
        return redirect(url_for("web.sign_in"), 303)
    target = request.full_path.rstrip("?")
    if request.method not in SAFE_METHODS:
        flash(NOT_SAVED)
        target = target if _opens(request.path) else None
    return redirect(url_for("web.sign_in", next=target), 303)


def _opens(path: str) -> bool:
    """Whether GET shows a page at this address, as it does for a form sent to itself."""
    try:
        current_app.create_url_adapter(request).match(path, method="GET")
    except HTTPException:
        return False
    return True


def safe_next(target: str | None) -> str | None:
    """Only same-site paths: a ``next`` pointing elsewhere would make sign-in an open redirect."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    return None if parts.scheme or parts.netloc else target


# ---------------------------------------------------------------- CSRF


def check_csrf() -> tuple[str, int] | None:
    """Refuse a state-changing request without this session's token, or from another origin."""
    if request.method in SAFE_METHODS:
        return
    # Pages are served with "Referrer-Policy: no-referrer", under which browsers send
    # "Origin: null" even from this site; only a named foreign origin is evidence of forgery.
    origin = request.headers.get("Origin")
    if origin and origin != "null" and origin != request.host_url.rstrip("/"):
        abort(403, "This form was sent from another site.")
    try:
        csrf.protect()
    except CSRFError:
        # Offered back only to the user the form was shown to: a forged post (any token will
        # do) must not come back as a page its victim is one click from saving.
        principal = g.get("principal")
        sent_by = request.form.get(FORM_USER, "")
        if principal is None or not hmac.compare_digest(sent_by, form_user(principal)):
            abort(400, "This form has expired. Go back, reload the page and send it again.")
        return _send_again()
    return None


FORM_USER = "form_user"


def form_user(principal: Principal | None = None) -> str:
    """The signed-in user's mark on each form they are shown (``csrf_field``)."""
    principal = principal or g.get("principal")
    if principal is None:
        return ""
    return keyed_digest(current_app.secret_key, "form-user", principal.user_id, length=32)


FORM_EXPIRED = (
    "Nothing was saved: you signed in again since this page was opened (in another tab, "
    "perhaps), so it could not be checked as yours. Check what you sent and save it again."
)


def _send_again() -> tuple[str, int]:
    """What a signed-in user sent with an outdated token, kept and offered back with a fresh
    one: signing out and in again elsewhere renews the token, and typed text must not be lost
    for that."""
    # csrf_field renders a fresh token and mark.
    fresh = ("csrf_token", FORM_USER)
    sent = [(name, value) for name, value in request.form.items(multi=True) if name not in fresh]
    shown = [
        # Labelled as the form showed them ("Value post", not "give"); sent again as they were.
        (name.replace("_", " ").capitalize(), labels.shown_value(name, value))
        for name, value in sent
        if value.strip() and name != once.FIELD
    ]
    page = render_template(
        "web/form_expired.html",
        message=FORM_EXPIRED,
        action=request.full_path.rstrip("?"),
        sent=sent,
        shown=shown,
    )
    return page, 400


# ---------------------------------------------------------------- sign-in throttling


def _strategy() -> RateLimiter:
    """The API limiter's counters when it is installed, so every worker counts together."""
    limiter = current_app.extensions.get(EXTENSION)
    if limiter is not None:
        return limiter.limiter
    return current_app.extensions.setdefault(
        "planner_signin_limiter", MovingWindowRateLimiter(MemoryStorage())
    )


def _keys(email: str) -> list[tuple[str, str]]:
    # Per address and per account: one guesser cannot try many accounts quickly, nor many
    # guessers one account.
    return [("signin-ip", request.remote_addr or "-"), ("signin-email", email.strip().lower())]


def signin_retry_after(email: str) -> int | None:
    """Seconds to wait before the next attempt may be judged, or None to judge it now."""
    strategy = _strategy()
    waits = []
    for item in parse_many(current_app.config[SIGNIN_FAILURE_LIMIT]):
        for key in _keys(email):
            if not strategy.test(item, *key):
                reset_at = strategy.get_window_stats(item, *key).reset_time
                waits.append(max(1, math.ceil(reset_at - time.time())))
    return max(waits) if waits else None


def record_signin_failure(email: str) -> None:
    strategy = _strategy()
    for item in parse_many(current_app.config[SIGNIN_FAILURE_LIMIT]):
        for key in _keys(email):
            strategy.hit(item, *key)


def with_retry_after(response: Response, seconds: int) -> Response:
    response.headers["Retry-After"] = str(seconds)
    return response
