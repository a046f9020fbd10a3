"""Contacts: each person's place on the way to a fair one-to-one ask, and the forms that move it.

The pages call the same domain functions and schemas as ``/api/v1/contacts``, so a refusal here
is the API's refusal, told in the rep's words (``explain.person_sentences``) on the audience's
wall clock, with everything typed kept in the form.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from flask import abort, flash, redirect, render_template, request, url_for
from markupsafe import Markup
from marshmallow import ValidationError

from app.db import session
from app.downloads import csv_download
from app.principal import owner_scope, principal
from app.schemas.contacts import (
    ConnectionRequestSchema,
    ContactSchema,
    DirectAskSchema,
    TouchSchema,
)
from app.web import once
from app.web.blueprint import blp
from app.web.formatting import fenced, form_moment, isolated, sentence
from app.web.forms import clean, field_errors, typed
from app.web.post_forms import explain_person, explain_rule, saved_notice
from app.web.reps import OWNER_FIELD, chosen_owner, owner_choices, viewed_rep
from core.db import MAX_ROW_ID, utcnow
from core.errors import DomainError, InvalidValue, NotFound
from schedules import audiences_db, explain, posts_db, refusals
from schedules.contacts import asks_db, contacts_db, exporting, touches_db
from schedules.contacts.relationship import STAGES
from schedules.models import DIRECT_ASK_TYPES, RELATIONSHIPS, TOUCH_KINDS, Contact, Post
from schedules.times import local

PAGE_SIZE = 100
MAX_PAGES = 100_000
LINKABLE_POSTS = dt.timedelta(days=90)  # gives this close to today can be named as a touch
STAGE_LABELS = {
    "new": "New",
    "requested": "Request sent",
    "connected": "Connected",
    "engaged": "Engaged",
    "ready_to_ask": "Ready to ask",
    "asked": "Asked",
}
STAGE_HINTS = {
    "new": "No connection request yet.",
    "requested": "Waiting for them to accept.",
    "connected": "Accepted; nothing given yet.",
    "engaged": "You have been giving; not yet enough for a fair ask.",
    "ready_to_ask": "You have given this person enough for a one-to-one ask.",
    "asked": "An ask is planned or just went out: keep giving before the next one.",
}
RELATIONSHIP_LABELS = {
    "none": "None yet",
    "met_in_person": "Met in person",
    "former_colleague": "Former colleague",
    "client": "Client",
    "alumni": "Alumni",
    "referral": "Referred to me",
}
TOUCH_LABELS = {
    "commented": "Commented on their post",
    "shared_article": "Shared an article with them",
    "congratulated": "Congratulated them",
    "introduced": "Introduced them to someone",
    "helped": "Helped them",
    "met": "Met them",
}
CONTACT_FIELDS = (
    "name", "profile_url", "email", "audience_id", "company", "title", "relationship", "notes"
)  # fmt: skip
ASK_FIELDS = ("type", "title", "body", "date", "time")
# Domain and schema field names as the inputs that set them.
TOUCH_INPUTS = {"kind": "touch_kind", "at": "touch_date", "post_id": "touch_post"}
ACCEPTANCE_INPUTS = {"accepted_at": "accepted_date"}
# A request sent days ago is recorded on its day: stamped now, it made the acceptance that
# followed it "before the request".
REQUEST_INPUTS = {"requested_at": "requested_date", "requested_time": "requested_time"}
ASK_INPUTS = {"scheduled_at": "date", "audience_id": "form"}
# Without an Owner select (reps), the contact goes to the rep viewed, and refusing that rep
# is about the whole form.
OWNER_INPUT = {"owner_id": "form"}


def _text(name: str) -> str:
    return clean(typed([name]))[name]


def _moment(date: str, time: str, time_input: str) -> str | None:
    """Local date and time as naive ISO text, which the domain reads on the contact's clock."""
    if date and not time:
        raise InvalidValue(time_input, "Pick a time as well as a date.")
    return f"{date}T{time}" if date else None


def _now_inputs(contact: Contact) -> dict[str, str]:
    now = local(utcnow(), contacts_db.zone_of(contact))
    return {"date": f"{now:%Y-%m-%d}", "time": f"{now:%H:%M}"}


