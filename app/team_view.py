"""The team view for the caller's workspace, as the API and the managers' page both read it."""

from __future__ import annotations

from app.db import session
from app.principal import principal, require_admin
from core.models import Workspace
from schedules import team_db
from schedules.times import parse_when


def read_team(start: str | None, end: str | None) -> team_db.TeamView:
    """Admins only; ``start`` and ``end`` as a query gives them, read on the workspace's clock
    when they carry no offset (None: this quarter's bound)."""
    require_admin("see the team view")
    workspace_id, zone = principal().workspace_id, workspace_timezone()
    return team_db.team_view(
        session(), workspace_id, parse_when("from", start, zone), parse_when("to", end, zone)
    )


def workspace_timezone() -> str:
    """The caller's workspace's time zone: the clock the team view's window is read on."""
    return session().get_one(Workspace, principal().workspace_id).timezone
