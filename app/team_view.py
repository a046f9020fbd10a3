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
    workspace = session().get_one(Workspace, principal().workspace_id)
    zone = workspace.timezone
    return team_db.team_view(
        session(), workspace.id, parse_when("from", start, zone), parse_when("to", end, zone)
    )
