"""Authentication, denying by default: bearer tokens for the API, a session cookie for pages.

Every endpoint needs a credential unless it is listed as public here, so a new route cannot be
exposed by forgetting a decorator. Web pages (the ``web`` blueprint) accept only the session
cookie and the API only tokens, so a cookie can never authorise a forged cross-site API call.
"""

from __future__ import annotations

from flask import Flask, current_app, g, request

from app.api import SWAGGER_UI_ASSETS
from app.db import session
from app.problems import problem
from app.web import BLUEPRINT as WEB_BLUEPRINT
from app.web import FAVICON_ENDPOINT
from app.web import security as web_security
from core.accounts import principal_for_token

PUBLIC_ENDPOINTS = frozenset(
    {
        "health.healthz",
        "api-docs.openapi_json",
        "api-docs.openapi_swagger_ui",
        f"{SWAGGER_UI_ASSETS}.static",
        "static",
        FAVICON_ENDPOINT,
        # The secret in the address is the credential: calendar apps send no headers.
        "calendar.subscribed_calendar",
        "web.sign_in",
    }
)


def make_public(app: Flask, endpoint: str) -> None:
    """Open one more endpoint in this app only, for routes public by configuration."""
    app.extensions.setdefault("planner_public_endpoints", set()).add(endpoint)


def public_endpoints() -> frozenset[str]:
    return PUBLIC_ENDPOINTS.union(current_app.extensions.get("planner_public_endpoints", ()))


def _authenticate():
    if request.endpoint is None or request.endpoint in public_endpoints():
        return None
    if request.blueprint == WEB_BLUEPRINT:
        g.principal = web_security.session_principal()
        return None if g.principal else web_security.to_sign_in()
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    found = None
    if scheme.lower() == "bearer" and token.strip():
        found = principal_for_token(session(), token.strip())
    if found is None:
        response = problem(401, "Send a valid API token as 'Authorization: Bearer <token>'.")
        response.headers["WWW-Authenticate"] = 'Bearer realm="Value Planner"'
        return response
    g.principal = found
    return None


def init_app(app: Flask) -> None:
    app.before_request(_authenticate)