def _explain_next_ask(standing: contacts_db.Standing, audience: bool = True) -> list[Markup]:
    """What an ask now still needs: the person's conditions, then the audience rule's when it
    refuses too (``audience=False`` where the page shows the audience's meter already). While
    an ask is on its way (``asked``) the next one is not the rep's concern yet: keep giving."""
    zone = contacts_db.zone_of(standing.contact)
    found = explain.person_sentences(
        standing.conditions(), standing.contact, standing.policy, zone, typed=fenced
    )
    if audience and standing.stage != "asked" and standing.audience_rule() is not None:
        name = standing.contact.audience.name if standing.contact.audience else ""
        found.append(explain.audience_sentence(name, standing.audience_ratio, zone, typed=fenced))
    return [isolated(s) for s in found]


# ---------------------------------------------------------------- the list


@blp.get("/contacts")
def contacts_page():
    workspace_id = principal().workspace_id
    stage = request.args.get("stage") or None
    if stage not in (None, *STAGES):
        abort(400, "There is no such stage.")
    audience_id = request.args.get("audience", type=int)
    if audience_id is not None and not 1 <= audience_id <= MAX_ROW_ID:
        raise NotFound("No such audience.")  # beyond any row, and beyond the driver's INTEGER
    page = min(max(1, request.args.get("page", 1, type=int)), MAX_PAGES)
    found, total = contacts_db.list_contacts(
        session(),
        workspace_id,
        audience_id=audience_id,
        stage=stage,
        owner_id=viewed_rep(),
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    return render_template(
        "web/contacts.html",
        rows=[(s, _explain_next_ask(s)) for s in found],
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        stage=stage,
        audience_id=audience_id,
        audiences=audiences_db.list_audiences(session(), workspace_id),
        stages=STAGE_LABELS,
    )


@blp.get("/contacts/export.csv")
def export_contacts():
    """The viewed rep's contacts, every one, as the API exports them: the import reads the file
    back."""
    rows = contacts_db.contact_rows(session(), principal().workspace_id, viewed_rep())
    return csv_download(exporting.contacts_csv(rows), "value-planner-contacts")


# ---------------------------------------------------------------- add and edit


def _contact_fields() -> dict:
    """The form as the API's contact fields, validated by the same schema as the API."""
    values = {name: _text(name) for name in CONTACT_FIELDS}
    return ContactSchema().load(
        {
            **values,
            "profile_url": values["profile_url"] or None,
            "email": values["email"] or None,
            "audience_id": values["audience_id"] or None,
            "decision_maker": request.form.get("decision_maker") == "on",
        }
    )


def _contact_form(contact: Contact | None, values: Mapping[str, object], errors=None):
    page = render_template(
        "web/contact_form.html",
        contact=contact,
        values=values,
        errors=errors or {},
        audiences=audiences_db.list_audiences(session(), principal().workspace_id),
        relationships=[(r, RELATIONSHIP_LABELS[r]) for r in RELATIONSHIPS],
        owners=owner_choices(),
    )
    return page, 422 if errors else 200


def _save_contact(contact: Contact | None, change):
    """Run ``change`` (fields, owner id -> contact) and commit, or show the form with why."""
    values = {**request.form, "decision_maker": request.form.get("decision_maker") == "on"}
    default_owner = contact.owner_id if contact else viewed_rep()
    try:
        saved = change(_contact_fields(), chosen_owner(typed([OWNER_FIELD]), default_owner))
        session().commit()
    except (ValidationError, InvalidValue) as error:
        session().rollback()
        inputs = None if owner_choices() else OWNER_INPUT
        return _contact_form(contact, values, field_errors(error, inputs))
    except DomainError as error:  # a profile URL already in use
        session().rollback()
        named = error.extra.get("errors") or [{"field": "form", "message": error.detail}]
        return _contact_form(contact, values, {named[0]["field"]: error.detail})
    flash(sentence("Saved {name}.", name=saved.name))
    return redirect(url_for("web.contact", contact_id=saved.id), 303)


@blp.route("/contacts/new", methods=["GET", "POST"])
@once.per_form
def new_contact():
    workspace_id = principal().workspace_id
    if request.method == "GET":
        values = {
            "relationship": "none",
            "audience_id": request.args.get("audience", ""),
            OWNER_FIELD: str(viewed_rep()),
        }
        return _contact_form(None, values)
    return _save_contact(
        None,
        lambda fields, owner: contacts_db.create_contact(session(), workspace_id, fields, owner),
    )


@blp.route("/contacts/<int:contact_id>/edit", methods=["GET", "POST"])
def edit_contact(contact_id: int):
    workspace_id = principal().workspace_id
    contact = contacts_db.get_contact(session(), workspace_id, contact_id, owner_scope())
    if request.method == "GET":
        values = {name: getattr(contact, name) or "" for name in CONTACT_FIELDS}
        values[OWNER_FIELD] = str(contact.owner_id)
        return _contact_form(contact, {**values, "decision_maker": contact.decision_maker})
    return _save_contact(
        contact,
        # Handing the person to another rep follows the API's rule: refused, with the reason
        # beside the Owner select, while a one-to-one ask of theirs is scheduled.
        lambda fields, owner: contacts_db.update_contact(
            session(), workspace_id, contact_id, {**fields, "owner_id": owner}
        ),
    )


# ---------------------------------------------------------------- one contact


def _contact_page(contact: Contact, values: Mapping[str, str] | None = None, errors=None):
    """The contact with its forms; ``values`` and ``errors`` refill the form that was refused."""
    db, workspace_id = session(), principal().workspace_id
    standing = contacts_db.standing(db, contact)
    now = _now_inputs(contact)
    filled = {
        "note": contact.request_note or "",
        "requested_date": "",
        "requested_time": "",
        "accepted_date": now["date"],
        "accepted_time": now["time"],
        "touch_kind": TOUCH_KINDS[0],
        "touch_date": now["date"],
        "touch_time": now["time"],
        "touch_post": "",
        **(values or {}),
    }
    linkable: list[Post] = []
    if contact.audience_id is not None:
        today = utcnow()
        linkable, _ = posts_db.list_posts(
            db,
            workspace_id,
            contact.audience_id,
            kind="give",
            start=today - LINKABLE_POSTS,
            end=today + LINKABLE_POSTS,
            owner_id=contact.owner_id,
        )
    touches = touches_db.list_touches(db, workspace_id, contact.id)
    page = render_template(
        "web/contact.html",
        contact=contact,
        standing=standing,
        next_ask=_explain_next_ask(standing),
        timezone=contacts_db.zone_of(contact),
        touches=touches,
        touch_posts={t.post_id: db.get(Post, t.post_id) for t in touches if t.post_id},
        asks=asks_db.list_asks(db, workspace_id, contact.id),
        linkable=linkable,
        values=filled,
        errors=errors or {},
        stages=STAGE_LABELS,
        stage_hints=STAGE_HINTS,
        relationships=RELATIONSHIP_LABELS,
        touch_labels=TOUCH_LABELS,
    )
    return page, 422 if errors else 200


@blp.get("/contacts/<int:contact_id>")
def contact(contact_id: int):
    contact = contacts_db.get_contact(
        session(), principal().workspace_id, contact_id, owner_scope()
    )
    return _contact_page(contact)


def _record(contact_id: int, inputs: Mapping[str, str], change, done: str):
    """Run ``change`` on the contact and commit, or show its page again with the reason."""
    workspace_id = principal().workspace_id
    contact = contacts_db.get_contact(session(), workspace_id, contact_id, owner_scope())
    values = typed(inputs.values())
    try:
        change(workspace_id, contact)
        session().commit()
    except (ValidationError, InvalidValue) as error:
        session().rollback()
        return _contact_page(contact, values, field_errors(error, inputs))
    except DomainError as error:
        session().rollback()
        first = next(iter(inputs.values()))
        return _contact_page(contact, values, {first: error.detail})
    flash(sentence(done, name=contact.name))
    return redirect(url_for("web.contact", contact_id=contact_id), 303)


@blp.post("/contacts/<int:contact_id>/connection-request")
def request_connection(contact_id: int):
    def change(workspace_id: int, contact: Contact) -> None:
        note = ConnectionRequestSchema().load({"note": _text("note")})["note"]
        # Minutes, like every date the pages show, so an acceptance recorded in the same
        # minute is not "before the request".
        sent = _moment(_text("requested_date"), _text("requested_time"), "requested_time")
        if sent is None:  # sent just now
            sent = (
                local(utcnow(), contacts_db.zone_of(contact))
                .replace(second=0, microsecond=0, tzinfo=None)
                .isoformat()
            )
        contacts_db.record_connection_request(session(), workspace_id, contact.id, note, sent)

    inputs = {"note": "note", **REQUEST_INPUTS}
    return _record(contact_id, inputs, change, "Recorded your request to {name}.")


@blp.post("/contacts/<int:contact_id>/acceptance")
def record_acceptance(contact_id: int):
    def change(workspace_id: int, contact: Contact) -> None:
        accepted = _moment(_text("accepted_date"), _text("accepted_time"), "accepted_time")
        if accepted is None:
            raise InvalidValue("accepted_at", "Pick the date they accepted.")
        contacts_db.update_contact(session(), workspace_id, contact.id, {"accepted_at": accepted})

    inputs = {**ACCEPTANCE_INPUTS, "accepted_time": "accepted_time"}
    return _record(contact_id, inputs, change, "{name} accepted: now give before you ask.")


@blp.post("/contacts/<int:contact_id>/touches")
@once.per_form
def add_touch(contact_id: int):
    def change(workspace_id: int, contact: Contact) -> None:
        at = _moment(_text("touch_date"), _text("touch_time"), "touch_time")
        fields = {"kind": _text("touch_kind"), "post_id": _text("touch_post") or None}
        if at is not None:  # left out, the linked post's time is the touch's
            fields["at"] = at
        touches_db.add_touch(session(), workspace_id, contact.id, TouchSchema().load(fields))

    inputs = {**TOUCH_INPUTS, "touch_time": "touch_time"}
    return _record(contact_id, inputs, change, "Recorded a touch for {name}.")


# ---------------------------------------------------------------- one-to-one ask


def _ask_fields(values: Mapping[str, str]) -> dict:
    if not values["date"]:  # in words, not the schema's "Missing data for required field."
        raise InvalidValue("scheduled_at", "Pick the date and time to send it.")
    found = {
        "type": values["type"],
        "scheduled_at": _moment(values["date"], values["time"], "time"),
        "body": values["body"] or None,
    }
    if values["title"]:  # left out, the domain names it after the type and the person
        found["title"] = values["title"]
    return DirectAskSchema().load({k: v for k, v in found.items() if v is not None})


def _why(error: DomainError, contact: Contact) -> list[str]:
    """Every reason, the person's first, then the audience rule's when it refuses too."""
    audience = contact.audience
    if isinstance(error, refusals.RuleViolation):
        return explain_rule(error, audience, None)
    conditions = error.extra["conditions"]
    at = next((c["scheduled_at"] for c in conditions if c["post_id"] is None), None)
    why = explain_person(error, audience, at)  # the guard names this contact only
    if error.audience_refusal is not None:
        why += explain_rule(error.audience_refusal, audience, None)
    return why


def _earliest_direct_ask(standing: contacts_db.Standing) -> tuple[str, str]:
    """The first time both the person's guard and the audience rule allow, on the audience's
    clock; blanks when only more giving (or an acceptance) would help."""
    if standing.earliest_ask_at is None:
        return "", ""
    return form_moment(standing.earliest_ask_at, contacts_db.zone_of(standing.contact))


def _ask_form(
    contact: Contact,
    values: Mapping[str, str],
    errors=None,
    why=None,
    standing: contacts_db.Standing | None = None,
):
    standing = standing or contacts_db.standing(session(), contact)
    page = render_template(
        "web/contact_ask.html",
        # The audience's meter and what the person still needs, so the date is chosen knowingly.
        ratio=standing.audience_ratio,
        person=_explain_next_ask(standing, audience=False),
        contact=contact,
        values=values,
        errors=errors or {},
        why=why or [],
        types=DIRECT_ASK_TYPES,
    )
    return page, 422 if errors or why else 200


@blp.route("/contacts/<int:contact_id>/asks/new", methods=["GET", "POST"])
@once.per_form
def new_ask(contact_id: int):
    workspace_id = principal().workspace_id
    contact = contacts_db.get_contact(session(), workspace_id, contact_id, owner_scope())
    if request.method == "GET":
        values = dict.fromkeys(ASK_FIELDS, "")
        standing = contacts_db.standing(session(), contact)
        date, time = _earliest_direct_ask(standing)
        return _ask_form(
            contact,
            {**values, "type": DIRECT_ASK_TYPES[0], "date": date, "time": time},
            standing=standing,
        )
    values = typed(ASK_FIELDS)
    try:
        fields = _ask_fields(clean(values))
        post = asks_db.create_ask(session(), workspace_id, contact_id, fields)
        session().commit()
    except (ValidationError, InvalidValue) as error:
        session().rollback()
        return _ask_form(contact, values, field_errors(error, ASK_INPUTS))
    except (refusals.RelationshipViolation, refusals.RuleViolation) as error:
        session().rollback()
        return _ask_form(contact, values, why=_why(error, contact))
    except DomainError as error:  # the contact moved to another audience meanwhile
        session().rollback()
        return _ask_form(contact, values, {"form": error.detail})
    flash(saved_notice(post, contacts_db.zone_of(contact)))
    return redirect(url_for("web.contact", contact_id=contact_id), 303)
