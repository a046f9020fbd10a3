"""Authentication, denying by default: bearer tokens for the API, a session cookie for pages.

Every endpoint needs a credential unless it is listed in ``app.principal.PUBLIC_ENDPOINTS``,
so a new route cannot be exposed by forgetting a decorator. Web pages (the ``web`` blueprint)
accept only the session cookie and the API only tokens, so a cookie can never authorise a
forged cross-site API call.
"""

from __future__ import annotations

from flask import Flask, g, request

from app.db import caller_session
from app.principal import public_endpoints
from app.problems import problem
from app.web import security as web_security
from app.web.blueprint import BLUEPRINT as WEB_BLUEPRINT
from core.accounts_db import principal_for_token


def _authenticate():
    if request.endpoint is None or request.endpoint in public_endpoints():
        return None
    if request.blueprint == WEB_BLUEPRINT:
        g.principal = web_security.session_principal()
        return None if g.principal else web_security.to_sign_in()
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    found = None
    if scheme.lower() == "bearer" and token.strip():
        with caller_session() as db:
            found = principal_for_token(db, token.strip())
    if found is None:
        response = problem(401, "Send a valid API token as 'Authorization: Bearer <token>'.")
        response.headers["WWW-Authenticate"] = 'Bearer realm="Value Planner"'
        return response
    g.principal = found
    return None


def init_app(app: Flask) -> None:
    app.before_request(_authenticate)
