"""New and edit post forms, cancel and delete, with the rule's refusals explained in the form.

A refused form is rendered again with everything the rep typed, never emptied: explaining the
rule is only useful if acting on the explanation is one change away.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping

from flask import flash, redirect, render_template, request, url_for
from markupsafe import Markup
from marshmallow import ValidationError

from app.db import session
from app.principal import owner_scope, principal
from app.schemas.posts import PostSchema
from app.web import labels, once, security
from app.web.blueprint import blp
from app.web.formatting import fenced, form_moment, isolated, sentence
from app.web.forms import field_errors
from app.web.reps import OWNER_FIELD, chosen_owner, owner_choices, viewed_rep
from app.web.sharing import share_of
from core.db import utcnow
from core.errors import DomainError, InvalidValue
from core.models import User
from schedules import audiences_db, explain, posts_db, refusals, timeline_db
from schedules.contacts import contacts_db
from schedules.models import ASK_TYPES, GIVE_TYPES, POST_TYPES, Audience, Contact, Post
from schedules.policy import person_policy
from schedules.times import local, when

FORM_FIELDS = ("kind", "type", "title", "body", "url", "date", "time", "status")
# Domain field names as the inputs that set them.
INPUTS = {"scheduled_at": "date"}
STATUS_CHOICES = (
    ("scheduled", "Scheduled"),
    ("draft", "Draft (not on the calendar yet)"),
    ("published", "Published"),
)
# Offered only on a cancelled post's form, selected, so saving an edit keeps it cancelled as the
# API's PATCH without a status does; choosing another status is the explicit restore.
CANCELLED_CHOICE = ("cancelled", "Cancelled (off the calendar)")


def _fields(values: Mapping[str, str]) -> dict:
    """The form as the API's post fields, validated by the same schema as the API."""
    for name, value in values.items():
        if "\x00" in value:  # no database column stores NUL
            raise InvalidValue(name, "NUL characters are not allowed.")
    if values["date"] and not values["time"]:
        raise InvalidValue("time", "Pick a time as well as a date.")
    return PostSchema().load(
        {
            "kind": values["kind"],
            "type": labels.type_of(values["kind"], values["type"] or "other"),
            "title": values["title"],
            "body": values["body"],
            "url": values["url"] or None,
            "status": values["status"],
            "scheduled_at": f"{values['date']}T{values['time']}" if values["date"] else None,
        }
    )


def _values_of(post: Post, timezone: str) -> dict[str, str]:
    at = local(post.scheduled_at, timezone) if post.scheduled_at else None
    return {
        "kind": post.kind,
        "type": labels.type_option(post.kind, post.type),
        "title": post.title,
        "body": post.body or "",
        "url": post.url or "",
        "date": f"{at:%Y-%m-%d}" if at else "",
        "time": f"{at:%H:%M}" if at else "",
        "status": post.status,
        OWNER_FIELD: str(post.owner_id),
    }


def _typed() -> dict[str, str]:
    return {name: request.form.get(name, "").strip() for name in (*FORM_FIELDS, OWNER_FIELD)}


def _render(
    audience: Audience, values, post: Post | None = None, errors=None, why=None, published=None
):
    status = 422 if errors or why else 200
    page = render_template(
        "web/post_form.html",
        # An ask's form shows where the audience stands, so the date is chosen knowingly.
        ratio=(
            timeline_db.ratio(session(), audience, post.owner_id if post else viewed_rep())
            if values.get("kind") == "ask"
            else None
        ),
        audience=audience,
        post=post,
        values=values,
        errors=errors or {},
        why=why or [],
        give_types=GIVE_TYPES,
        ask_types=ASK_TYPES,
        statuses=(
            (*STATUS_CHOICES, CANCELLED_CHOICE)
            if post is not None and post.status == "cancelled"
            else STATUS_CHOICES
        ),
        owners=owner_choices(),
        # The publish form's date and time as typed, kept when publishing is refused.
        published=published or {},
    )
    return page, status


def explain_rule(
    error: refusals.RuleViolation, audience: Audience, post_id: int | None
) -> list[Markup]:
    """The audience rule's refusal in sentences, names and titles isolated; the contacts' ask
    form uses it too."""
    titles = {}
    for violation in error.violations:
        other = session().get(Post, violation.post_id) if violation.post_id else None
        if other is not None:
            titles[other.id] = other.title
    found = explain.rule_sentences(
        error.violations, audience.name, audience.timezone, post_id, titles, typed=fenced
    )
    return [isolated(s) for s in found]


