"""Who is calling: the principal the authentication hook found, whose rows they may act on,
and the endpoints that need none.

Below the pages, the API, telemetry and the rate limits, which all ask; ``app.auth`` (the hook
that sets the principal) sits above them and imports this.
"""

from __future__ import annotations

from flask import Flask, current_app, g

from app.db import session
from core import accounts_db
from core.accounts_db import ALL_REPS, Principal

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


def require_admin(doing: str) -> None:
    """Refuse a rep what only the team's admins may do, saying who can."""
    accounts_db.require_admin(session(), principal(), doing)


def owner_scope() -> int | None:
    """Whose rows a lookup by id may find: a rep's own (another rep's look missing); an
    admin's, every rep's of the team."""
    me = principal()
    return None if me.is_admin else me.user_id


def acting_owner(requested: int | None = None) -> int:
    """Whose calendar a write goes on: the caller's own, or the rep an admin names."""
    me = principal()
    if requested is None or requested == me.user_id:
        return me.user_id
    require_admin("act for another rep")
    accounts_db.member(session(), me.workspace_id, requested)
    return requested


def owner_filter(requested: int | str | None, reading: str) -> int | None:
    """Whose rows a list reads: the caller's own by default; an admin may name a rep, a
    deactivated one too (what they left, to hand over), or ``all`` (None) for the whole team.
    ``reading`` names the rows ("posts") in the refusal a rep gets."""
    me = principal()
    if requested is None or requested == me.user_id:
        return me.user_id
    require_admin(f"read the team's {reading}" if requested == ALL_REPS
                  else f"read another rep's {reading}")  # fmt: skip
    if requested == ALL_REPS:
        return None
    return accounts_db.member(session(), me.workspace_id, int(requested), "owner", departed=True).id


def make_public(app: Flask, endpoint: str) -> None:
    """Open one more endpoint in this app only, for routes public by configuration."""
    app.extensions.setdefault("planner_public_endpoints", set()).add(endpoint)


def public_endpoints() -> frozenset[str]:
    return PUBLIC_ENDPOINTS.union(current_app.extensions.get("planner_public_endpoints", ()))
