"""Signing in and out, the home page, audience calendars and workspace settings."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from zoneinfo import ZoneInfo

from flask import Response, flash, redirect, render_template, request, url_for
from marshmallow import ValidationError

from app.db import session
from app.principal import principal
from app.schemas.calendar import WorkspaceSchema
from app.web import months, security
from app.web.blueprint import blp
from app.web.forms import field_errors
from app.web.reps import viewed_rep
from core import accounts_db, passwords_db
from core import models as core_models
from core.db import utcnow
from core.errors import DomainError, Forbidden, InvalidValue
from schedules import audiences_db, posts_db, rule, slots_db, timeline_db
from schedules.models import Audience

SETTINGS_INPUTS = {
    "connecting_hour.enabled": "connect_enabled",
    "connecting_hour.weekday": "connect_weekday",
    "connecting_hour.time": "connect_time",
    "connecting_hour.duration_minutes": "connect_minutes",
}
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@blp.route("/signin", methods=["GET", "POST"])
def sign_in():
    target = security.safe_next(request.args.get("next")) or url_for("web.home")
    if request.method == "GET":
        if security.session_principal() is not None:
            return redirect(target, 303)
        return render_template("web/sign_in.html", email="")
    email = request.form.get("email", "").strip()
    wait = security.signin_retry_after(email)
    if wait is not None:
        message = f"Too many failed sign-ins. Wait {wait} seconds, then try again."
        page = render_template("web/sign_in.html", email=email, error=message)
        return security.with_retry_after(Response(page, 429), wait)
    found = passwords_db.authenticate(session(), email, request.form.get("password", ""))
    if found is None:
        security.record_signin_failure(email)
        message = "That email and password do not match an account."
        return render_template("web/sign_in.html", email=email, error=message), 422
    security.start_session(found)
    session().commit()  # an outdated hash may have been upgraded
    return redirect(target, 303)


@blp.post("/signout")
def sign_out():
    security.end_session(principal())
    session().commit()
    flash("You are signed out.")
    return redirect(url_for("web.sign_in"), 303)


# ---------------------------------------------------------------- home


@dataclass(frozen=True)
class Standing:
    audience: Audience
    ratio: rule.Ratio
    next_open_slot: dt.datetime | None
    overdue: list


@blp.get("/")
def home():
    now, rep = utcnow(), viewed_rep()
    standings = [
        Standing(
            audience,
            timeline_db.ratio(session(), audience, rep, now),
            slots_db.next_open_slot(session(), audience, rep, now),
            posts_db.overdue_posts(session(), audience.id, rep, now),
        )
        for audience in audiences_db.list_audiences(session(), principal().workspace_id)
    ]
    return render_template("web/home.html", standings=standings)


# ---------------------------------------------------------------- audience calendar


@blp.get("/audiences/<int:audience_id>")
def audience(audience_id: int):
    db, workspace_id, rep = session(), principal().workspace_id, viewed_rep()
    found = audiences_db.get_audience(db, workspace_id, audience_id)
    now = utcnow()
    today = now.astimezone(ZoneInfo(found.timezone)).date()
    span = months.period(request.args.get("view", "month"), request.args.get("start"), today)
    start, end = span.utc_bounds(found.timezone)
    posts, _ = posts_db.list_posts(
        db, workspace_id, audience_id, start=start, end=end, owner_id=rep, limit=1000
    )
    filled = slots_db.slots(db, found, rep, start, end)
    open_slots = [s for s, p in filled if p is None and s >= now]
    drafts, _ = posts_db.list_posts(db, workspace_id, audience_id, status="draft", owner_id=rep)
    return render_template(
        "web/audience.html",
        audience=found,
        span=span,
        today=today,
        weeks=months.weeks(span, found.timezone, posts, open_slots),
        undated=[d for d in drafts if d.scheduled_at is None],
        ratio=timeline_db.ratio(db, found, rep, now),
    )


# ---------------------------------------------------------------- workspace settings


@cache
def timezones() -> list[str]:
    return sorted(accounts_db.known_timezones())


@blp.route("/settings", methods=["GET", "POST"])
def settings():
    me = principal()
    workspace = session().get(core_models.Workspace, me.workspace_id)
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        try:
            if me.role != "admin":
                raise Forbidden("Only a workspace admin can change these settings.")
            data = WorkspaceSchema(partial=True).load(_settings_form())
            accounts_db.update_workspace(
                session(), me.workspace_id, data.get("timezone"), data.get("connecting_hour")
            )
            session().commit()
            flash("Settings saved.")
            return redirect(url_for("web.settings"), 303)
        except (ValidationError, InvalidValue) as error:
            errors, status = field_errors(error, SETTINGS_INPUTS), 422
        except DomainError as error:
            # A rep's change is a 403 with the page read only, as the audience forms answer.
            errors, status = {"form": error.detail}, 403 if error.status == 403 else 422
        session().rollback()
    page = render_template(
        "web/settings.html",
        workspace=workspace,
        form=request.form if errors else None,
        errors=errors,
        timezones=timezones(),
        weekdays=WEEKDAYS,
        can_edit=me.role == "admin",
    )
    return page, status


def _settings_form() -> dict:
    form = request.form
    return {
        "timezone": form.get("timezone", ""),
        "connecting_hour": {
            "enabled": form.get("connect_enabled") == "on",
            "weekday": form.get("connect_weekday", ""),
            "time": form.get("connect_time", ""),
            "duration_minutes": form.get("connect_minutes", ""),
        },
    }
