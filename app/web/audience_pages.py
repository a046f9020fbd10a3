"""Audiences in the browser: a list for the team, and new, settings and delete forms for admins.

An audience is shared by the team and curated by its admins: reps see the same settings page
read only, and a rep's POST is answered with the page and who may change it. The forms are
validated by the API's own schema and domain functions, so every message is the API's, but for
a custom rule typed while How often says otherwise, which only the form can send.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from marshmallow import ValidationError

from app.db import session
from app.principal import principal
from app.schemas.audiences import AudienceSchema
from app.web import once
from app.web.blueprint import blp
from app.web.formatting import sentence
from app.web.forms import clean, field_errors, typed
from app.web.pages import WEEKDAYS, timezones
from app.web.post_forms import explain_person, explain_rule
from core import models as core_models
from core.errors import DomainError, InvalidValue
from schedules import audiences_db, refusals, rule
from schedules.cadence import DEFAULT_CADENCE, DEFAULT_DAY, parse_cadence
from schedules.cadence import WEEKDAYS as WEEKDAY_CODES
from schedules.models import Audience
from schedules.policy import resolve_policy

POLICY_NUMBERS = (
    "gives_per_ask",
    "min_days_between_asks",
    "gives_lookback_days",
    "min_days_after_connect",
    "touches_per_ask",
    "touches_lookback_days",
    "record_published_within_days",
)
CADENCE_PARTS = ("frequency", "week", "weekday", "day", "month_of_quarter", "time", "rrule")
FORM_FIELDS = (
    "name",
    "description",
    "keywords",
    "exclude_keywords",
    "timezone",
    *(f"cadence_{part}" for part in (*CADENCE_PARTS, "starts_on", "by")),
    "policy_preset",
    *(f"policy_{number}" for number in POLICY_NUMBERS),
    "half_life_days",
    "ranking",
)
CHOICES = {
    "frequencies": (
        ("monthly", "Monthly"),
        ("quarterly", "Quarterly"),
        ("custom", "Custom rule (advanced)"),
    ),
    "weeks": ((1, "First"), (2, "Second"), (3, "Third"), (4, "Fourth"), (-1, "Last")),
    "weekdays": tuple(zip(WEEKDAY_CODES, WEEKDAYS, strict=True)),
    "days": (*((day, str(day)) for day in range(1, 29)), (-1, "Last day")),
    "months_of_quarter": ((1, "First month"), (2, "Second month"), (3, "Third month")),
    "presets": (
        ("", "Your own numbers"),
        *((name, f"{name} ({gives} value posts per ask)") for name, gives in rule.PRESETS.items()),
    ),
    "rankings": (
        ("news", "News: fresh articles first"),
        ("evergreen", "Evergreen: relevance first"),
    ),
}
UNUSED_PARTS = {**DEFAULT_DAY, "day": 1, "month_of_quarter": 1}
ADMINS_ONLY = "Only a workspace admin can {} audiences: ask one of your workspace's admins."


def _listed(text: str) -> list[str]:
    """Keywords as people type them: separated by commas or lines."""
    return [term.strip() for term in text.replace("\n", ",").split(",") if term.strip()]


def _body(values: Mapping[str, str]) -> dict[str, Any]:
    """The form as the API's request body; blank numbers are left out (defaults, or kept)."""
    frequency = values["cadence_frequency"]
    cadence: dict[str, Any] = {"frequency": frequency, "time": values["cadence_time"]}
    if frequency == "custom":
        cadence["rrule"] = values["cadence_rrule"] or None
        cadence["starts_on"] = values["cadence_starts_on"] or None
    elif values["cadence_by"] == "day":
        cadence["day"] = values["cadence_day"]
    else:
        cadence.update(week=values["cadence_week"], weekday=values["cadence_weekday"])
    if frequency == "quarterly":
        cadence["month_of_quarter"] = values["cadence_month_of_quarter"]
    policy = {n: values[f"policy_{n}"] for n in POLICY_NUMBERS if values[f"policy_{n}"]}
    if values["policy_preset"]:
        # A preset names the gives per ask: the number beside it applies to your own numbers.
        policy.pop("gives_per_ask", None)
        policy["preset"] = values["policy_preset"]
    body = {
        "name": values["name"],
        "description": values["description"],
        "keywords": _listed(values["keywords"]),
        "exclude_keywords": _listed(values["exclude_keywords"]),
        "timezone": values["timezone"],
        "cadence": cadence,
        "policy": policy,
        "ranking": values["ranking"],
    }
    if values["half_life_days"]:
        body["half_life_days"] = values["half_life_days"]
    return body


