"""Touches, the gives aimed at one person: plain values and a Session in; flush, never commit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import utcnow
from core.errors import InvalidValue, NotFound
from schedules import posts_db
from schedules.audiences_db import hold_audience
from schedules.contacts import people_db
from schedules.contacts.contacts_db import get_contact, zone_of
from schedules.contacts.people_db import lock_contact
from schedules.models import TOUCH_KINDS, Contact, Post, Touch
from schedules.policy import check_recorded_in_time, person_policy
from schedules.times import parse_stored, when


def list_touches(
    session: Session, workspace_id: int, contact_id: int, owner_id: int | None = None
) -> list[Touch]:
    get_contact(session, workspace_id, contact_id, owner_id)
    return list(
        session.scalars(
            select(Touch).where(Touch.contact_id == contact_id).order_by(Touch.at, Touch.id)
        )
    )


def get_touch(
    session: Session,
    workspace_id: int,
    contact_id: int,
    touch_id: int,
    owner_id: int | None = None,
) -> Touch:
    return _touch_of(session, get_contact(session, workspace_id, contact_id, owner_id), touch_id)


def _locked(
    session: Session,
    workspace_id: int,
    contact_id: int,
    owner_id: int | None,
    post_id: int | None = None,
) -> tuple[Contact, Post | None]:
    """The contact, locked, and the give a touch of theirs is to be linked to, read again under
    its audience's lock, taken first (audience before contact): a give's move or cancellation
    takes that lock before its touches follow it (``people_db.follow_post``), so a touch is
    never linked to a give cancelled meanwhile, nor left behind by one. The touch changes no
    calendar, so the audience's revision stays (``hold_audience``)."""
    post = None
    if post_id is not None:
        get_contact(session, workspace_id, contact_id, owner_id)  # a 404 before post_id's 422
        try:
            post = posts_db.get_post(session, workspace_id, post_id)
        except NotFound:
            raise InvalidValue("post_id", f"No post {post_id} in this workspace.") from None
        hold_audience(session, workspace_id, post.audience_id)
        session.refresh(post)
    contact = lock_contact(session, workspace_id, contact_id, owner_id)
    if post is not None:
        _linkable(contact, post)
    return contact, post


def _touch_of(session: Session, contact: Contact, touch_id: int) -> Touch:
    """One of the (found) contact's touches, or NotFound."""
    touch = session.scalar(
        select(Touch).where(Touch.id == touch_id, Touch.contact_id == contact.id)
    )
    if touch is None:
        raise NotFound(f"No touch {touch_id} for contact {contact.id}.")
    return touch


def _linkable(contact: Contact, post: Post) -> None:
    """A give of the rep who knows the contact that is or was going out: a colleague's post is
    not their touch, and a cancelled give touched no one."""
    if post.owner_id != contact.owner_id:
        raise InvalidValue("post_id", f"No post {post.id} in this workspace.")
    if post.kind != "give":
        raise InvalidValue("post_id", "A touch is a give; link it to a give, not an ask.")
    if post.status == "cancelled":
        raise InvalidValue("post_id", "This give was cancelled; link the touch to another.")


def add_touch(
    session: Session,
    workspace_id: int,
    contact_id: int,
    fields: Mapping[str, Any],
    owner_id: int | None = None,
) -> Touch:
    """A new touch only ever adds cover, so it needs the locks but no judgement."""
    contact, post = _locked(session, workspace_id, contact_id, owner_id, fields.get("post_id"))
    at = parse_stored("at", fields.get("at"), zone_of(contact))
    if at is None and post is not None:
        if not post.on_timeline:  # a draft's date, if any, is no plan the touch can follow
            raise InvalidValue(
                "post_id",
                f"Post {post.id} is not scheduled, so it gives the touch no date; schedule it "
                "first, or give the date the touch happened (at).",
            )
        at = post.scheduled_at
    if at is None:
        raise InvalidValue("at", "A touch needs a date (or a linked post that has one).")
    _recent_enough(contact, at)
    _happened(contact, at, post.id if post else None)
    if fields.get("kind") not in TOUCH_KINDS:
        raise InvalidValue("kind", f"Must be one of: {', '.join(TOUCH_KINDS)}.")
    touch = Touch(
        contact_id=contact.id,
        kind=fields["kind"],
        at=at,
        post_id=post.id if post else None,
        note=(fields.get("note") or "").strip(),
    )
    session.add(touch)
    session.flush()
    return touch


def _recent_enough(contact: Contact, at: dt.datetime) -> None:
    """Touches are recorded after the fact only as far back as published posts may be, so a
    back-dated touch cannot buy a pitch today."""
    check_recorded_in_time(
        "at", contact.audience, at, utcnow(), "touches", "This contact's audience"
    )


def _happened(contact: Contact, at: dt.datetime, post_id: int | None) -> None:
    """Touches are recorded after the fact (give or take the clock skew a published post may
    have), so one that has not happened cannot satisfy the guard; a touch linked to a give is
    that give aimed at the person, and is planned with it."""
    if post_id is None and at > utcnow() + posts_db.SCHEDULE_GRACE:
        zone = zone_of(contact)
        raise InvalidValue(
            "at",
            f"A touch is recorded after it happened, and {when(at, zone)} ({zone}) is still to "
            "come; record it then, or link it to the give it will be.",
        )


def update_touch(
    session: Session,
    workspace_id: int,
    contact_id: int,
    touch_id: int,
    changes: Mapping[str, Any],
    owner_id: int | None = None,
) -> Touch:
    contact, post = _locked(session, workspace_id, contact_id, owner_id, changes.get("post_id"))
    touch = _touch_of(session, contact, touch_id)
    if "kind" in changes:
        if changes["kind"] not in TOUCH_KINDS:
            raise InvalidValue("kind", f"Must be one of: {', '.join(TOUCH_KINDS)}.")
        touch.kind = changes["kind"]
    if "note" in changes:
        touch.note = (changes["note"] or "").strip()
    if "post_id" in changes:
        touch.post_id = post.id if post else None
        if "at" not in changes:
            _happened(contact, touch.at, touch.post_id)
    if "at" in changes:
        at = parse_stored("at", changes["at"], zone_of(contact))
        if at is None:
            raise InvalidValue("at", "A touch needs a date.")
        if at != touch.at:
            _recent_enough(contact, at)
        _happened(contact, at, touch.post_id)
        before = people_db.history(session, contact)
        policy = person_policy(contact.audience)
        people_db.guard(contact, before, before.with_touch(touch.at, at), policy)
        touch.at = at
    session.flush()
    return touch


def delete_touch(
    session: Session,
    workspace_id: int,
    contact_id: int,
    touch_id: int,
    owner_id: int | None = None,
) -> None:
    contact = lock_contact(session, workspace_id, contact_id, owner_id)
    touch = _touch_of(session, contact, touch_id)
    before = people_db.history(session, contact)
    people_db.guard(
        contact, before, before.with_touch(touch.at, None), person_policy(contact.audience)
    )
    session.delete(touch)
    session.flush()