def explain_person(
    error: refusals.RelationshipViolation,
    audience: Audience | None,
    at: dt.datetime | None = None,
) -> list[Markup]:
    """The guard's refusal in sentences, per contact, names and titles isolated, with the
    audience's policy as it stands (a stricter policy being refused still holds until the
    rollback; None: each contact's own audience's). Call before rolling back.
    ``at``: when the refused ask would go out, None for "an ask now" (``person_sentences``)."""
    why: list[Markup] = []
    by_contact: dict[int, list[Mapping]] = {}
    for condition in error.extra["conditions"]:
        by_contact.setdefault(condition["contact_id"], []).append(condition)
    titles = {
        c["post_id"]: post.title
        for c in error.extra["conditions"]
        if c["post_id"] and (post := session().get(Post, c["post_id"])) is not None
    }
    for contact_id, conditions in by_contact.items():
        contact = session().get(Contact, contact_id)
        zone = contacts_db.zone_of(contact)
        policy = person_policy(audience or contact.audience)
        found = explain.person_sentences(
            conditions, contact, policy, zone, at, titles, typed=fenced
        )
        why += [isolated(s) for s in found]
    return why


def saved_notice(post: Post, timezone: str) -> Markup:
    """What saving ``post`` did, in its status's words, for every page that saves a post: each
    page wording its own said "Scheduled" for a draft too."""
    at = when(post.scheduled_at, timezone) if post.scheduled_at else None
    if post.status == "scheduled":
        return sentence("Scheduled “{title}” for {at}.", title=post.title, at=at)
    if post.status == "published":
        return sentence("Recorded “{title}” as published on {at}.", title=post.title, at=at)
    if post.status == "cancelled":
        return sentence("Saved “{title}”; it stays cancelled, off the calendar.", title=post.title)
    if at is None:
        return sentence("Saved “{title}” as a draft.", title=post.title)
    return sentence("Saved “{title}” as a draft (planned for {at}).", title=post.title, at=at)


def _saved(post: Post, audience: Audience):
    if post.owner_id != viewed_rep():
        owner = session().get(User, post.owner_id)
        flash(
            sentence(
                "“{title}” is now on the calendar of {email}.", title=post.title, email=owner.email
            )
        )
    flash(saved_notice(post, audience.timezone))
    if post.scheduled_at is None:
        return redirect(url_for("web.audience", audience_id=audience.id), 303)
    month = f"{local(post.scheduled_at, audience.timezone):%Y-%m}"
    return redirect(url_for("web.audience", audience_id=audience.id, start=month), 303)


def _attempt(audience: Audience, values, post: Post | None, change):
    """Run ``change`` (fields -> post) and commit, or render the form again with the reason."""
    try:
        saved = change(_fields(values))
        session().commit()
        return _saved(saved, audience)
    except refusals.RuleViolation as error:
        session().rollback()
        return _render(audience, values, post, why=explain_rule(error, audience, post and post.id))
    except refusals.RelationshipViolation as error:
        # Moving a give moves its linked touches, and a one-to-one ask may rely on them.
        with session().no_autoflush:
            why = explain_person(error, audience)
        session().rollback()
        return _render(audience, values, post, why=why)
    except (ValidationError, InvalidValue) as error:
        session().rollback()
        return _render(audience, values, post, errors=field_errors(error, INPUTS))


@blp.route("/audiences/<int:audience_id>/posts/new", methods=["GET", "POST"])
@once.per_form
def new_post(audience_id: int):
    workspace_id = principal().workspace_id
    audience = audiences_db.get_audience(session(), workspace_id, audience_id)
    if request.method == "GET":
        date, _, time = request.args.get("at", "").partition("T")
        kind = "ask" if request.args.get("kind") == "ask" else "give"
        values = dict.fromkeys(FORM_FIELDS, "")
        values.update(kind=kind, type=POST_TYPES[kind][0], status="scheduled")
        values[OWNER_FIELD] = str(viewed_rep())
        if kind == "ask" and not date:
            date, time = _earliest_ask(audience)
        values.update(date=date[:10], time=time[:5])
        return _render(audience, values)
    values = _typed()
    return _attempt(
        audience,
        values,
        None,
        lambda fields: posts_db.create_post(
            session(), workspace_id, audience_id, fields, chosen_owner(values, viewed_rep())
        ),
    )


def _earliest_ask(audience: Audience) -> tuple[str, str]:
    """The first date and time a new ask would pass, on the audience's clock, or blanks."""
    earliest = timeline_db.ratio(session(), audience, viewed_rep()).earliest_next_ask_at
    return form_moment(earliest, audience.timezone)