def _check_custom_parts(values: Mapping[str, str], shown: Mapping[str, str]) -> None:
    """Refuse a rule or "Counting from" typed while How often is not "Custom rule": dropping it
    would save a cadence other than the one typed. A rule is checked as the API checks it first,
    so a bad one is told at once. What the page showed, untouched, is not typed: the custom
    cadence that "Monthly" or "Quarterly" replaces."""
    label = dict(CHOICES["frequencies"]).get(values["cadence_frequency"])
    if values["cadence_frequency"] == "custom" or label is None:  # the API names a bad one
        return
    typed = [p for p in ("rrule", "starts_on") if values[f"cadence_{p}"] != shown[f"cadence_{p}"]]
    if "rrule" in typed and values["cadence_rrule"]:
        parse_cadence({"rrule": values["cadence_rrule"]})
        raise InvalidValue(
            "cadence.rrule",
            f"How often says {label}: to use this rule, choose “Custom rule (advanced)” there; "
            f"to keep {label}, clear the rule.",
        )
    if "starts_on" in typed and values["cadence_starts_on"]:
        raise InvalidValue(
            "cadence.starts_on",
            "“Counting from” is for a custom rule: choose “Custom rule (advanced)” in How often, "
            "or clear it.",
        )


def _values_of(audience: Mapping[str, Any]) -> dict[str, str]:
    """The form's inputs from an audience as the API answers it (AudienceSchema's dump)."""
    cadence, policy = audience["cadence"], audience["policy"]
    values = {
        "name": audience["name"],
        "description": audience["description"] or "",
        "keywords": ", ".join(audience["keywords"]),
        "exclude_keywords": ", ".join(audience["exclude_keywords"]),
        "timezone": audience["timezone"],
        "cadence_by": "day" if cadence.get("day") is not None else "weekday",
        "policy_preset": policy["preset"] or "",
        "half_life_days": str(audience["half_life_days"]),
        "ranking": audience["ranking"],
    }
    for part in (*CADENCE_PARTS, "starts_on"):
        # The parts the other choices would use start from the defaults too.
        found = cadence.get(part, UNUSED_PARTS.get(part))
        values[f"cadence_{part}"] = "" if found is None else str(found)
    for number in POLICY_NUMBERS:
        values[f"policy_{number}"] = str(policy[number])
    return values


def _new_values() -> dict[str, str]:
    """A new audience's form: the API's defaults, on the workspace's clock."""
    workspace = session().get(core_models.Workspace, principal().workspace_id)
    policy = resolve_policy(None)
    return _values_of(
        {
            "name": "",
            "description": "",
            "keywords": [],
            "exclude_keywords": [],
            "timezone": workspace.timezone,
            "cadence": DEFAULT_CADENCE,
            "policy": {"preset": policy.pop("policy_preset"), **policy},
            "half_life_days": audiences_db.HALF_LIFE_DAYS,
            "ranking": "news",
        }
    )


def _input(field: str) -> str:
    """The input a schema or domain field is typed in (``cadence.week``: ``cadence_week``)."""
    head, _, rest = field.partition(".")
    part = rest.partition(".")[0]
    name = f"{head}_{part}" if head in ("cadence", "policy") and part else head
    return name if name in FORM_FIELDS else "form"


def _errors(error: ValidationError | InvalidValue) -> dict[str, str]:
    errors: dict[str, str] = {}
    for field, message in field_errors(error).items():
        errors.setdefault(_input(field), message)
    return errors


def _render(values, audience: Audience | None = None, errors=None, why=None, status=None):
    page = render_template(
        "web/audience_form.html",
        audience=audience,
        values=values,
        errors=errors or {},
        why=why or [],
        can_edit=principal().is_admin,
        timezones=[(zone, zone) for zone in timezones()],
        choices=CHOICES,
    )
    return page, status or (422 if errors or why else 200)


def _refused(action: str, values, audience: Audience | None = None):
    """A rep's change, answered with the page (read only) and who may make it."""
    return _render(values, audience, {"form": ADMINS_ONLY.format(action)}, status=403)


