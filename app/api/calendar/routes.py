"""Calendars as ICS: per audience, for the whole workspace, and as secret subscription URLs."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView

from app.api.spec import Blueprint, documents_errors
from app.db import session
from app.ics import export, subscription_url, team_subscription
from app.principal import owner_filter, principal, require_admin
from app.schemas.calendar import CalendarQuerySchema, SubscriptionSchema, WorkspaceSchema
from app.schemas.common import OwnerQuerySchema
from core import accounts_db
from core import models as core_models
from schedules import subscriptions_db
from schedules import utm as utm_tagging

blp = Blueprint("calendar", __name__, description="Calendars and workspace settings")


ICS_RESPONSE = {
    "200": {
        "description": "An RFC 5545 calendar",
        "content": {"text/calendar": {"schema": {"type": "string"}}},
        "headers": {"ETag": {"schema": {"type": "string"}}},
    },
    "304": {
        "description": "Not modified since the ETag sent in If-None-Match, compared weakly: "
        'W/"<etag>" matches too. If-Modified-Since is ignored.'
    },
}


@blp.route("/api/v1/audiences/<int:audience_id>/calendar.ics")
@blp.arguments(CalendarQuerySchema, location="query")
@blp.doc(responses=ICS_RESPONSE)
@documents_errors(blp, 404)
def audience_calendar(query, audience_id):
    """Your posting calendar for one audience (admins: ``owner``'s, or the team's)."""
    owner_id = owner_filter(query.get("owner"), "calendar")
    return export(principal().workspace_id, [audience_id], query, owner_id)


@blp.route("/api/v1/calendar.ics")
@blp.arguments(CalendarQuerySchema, location="query")
@blp.doc(responses=ICS_RESPONSE)
@documents_errors(blp)
def workspace_calendar(query):
    """Your posts for every audience of the workspace in one calendar (admins: ``owner``'s,
    or the team's)."""
    owner_id = owner_filter(query.get("owner"), "calendar")
    return export(principal().workspace_id, None, query, owner_id)


@blp.route("/api/v1/calendar/subscription")
class Subscription(MethodView):
    @blp.arguments(OwnerQuerySchema, location="query")
    @blp.response(200, SubscriptionSchema)
    @documents_errors(blp)
    def get(self, query):
        """The caller's secret calendar address (admins, ``owner=all``: the team's), if one
        was created."""
        team = team_subscription(query.get("owner"))
        user = session().get(core_models.User, principal().user_id)
        return {"url": subscription_url(user, team=team)}

    @blp.arguments(OwnerQuerySchema, location="query")
    @blp.created(SubscriptionSchema, "calendar.Subscription", query=("owner",))
    @documents_errors(blp)
    def post(self, query):
        """Create the secret address, or rotate it: the previous one answers 404 at once. The
        team's (``owner=all``) rotates on its own."""
        team = team_subscription(query.get("owner"))
        user = subscriptions_db.rotate_subscription(session(), principal().user_id, team=team)
        session().commit()
        return {"url": subscription_url(user, team=team)}

    @blp.arguments(OwnerQuerySchema, location="query")
    @blp.response(204)
    @documents_errors(blp)
    def delete(self, query):
        """Turn the secret address off (``owner=all``: the team's)."""
        team = team_subscription(query.get("owner"))
        subscriptions_db.revoke_subscription(session(), principal().user_id, team=team)
        session().commit()


@blp.route("/ics/<token>.ics")
@blp.doc(security=[], responses=ICS_RESPONSE)
@blp.alt_response(404, response="NOT_FOUND")
def subscribed_calendar(token):
    """A rep's own calendar for calendar apps, or the team's for an admin who subscribed to it:
    the secret in the address is the credential."""
    user, team = subscriptions_db.subscribed(session(), token, current_app.config["SECRET_KEY"])
    query = {"include_drafts": False, "include_gaps": False}
    return export(user.workspace_id, None, query, None if team else user.id)


@blp.route("/api/v1/workspace")
class WorkspaceSettings(MethodView):
    @blp.response(200, WorkspaceSchema)
    @documents_errors(blp)
    def get(self):
        """The caller's workspace and its weekly connecting hour."""
        return _dump(session().get(core_models.Workspace, principal().workspace_id))

    @blp.arguments(WorkspaceSchema(partial=True))
    @blp.response(200, WorkspaceSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @documents_errors(blp, 413)
    def patch(self, data):
        """Change the workspace time zone, connecting hour or default UTM tagging (admins
        only)."""
        require_admin("change workspace settings")
        utm = data.get("utm", ...)
        workspace = accounts_db.update_workspace(
            session(),
            principal().workspace_id,
            data.get("timezone"),
            data.get("connecting_hour"),
            utm=utm if utm is ... else utm_tagging.stored(utm),
        )
        session().commit()
        return _dump(workspace)


def _dump(workspace: core_models.Workspace) -> dict:
    hour = {key: getattr(workspace, c) for key, c in core_models.CONNECTING_HOUR_COLUMNS.items()}
    return {
        "id": workspace.id,
        "name": workspace.name,
        "timezone": workspace.timezone,
        "connecting_hour": hour,
        "utm": utm_tagging.settings_from(workspace.utm).to_dict(),
    }