def _post_and_audience(post_id: int) -> tuple[Post, Audience]:
    """The post and its audience; and the rep an admin is viewing, read first, so that the form
    addresses and links built here keep it and a save lands back on that rep's calendar."""
    viewed_rep()
    post = posts_db.get_post(session(), principal().workspace_id, post_id, owner_scope())
    return post, post.audience


@blp.route("/posts/<int:post_id>/edit", methods=["GET", "POST"])
def edit_post(post_id: int):
    workspace_id = principal().workspace_id
    post, audience = _post_and_audience(post_id)
    if request.method == "GET":
        return _render(audience, _values_of(post, audience.timezone), post)
    values = _typed()
    return _attempt(
        audience,
        values,
        post,
        # Reassigning is a change like any other: the rule judges both reps' timelines.
        lambda fields: posts_db.update_post(
            session(),
            workspace_id,
            post_id,
            {**fields, "owner_id": chosen_owner(values, post.owner_id)},
            owner_scope(),
        ),
    )


@blp.post("/posts/<int:post_id>/cancel")
def cancel_post(post_id: int):
    """Cancel rather than delete a shared post: subscribed calendars then drop it too."""
    return _remove(
        post_id,
        "Cancelled",
        lambda workspace_id: posts_db.update_post(
            session(), workspace_id, post_id, {"status": "cancelled"}, owner_scope()
        ),
    )


@blp.route("/posts/<int:post_id>/delete", methods=["GET", "POST"])
def delete_post(post_id: int):
    """A confirmation page first, as for an audience (a deleted post has no undo); its
    button deletes the post."""
    if request.method == "GET":
        post, audience = _post_and_audience(post_id)
        return render_template("web/post_delete.html", post=post, audience=audience)
    return _remove(
        post_id,
        "Deleted",
        lambda workspace_id: posts_db.delete_post(session(), workspace_id, post_id, owner_scope()),
    )


@blp.post("/posts/<int:post_id>/publish")
def publish_post(post_id: int):
    """Mark a post published at the time the rep says (blank: now); the rule judges it like
    any change. From a list of posts, ``back`` returns the rep to that page."""
    date, time = (request.form.get(name, "").strip() for name in ("date", "time"))
    at = f"{date}T{time or '00:00'}" if date else utcnow().isoformat()
    return _remove(
        post_id,
        "Marked as published:",
        lambda workspace_id: posts_db.update_post(
            session(),
            workspace_id,
            post_id,
            {"status": "published", "scheduled_at": at},
            owner_scope(),
        ),
        back=security.safe_next(request.form.get("back")),
        published={"date": date, "time": time},
    )


@blp.get("/posts/<int:post_id>/cancel")
@blp.get("/posts/<int:post_id>/publish")
def back_to_post(post_id: int):
    """A refusal of these is shown at their address, which a reload then asks for: the post."""
    return redirect(url_for("web.edit_post", post_id=post_id), 303)


def _remove(
    post_id: int,
    verb: str,
    change: Callable[[int], object],
    back: str | None = None,
    published: dict[str, str] | None = None,
):
    """Cancel, delete or publish (``change``, given the workspace id) and go back to ``back`` or
    the audience; a refusal shows the post's form again with why. ``published``: the publish
    form's date and time, to show again beside its refusal."""
    workspace_id = principal().workspace_id
    post, audience = _post_and_audience(post_id)
    done = sentence(verb + " “{title}”.", title=post.title)
    values = _values_of(post, audience.timezone)
    try:
        change(workspace_id)
        session().commit()
    except refusals.RuleViolation as error:
        session().rollback()
        return _render(audience, values, post, why=explain_rule(error, audience, post.id))
    except refusals.RelationshipViolation as error:
        with session().no_autoflush:
            why = explain_person(error, audience)
        session().rollback()
        return _render(audience, values, post, why=why)
    except InvalidValue as error:
        session().rollback()
        # The message without the API's field name; a refused publish time goes beside the
        # publish form's date (``scheduled_at`` there: the edit form's own date is not to blame).
        beside = published is not None and error.field == "scheduled_at"
        beside = beside and share_of(post, audience) is not None
        errors = {"scheduled_at" if beside else "form": error.message}
        return _render(audience, values, post, errors=errors, published=published)
    except DomainError as error:
        session().rollback()
        return _render(audience, values, post, errors={"form": error.detail})
    flash(done)
    return redirect(back or url_for("web.audience", audience_id=audience.id), 303)