def _save(values, shown, audience: Audience | None, change):
    """Validate ``values`` (the page showed ``shown``) as the API would, run ``change`` (the
    body -> an audience) and commit; or render the form again with the values kept and each
    message by its field."""
    try:
        _check_custom_parts(clean(values), shown)
        saved = change(_body(values))
        session().commit()
    except (ValidationError, InvalidValue) as error:
        session().rollback()
        return _render(values, audience, _errors(error))
    except refusals.RuleViolation as error:
        session().rollback()
        return _render(values, audience, why=explain_rule(error, audience, None))
    except refusals.RelationshipViolation as error:
        with session().no_autoflush:
            why = explain_person(error, audience)
        session().rollback()
        return _render(values, audience, why=why)
    except DomainError as error:  # the name is taken, say
        session().rollback()
        found = error.extra.get("errors") or [{"field": "form", "message": error.detail}]
        errors = {_input(e["field"]): e["message"] for e in found}
        return _render(values, audience, errors, status=403 if error.status == 403 else 422)
    flash(sentence("Saved the audience “{name}”.", name=saved.name))
    return redirect(url_for("web.audience_settings", audience_id=saved.id), 303)


def cadence_text(cadence: Mapping[str, Any]) -> str:
    """A cadence in words: "Monthly, on the second Tuesday, at 09:00"."""
    if cadence["frequency"] == "custom":
        return f"Custom rule {cadence['rrule']}, at {cadence['time']}"
    if cadence.get("day") is not None:
        on = "the last day" if cadence["day"] == -1 else f"day {cadence['day']}"
    else:
        week = dict(CHOICES["weeks"])[cadence["week"]].lower()
        on = f"the {week} {dict(CHOICES['weekdays'])[cadence['weekday']]}"
    if cadence["frequency"] == "quarterly":
        month = dict(CHOICES["months_of_quarter"])[cadence["month_of_quarter"]].lower()
        return f"Quarterly, in the {month} of each quarter, on {on}, at {cadence['time']}"
    return f"Monthly, on {on}, at {cadence['time']}"


def policy_text(policy: Mapping[str, Any]) -> str:
    """A policy in words: "3 value posts before each ask, asks 30 days apart or more"."""
    preset = f" ({policy['preset']})" if policy["preset"] else ""
    return (
        f"{policy['gives_per_ask']} value posts before each ask{preset}, asks "
        f"{policy['min_days_between_asks']} days apart or more"
    )


# ---------------------------------------------------------------- pages


@blp.get("/audiences")
def audiences_page():
    found = audiences_db.list_audiences(session(), principal().workspace_id)
    return render_template(
        "web/audiences.html",
        audiences=AudienceSchema(many=True).dump(found),
        can_edit=principal().is_admin,
        cadence_text=cadence_text,
        policy_text=policy_text,
    )


@blp.route("/audiences/new", methods=["GET", "POST"])
@once.per_form
def new_audience():
    if not principal().is_admin:
        return _refused("create", _new_values())
    if request.method == "GET":
        return _render(_new_values())
    workspace_id = principal().workspace_id
    return _save(
        typed(FORM_FIELDS),
        _new_values(),
        None,
        lambda body: audiences_db.create_audience(
            session(), workspace_id, **AudienceSchema().load(body)
        ),
    )


@blp.route("/audiences/<int:audience_id>/settings", methods=["GET", "POST"])
def audience_settings(audience_id: int):
    workspace_id = principal().workspace_id
    audience = audiences_db.get_audience(session(), workspace_id, audience_id)
    current = _values_of(AudienceSchema().dump(audience))
    if request.method == "GET":
        return _render(current, audience)
    if not principal().is_admin:
        return _refused("change", current, audience)
    return _save(
        typed(FORM_FIELDS),
        current,
        audience,
        lambda body: audiences_db.update_audience(
            session(), workspace_id, audience_id, AudienceSchema(partial=True).load(body)
        ),
    )


@blp.route("/audiences/<int:audience_id>/delete", methods=["GET", "POST"])
def delete_audience(audience_id: int):
    """A confirmation page first; its button deletes the audience with every post on it."""
    workspace_id = principal().workspace_id
    audience = audiences_db.get_audience(session(), workspace_id, audience_id)
    error = None if principal().is_admin else ADMINS_ONLY.format("delete")
    status, why = 403 if error else 200, []
    if request.method == "POST" and error is None:
        name = audience.name
        try:
            audiences_db.delete_audience(session(), workspace_id, audience_id)
            session().commit()
        except refusals.RelationshipViolation as refused:
            # An ask on another audience relies on a touch going with it: that ask's person and
            # policy, told as its own pages tell them.
            with session().no_autoflush:
                why = explain_person(refused, None)
            session().rollback()
            status = 422
        except DomainError as refused:
            session().rollback()
            error, status = refused.detail, 403 if refused.status == 403 else 422
        else:
            flash(sentence("Deleted the audience “{name}” and its posts.", name=name))
            return redirect(url_for("web.audiences_page"), 303)
    page = render_template("web/audience_delete.html", audience=audience, error=error, why=why)
    return page, status
