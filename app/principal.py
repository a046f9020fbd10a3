"""Who is calling: the principal the authentication hook found, and the endpoints that need none.

Below the pages, the API, telemetry and the rate limits, which all ask; ``app.auth`` (the hook
that sets the principal) sits above them and imports this.
"""

from __future__ import annotations

from flask import Flask, current_app, g

from core.accounts_db import Principal

PUBLIC_ENDPOINTS = frozenset(
    {
        "health.healthz",
        "api-docs.openapi_json",
        "api-docs.openapi_swagger_ui",
        "swagger_ui.static",  # Swagger UI's own files (app.api.SWAGGER_UI_ASSETS)
        "static",
        "favicon",
        # The secret in the address is the credential: calendar apps send no headers.
        "calendar.subscribed_calendar",
        "web.sign_in",
    }
)


def principal() -> Principal:
    return g.principal


def make_public(app: Flask, endpoint: str) -> None:
    """Open one more endpoint in this app only, for routes public by configuration."""
    app.extensions.setdefault("planner_public_endpoints", set()).add(endpoint)


def public_endpoints() -> frozenset[str]:
    return PUBLIC_ENDPOINTS.union(current_app.extensions.get("planner_public_endpoints", ()))
