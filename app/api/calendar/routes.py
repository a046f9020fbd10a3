"""Calendars as ICS: per audience, for the whole workspace, and as secret subscription URLs."""

from __future__ import annotations

from flask import Response, current_app, request, url_for
from flask.views import MethodView

from app.api import Blueprint, documents_errors
from app.api.calendar.schemas import CalendarQuerySchema, SubscriptionSchema, WorkspaceSchema
from app.api.common import principal
from app.db import session
from core import accounts
from core.db import utcnow
from core.errors import Forbidden
from schedules import calendar_db, subscriptions_db, times

blp = Blueprint("calendar", __name__, description="Calendars and workspace settings")


@blp.record_once
def _render_caches(state) -> None:
    """PLANNER_ICS_CACHE_MIB, split evenly: rendered calendars answer polls of an unchanged
    calendar; rendered events make the calendar after a change cheap to assemble."""
    half = state.app.config["ICS_CACHE_MIB"] * 2**20 // 2
    state.app.extensions["planner_calendars"] = calendar_db.RenderCache(half)
    state.app.extensions["planner_calendar_events"] = calendar_db.EventCache(half)


ICS_RESPONSE = {
    "200": {
        "description": "An RFC 5545 calendar",
        "content": {"text/calendar": {"schema": {"type": "string"}}},
        "headers": {"ETag": {"schema": {"type": "string"}}},
    },
    "304": {"description": "Not modified since the ETag sent in If-None-Match"},
}


def export(workspace_id: int, refs: list[int] | None, query: dict) -> Response:
    """Answer 304 from the calendar's version alone, and a 200 from the process's rendered
    calendars when this version was rendered before: posts are loaded only for a new one."""
    db = session()
    audiences = calendar_db.audiences_for_export(db, workspace_id, refs)
    zone = audiences[0].timezone if len(audiences) == 1 else "UTC"
    options = calendar_db.ExportOptions(
        start=times.parse_when("from", query.get("start"), zone),
        end=times.parse_when("to", query.get("end"), zone),
        include_drafts=query["include_drafts"],
        include_gaps=query["include_gaps"],
    )
    now = utcnow()
    version = calendar_db.version(db, workspace_id, audiences, options, now)
    if request.if_none_match.contains(version.fingerprint):
        response = Response(status=304)
    else:
        events = current_app.extensions["planner_calendar_events"]
        body = current_app.extensions["planner_calendars"].get(
            version.fingerprint,
            lambda: calendar_db.build(db, workspace_id, audiences, options, now, events).render(
                now
            ),
        )
        response = Response(body, mimetype="text/calendar")
        response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.set_etag(version.fingerprint)
    response.last_modified = version.last_modified
    response.cache_control.private = True
    response.cache_control.max_age = 0
    return response


@blp.route("/api/v1/audiences/<int:audience_id>/calendar.ics")
@blp.arguments(CalendarQuerySchema, location="query")
@blp.doc(responses=ICS_RESPONSE)
@documents_errors(blp, 404)
def audience_calendar(query, audience_id):
    """One audience's posting calendar."""
    return export(principal().workspace_id, [audience_id], query)


@blp.route("/api/v1/calendar.ics")
@blp.arguments(CalendarQuerySchema, location="query")
@blp.doc(responses=ICS_RESPONSE)
@documents_errors(blp)
def workspace_calendar(query):
    """Every audience of the caller's workspace in one calendar."""
    return export(principal().workspace_id, None, query)


def subscription_url(user: accounts.User) -> str | None:
    token = subscriptions_db.subscription_token(user, current_app.config["SECRET_KEY"])
    return url_for("calendar.subscribed_calendar", token=token, _external=True) if token else None


@blp.route("/api/v1/calendar/subscription")
class Subscription(MethodView):
    @blp.response(200, SubscriptionSchema)
    @documents_errors(blp)
    def get(self):
        """The caller's secret calendar address, if one was created."""
        return {"url": subscription_url(session().get(accounts.User, principal().user_id))}

    @blp.response(201, SubscriptionSchema)
    @documents_errors(blp)
    def post(self):
        """Create the secret address, or rotate it: the previous one answers 404 at once."""
        user = subscriptions_db.rotate_subscription(session(), principal().user_id)
        session().commit()
        return {"url": subscription_url(user)}

    @blp.response(204)
    @documents_errors(blp)
    def delete(self):
        """Turn the secret address off."""
        subscriptions_db.revoke_subscription(session(), principal().user_id)
        session().commit()


@blp.route("/ics/<token>.ics")
@blp.doc(security=[], responses=ICS_RESPONSE)
@blp.alt_response(404, response="NOT_FOUND")
def subscribed_calendar(token):
    """A user's calendar for calendar apps: the secret in the address is the credential."""
    user = subscriptions_db.user_for_subscription(
        session(), token, current_app.config["SECRET_KEY"]
    )
    query = {"include_drafts": False, "include_gaps": False}
    return export(user.workspace_id, None, query)


@blp.route("/api/v1/workspace")
class WorkspaceSettings(MethodView):
    @blp.response(200, WorkspaceSchema)
    @documents_errors(blp)
    def get(self):
        """The caller's workspace and its weekly connecting hour."""
        return _dump(session().get(accounts.Workspace, principal().workspace_id))

    @blp.arguments(WorkspaceSchema(partial=True))
    @blp.response(200, WorkspaceSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @documents_errors(blp, 413)
    def patch(self, data):
        """Change the workspace time zone or connecting hour (admins only)."""
        if principal().role != "admin":
            raise Forbidden("Only a workspace admin can change workspace settings.")
        workspace = accounts.update_workspace(
            session(), principal().workspace_id, data.get("timezone"), data.get("connecting_hour")
        )
        session().commit()
        return _dump(workspace)


def _dump(workspace: accounts.Workspace) -> dict:
    hour = {key: getattr(workspace, c) for key, c in accounts.CONNECTING_HOUR_COLUMNS.items()}
    return {
        "id": workspace.id,
        "name": workspace.name,
        "timezone": workspace.timezone,
        "connecting_hour": hour,
    }
