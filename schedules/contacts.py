"""Contacts, connection requests, touches and one-to-one asks: plain values and a Session in.

Functions flush but never commit. A one-to-one ask is a ``Post`` of kind ``ask`` on the
contact's audience timeline, linked to the contact: so the audience rule judges it like any other
ask, and every later change to that timeline (through the posts API too) keeps it covered.
Whatever can change a person's history locks the contact first (after the audience, when both
are needed), then asks the pure guard in ``relationship.py`` about the whole history.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.db import get_owned_row, utcnow
from core.errors import Conflict, InvalidValue, NotFound
from schedules import audiences_db, people, policy, posts_db, times
from schedules import relationship as rel
from schedules.invitations import WHY_PERSONAL, is_stock
from schedules.models import (
    DIRECT_ASK_TYPES,
    RELATIONSHIPS,
    TOUCH_KINDS,
    Audience,
    Contact,
    Post,
    Touch,
)
from schedules.people import lock_contact

CONTACT_TEXT = ("name", "company", "title", "notes")


@dataclass(frozen=True)
class Standing:
    """A contact with where it stands now: its stage and what an ask now would still need."""

    contact: Contact
    stage: rel.Stage
    policy: rel.PersonPolicy
    unmet_now: tuple[rel.Unmet, ...]

    def conditions(self) -> list[dict[str, Any]]:
        return [
            {
                "condition": u.condition,
                "detail": people.explain(self.contact, self.policy, u),
                "satisfied_on": u.satisfied_on,
                "touches_needed": u.touches_needed,
            }
            for u in self.unmet_now
        ]


def standings(
    session: Session, contacts: list[Contact], now: dt.datetime | None = None
) -> list[Standing]:
    """Stages are derived, not stored: they move with the clock (14 days after connecting)."""
    now = now or utcnow()
    found = people.histories(session, contacts)
    result = []
    for contact in contacts:
        history, policy = found[contact.id], people.person_policy(contact.audience)
        unmet = tuple(rel.unmet(history, policy, now))
        result.append(Standing(contact, rel.stage(history, policy, now), policy, unmet))
    return result


def standing(session: Session, contact: Contact) -> Standing:
    return standings(session, [contact])[0]


# ---------------------------------------------------------------- contacts


def get_contact(session: Session, workspace_id: int, contact_id: int) -> Contact:
    return get_owned_row(session, Contact, workspace_id, contact_id, "contact")


def list_contacts(
    session: Session,
    workspace_id: int,
    *,
    audience_id: int | None = None,
    stage: str | None = None,
    limit: int = 50,
    offset: int = 0,
    now: dt.datetime | None = None,
) -> tuple[list[Standing], int]:
    """Contacts by name; the stage filter runs after deriving stages, over the workspace's list.

    A rep's contact list is hundreds, not millions, of people, and a stage depends on the clock,
    so deriving it for every listed contact is simpler and always right.
    """
    query = select(Contact).where(Contact.workspace_id == workspace_id)
    if audience_id is not None:
        audiences_db.get_audience(session, workspace_id, audience_id)
        query = query.where(Contact.audience_id == audience_id)
    query = query.order_by(func.lower(Contact.name), Contact.id)
    if stage is None:
        total = session.scalar(query.with_only_columns(func.count()).order_by(None)) or 0
        page = list(session.scalars(query.limit(limit).offset(offset)))
        return standings(session, page, now), total
    matching = [
        s for s in standings(session, list(session.scalars(query)), now) if s.stage == stage
    ]
    return matching[offset : offset + limit], len(matching)


def _audience(session: Session, workspace_id: int, audience_id: int | None) -> Audience | None:
    if audience_id is None:
        return None
    audience = session.scalar(
        select(Audience).where(Audience.id == audience_id, Audience.workspace_id == workspace_id)
    )
    if audience is None:
        raise InvalidValue("audience_id", f"No audience {audience_id} in this workspace.")
    return audience


def _zone(contact: Contact) -> str:
    return contact.audience.timezone if contact.audience else "UTC"


def _apply_fields(contact: Contact, data: Mapping[str, Any]) -> None:
    for field in CONTACT_TEXT:
        if field in data:
            setattr(contact, field, (data[field] or "").strip())
    if "name" in data:
        contact.name = " ".join(contact.name.split())
        if not contact.name:
            raise InvalidValue("name", "A contact needs a name.")
    if "profile_url" in data:
        contact.profile_url = data["profile_url"] or None
    if "decision_maker" in data:
        contact.decision_maker = bool(data["decision_maker"])
    if "relationship" in data:
        if data["relationship"] not in RELATIONSHIPS:
            raise InvalidValue("relationship", f"Must be one of: {', '.join(RELATIONSHIPS)}.")
        contact.relationship = data["relationship"]


def _flush_unique_profile(session: Session) -> None:
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict(
            "A contact with this profile URL already exists in this workspace.",
            errors=[{"field": "profile_url", "message": "Already used in this workspace."}],
        ) from None


def create_contact(session: Session, workspace_id: int, fields: Mapping[str, Any]) -> Contact:
    contact = Contact(workspace_id=workspace_id, name="", relationship="none")
    contact.audience = _audience(session, workspace_id, fields.get("audience_id"))
    _apply_fields(contact, {"name": "", **fields})
    if fields.get("accepted_at"):
        # An existing connection (or one the other person started) is recorded as accepted.
        contact.accepted_at = times.parse_when("accepted_at", fields["accepted_at"], _zone(contact))
    session.add(contact)
    _flush_unique_profile(session)
    return contact


def update_contact(
    session: Session, workspace_id: int, contact_id: int, changes: Mapping[str, Any]
) -> Contact:
    contact = lock_contact(session, workspace_id, contact_id)
    before = people.history(session, contact)
    old_policy = people.person_policy(contact.audience)
    if "audience_id" in changes and changes["audience_id"] != contact.audience_id:
        if session.scalar(
            select(func.count()).where(Post.contact_id == contact.id, Post.status == "scheduled")
        ):
            raise Conflict(
                f"{contact.name} has a scheduled one-to-one ask on this audience's calendar; "
                "cancel or publish it before moving the contact to another audience.",
                errors=[{"field": "audience_id", "message": "A scheduled ask is attached."}],
            )
        contact.audience = _audience(session, workspace_id, changes["audience_id"])
    _apply_fields(contact, changes)
    after = before
    if "accepted_at" in changes:
        accepted = times.parse_when("accepted_at", changes["accepted_at"], _zone(contact))
        if accepted is not None and contact.requested_at and accepted < contact.requested_at:
            raise InvalidValue("accepted_at", "Must not be before the connection request.")
        contact.accepted_at = accepted
        after = rel.History(accepted, before.touches, before.asks, before.requested_at)
    people.guard(contact, before, after, old_policy, people.person_policy(contact.audience))
    _flush_unique_profile(session)
    return contact


def delete_contact(session: Session, workspace_id: int, contact_id: int) -> None:
    """Its touches and one-to-one asks go with it; dropping an ask never uncovers another.

    The asks leave their audiences' calendars, so those audiences are locked first, which
    bumps the revision that calendar ETags are made of; audiences before the contact, in the
    order ``create_ask`` takes them, so the two never wait on each other.
    """
    get_contact(session, workspace_id, contact_id)
    locked = _ask_audiences(session, contact_id)
    for audience_id in locked:
        audiences_db.lock_audience(session, workspace_id, audience_id)
    contact = lock_contact(session, workspace_id, contact_id)
    if not set(_ask_audiences(session, contact_id)) <= set(locked):
        raise Conflict(f"{contact.name} was given another one-to-one ask meanwhile; try again.")
    session.delete(contact)
    session.flush()


def _ask_audiences(session: Session, contact_id: int) -> list[int]:
    query = select(Post.audience_id).where(Post.contact_id == contact_id).distinct()
    return sorted(session.scalars(query))


def record_connection_request(
    session: Session,
    workspace_id: int,
    contact_id: int,
    note: str | None,
    requested_at: str | None = None,
) -> Contact:
    """Record a request with its personal note; a missing or stock note is refused.

    While the request is pending it may be sent again (the network lets a rep withdraw and
    resend), replacing the note; once accepted there is nothing to request.
    """
    contact = lock_contact(session, workspace_id, contact_id)
    if not (note or "").strip():
        raise InvalidValue("note", "A connection request needs a personal note. " + WHY_PERSONAL)
    if is_stock(note, contact.name):
        raise InvalidValue("note", "This is the network's stock invitation text. " + WHY_PERSONAL)
    if contact.accepted_at is not None:
        raise Conflict(
            f"{contact.name} accepted a connection on {contact.accepted_at:%Y-%m-%d}; "
            "there is no request to send."
        )
    contact.requested_at = times.parse_when(
        "requested_at", requested_at, _zone(contact)
    ) or utcnow().replace(microsecond=0)
    contact.request_note = note.strip()  # type: ignore[union-attr]
    session.flush()
    return contact


# ---------------------------------------------------------------- touches


def list_touches(session: Session, workspace_id: int, contact_id: int) -> list[Touch]:
    get_contact(session, workspace_id, contact_id)
    return list(
        session.scalars(
            select(Touch).where(Touch.contact_id == contact_id).order_by(Touch.at, Touch.id)
        )
    )


def get_touch(session: Session, workspace_id: int, contact_id: int, touch_id: int) -> Touch:
    get_contact(session, workspace_id, contact_id)
    touch = session.scalar(
        select(Touch).where(Touch.id == touch_id, Touch.contact_id == contact_id)
    )
    if touch is None:
        raise NotFound(f"No touch {touch_id} for contact {contact_id}.")
    return touch


def _linked_post(session: Session, workspace_id: int, post_id: int | None) -> Post | None:
    if post_id is None:
        return None
    try:
        post = posts_db.get_post(session, workspace_id, post_id)
    except NotFound:
        raise InvalidValue("post_id", f"No post {post_id} in this workspace.") from None
    if post.kind != "give":
        raise InvalidValue("post_id", "A touch is a give; link it to a give, not an ask.")
    return post


def add_touch(
    session: Session, workspace_id: int, contact_id: int, fields: Mapping[str, Any]
) -> Touch:
    """A new touch only ever adds cover, so it needs the lock but no judgement."""
    contact = lock_contact(session, workspace_id, contact_id)
    post = _linked_post(session, workspace_id, fields.get("post_id"))
    at = times.parse_when("at", fields.get("at"), _zone(contact))
    if at is None and post is not None:
        at = post.scheduled_at
    if at is None:
        raise InvalidValue("at", "A touch needs a date (or a linked post that has one).")
    _recent_enough(contact, at)
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
    days = (
        contact.audience.record_published_within_days
        if contact.audience
        else policy.DEFAULT_RECORD_PUBLISHED_WITHIN_DAYS
    )
    if at < utcnow() - dt.timedelta(days=days):
        raise InvalidValue(
            "at",
            f"A touch may be recorded up to {days} days after it happened "
            f"(policy.record_published_within_days), and {at:%Y-%m-%d} is older.",
        )


def update_touch(
    session: Session, workspace_id: int, contact_id: int, touch_id: int, changes: Mapping[str, Any]
) -> Touch:
    contact = lock_contact(session, workspace_id, contact_id)
    touch = get_touch(session, workspace_id, contact_id, touch_id)
    if "kind" in changes:
        if changes["kind"] not in TOUCH_KINDS:
            raise InvalidValue("kind", f"Must be one of: {', '.join(TOUCH_KINDS)}.")
        touch.kind = changes["kind"]
    if "note" in changes:
        touch.note = (changes["note"] or "").strip()
    if "post_id" in changes:
        post = _linked_post(session, workspace_id, changes["post_id"])
        touch.post_id = post.id if post else None
    if "at" in changes:
        at = times.parse_when("at", changes["at"], _zone(contact))
        if at is None:
            raise InvalidValue("at", "A touch needs a date.")
        if at != touch.at:
            _recent_enough(contact, at)
        before = people.history(session, contact)
        policy = people.person_policy(contact.audience)
        people.guard(contact, before, before.with_touch(touch.at, at), policy)
        touch.at = at
    session.flush()
    return touch


def delete_touch(session: Session, workspace_id: int, contact_id: int, touch_id: int) -> None:
    contact = lock_contact(session, workspace_id, contact_id)
    touch = get_touch(session, workspace_id, contact_id, touch_id)
    before = people.history(session, contact)
    people.guard(
        contact, before, before.with_touch(touch.at, None), people.person_policy(contact.audience)
    )
    session.delete(touch)
    session.flush()


# ---------------------------------------------------------------- one-to-one asks


def list_asks(session: Session, workspace_id: int, contact_id: int) -> list[Post]:
    get_contact(session, workspace_id, contact_id)
    return list(
        session.scalars(
            select(Post)
            .where(Post.contact_id == contact_id)
            .order_by(Post.scheduled_at.is_(None), Post.scheduled_at, Post.id)
        )
    )


def create_ask(
    session: Session, workspace_id: int, contact_id: int, fields: Mapping[str, Any]
) -> Post:
    """Schedule a direct ask when the person and the audience have both been given enough.

    A refusal names every reason: the person's unmet conditions, and the audience rule's
    violations when it refuses too (alone, the audience rule answers with its own problem).
    """
    audience_id = get_contact(session, workspace_id, contact_id).audience_id
    if audience_id is None:
        raise InvalidValue(
            "audience_id",
            "Give the contact an audience first: a one-to-one ask also counts on that "
            "audience's calendar.",
        )
    audience = audiences_db.lock_audience(session, workspace_id, audience_id)
    contact = lock_contact(session, workspace_id, contact_id)
    if contact.audience_id != audience.id:
        raise Conflict(f"{contact.name} moved to another audience meanwhile; try again.")
    if fields.get("type") not in DIRECT_ASK_TYPES:
        raise InvalidValue("type", f"Must be one of: {', '.join(DIRECT_ASK_TYPES)}.")
    if not fields.get("scheduled_at"):
        raise InvalidValue("scheduled_at", "A one-to-one ask needs a date and time.")
    title = (
        fields.get("title") or f"{fields['type'].replace('_', ' ').capitalize()}: {contact.name}"
    )
    post = posts_db.build_post(
        audience, {**fields, "kind": "ask", "status": "scheduled", "title": title}
    )
    post.contact_id = contact.id
    # Both verdicts before anything is written; autoflush off so the new row is not read back.
    with session.no_autoflush:
        posts_db.guard_direct_ask(session, workspace_id, audience, post, None)
    session.add(post)
    session.flush()
    return post
