"""Calendar downloads and the secret subscription address, for reps who live in their calendar."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from marshmallow import ValidationError

from app.db import session
from app.downloads import attachment
from app.ics import export, subscription_url, team_subscription
from app.principal import owner_filter, principal
from app.schemas.calendar import CalendarQuerySchema
from app.schemas.common import OwnerQuerySchema
from app.web.blueprint import blp
from app.web.reps import REP_ARG, rep_choices, viewed_rep
from core.accounts_db import ALL_REPS
from core.errors import InvalidValue
from core.models import User
from schedules import audiences_db, subscriptions_db


def _download(refs: list[int] | None, filename: str):
    """The viewed rep's calendar by default; ``owner`` (admins) names a rep or ``all``."""
    try:
        args = {k: v for k, v in request.args.items() if k != REP_ARG}  # rep: viewed_rep's
        query = CalendarQuerySchema().load(args)
        owner_id = owner_filter(query.get("owner", viewed_rep()), "calendar")
        response = export(principal().workspace_id, refs, query, owner_id)
    except (ValidationError, InvalidValue):
        abort(400, "Those calendar options are not valid.")
    return attachment(response, filename, "ics", default="calendar")


@blp.get("/calendar")
def calendar_page():
    me = principal()
    viewed_rep()  # an admin may look at a rep's downloads (?rep=)
    user = session().get(User, me.user_id)
    team_url = subscription_url(user, team=True) if me.is_admin else None
    return render_template(
        "web/calendar.html",
        audiences=audiences_db.list_audiences(session(), me.workspace_id),
        subscription=subscription_url(user),
        team_subscription=team_url,
        # An admin of a team of more than themselves: the team's calendar is worth offering
        # (and while they subscribe to it, so they can turn it off).
        team=ALL_REPS if me.is_admin and (len(rep_choices()) > 1 or team_url) else None,
    )


@blp.get("/calendar/value-planner.ics")
def download_all():
    return _download(None, "value-planner")


@blp.get("/audiences/<int:audience_id>/calendar.ics")
def download_audience(audience_id: int):
    audience = audiences_db.get_audience(session(), principal().workspace_id, audience_id)
    return _download([audience_id], audience.name)


@blp.post("/calendar/subscription")
def rotate_subscription():
    team = _team()
    had = subscription_url(session().get(User, principal().user_id), team=team) is not None
    subscriptions_db.rotate_subscription(session(), principal().user_id, team=team)
    session().commit()
    flash(
        f"New {_whose(team)} link ready; the old one no longer works."
        if had
        else f"{_whose(team).capitalize()} link ready: paste it into your calendar app."
    )
    return redirect(url_for("web.calendar_page"), 303)


@blp.post("/calendar/subscription/off")
def revoke_subscription():
    team = _team()
    subscriptions_db.revoke_subscription(session(), principal().user_id, team=team)
    session().commit()
    flash(f"{_whose(team).capitalize()} link turned off.")
    return redirect(url_for("web.calendar_page"), 303)


def _team() -> bool:
    """Whether a form is about the team's subscription (``?owner=all``, admins) or the
    caller's own."""
    try:
        return team_subscription(OwnerQuerySchema().load(request.args).get("owner"))
    except (ValidationError, InvalidValue):
        abort(400, "Those subscription options are not valid.")


def _whose(team: bool) -> str:
    return "team subscription" if team else "subscription"
