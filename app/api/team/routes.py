"""The team view for managers: every rep's figures per audience over a window."""

from __future__ import annotations

from app.api.spec import Blueprint, documents_errors
from app.api.users.routes import ADMIN_ONLY
from app.schemas.team import TeamQuerySchema, TeamSchema
from app.team_view import read_team

blp = Blueprint("team", __name__, url_prefix="/api/v1", description="The team view")


@blp.route("/team")
@blp.arguments(TeamQuerySchema, location="query")
@blp.response(200, TeamSchema)
@blp.alt_response(403, **ADMIN_ONLY)
@documents_errors(blp)
def team(query):
    """Per rep and audience over a window (default: this quarter on the workspace's clock):
    value posts, asks, cadence slots filled and open, the next open slot, the earliest allowed
    ask, asks the rules refused and contacts by stage; with per-rep totals and who needs help
    (admins only). Deactivated reps appear only while they own posts in the window."""
    return read_team(query.get("start"), query.get("end"))
