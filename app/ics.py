"""Calendar answers shared by the API and the pages: the conditional ICS export and the
secret subscription address."""

from __future__ import annotations

from flask import Flask, Response, current_app, request, url_for

from app.db import session
from app.principal import owner_filter, principal
from core import models as core_models
from core.db import utcnow
from core.errors import InvalidValue
from schedules import calendar_db, subscriptions_db, times


def init_app(app: Flask) -> None:
    """PLANNER_ICS_CACHE_MIB, split evenly: rendered calendars answer polls of an unchanged
    calendar; rendered events make the calendar after a change cheap to assemble."""
    half = app.config["ICS_CACHE_MIB"] * 2**20 // 2
    app.extensions["planner_calendars"] = calendar_db.RenderCache(half)
    app.extensions["planner_calendar_events"] = calendar_db.EventCache(half)


def export(
    workspace_id: int, refs: list[int] | None, query: dict, owner_id: int | None
) -> Response:
    """One rep's calendar (None: the team's). Answer 304 from the calendar's version alone,
    and a 200 from the process's rendered calendars when this version was rendered before:
    posts are loaded only for a new one."""
    db = session()
    audiences = calendar_db.audiences_for_export(db, workspace_id, refs)
    zone = audiences[0].timezone if len(audiences) == 1 else "UTC"
    options = calendar_db.ExportOptions(
        start=times.parse_when("from", query.get("start"), zone),
        end=times.parse_when("to", query.get("end"), zone),
        include_drafts=query["include_drafts"],
        include_gaps=query["include_gaps"],
        owner_id=owner_id,
    )
    now = utcnow()
    version = calendar_db.version(db, workspace_id, audiences, options, now)
    # Weak comparison (RFC 9110 13.1.2): a proxy that compresses turns the ETag into W/"...".
    if request.if_none_match.contains_weak(version.fingerprint):
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


def subscription_url(user: core_models.User, *, team: bool = False) -> str | None:
    token = subscriptions_db.subscription_token(user, current_app.config["SECRET_KEY"], team=team)
    return url_for("calendar.subscribed_calendar", token=token, _external=True) if token else None


def team_subscription(owner: int | str | None) -> bool:
    """Whether a request means the team's subscription (admins, ``all``) or the caller's own;
    one rep's calendar is theirs to subscribe to, not an admin's."""
    owner_id = owner_filter(owner, "calendar")
    if owner_id not in (None, principal().user_id):
        raise InvalidValue(
            "owner",
            "A subscription holds your own posts or the team's (all): "
            "download one rep's calendar instead.",
        )
    return owner_id is None
