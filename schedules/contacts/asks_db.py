"""One-to-one asks: plain values and a Session in; flush, never commit.

A one-to-one ask is a ``Post`` of kind ``ask`` on the contact's audience timeline, linked to the
contact: so the audience rule judges it like any other ask, and every later change to that
timeline (through the posts API too) keeps it covered.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import Conflict, InvalidValue, on_field
from schedules import audiences_db, posts_db
from schedules.contacts.contacts_db import get_contact
from schedules.contacts.people_db import lock_contact
from schedules.models import DIRECT_ASK_TYPES, Post


def list_asks(
    session: Session, workspace_id: int, contact_id: int, owner_id: int | None = None
) -> list[Post]:
    get_contact(session, workspace_id, contact_id, owner_id)
    return list(
        session.scalars(
            select(Post)
            .where(Post.contact_id == contact_id)
            .order_by(Post.scheduled_at.is_(None), Post.scheduled_at, Post.id)
        )
    )


def create_ask(
    session: Session,
    workspace_id: int,
    contact_id: int,
    fields: Mapping[str, Any],
    owner_id: int | None = None,
) -> Post:
    """Schedule a direct ask when the person and the audience have both been given enough.

    A refusal names every reason: the person's unmet conditions, and the audience rule's
    violations when it refuses too (alone, the audience rule answers with its own problem).
    """
    audience_id = get_contact(session, workspace_id, contact_id, owner_id).audience_id
    if audience_id is None:
        raise InvalidValue(
            "audience_id",
            "Give the contact an audience first: a one-to-one ask also counts on that "
            "audience's calendar.",
        )
    audience = audiences_db.lock_audience(session, workspace_id, audience_id)
    contact = lock_contact(session, workspace_id, contact_id, owner_id)
    if contact.audience_id != audience.id:
        raise Conflict(
            f"{contact.name} moved to another audience meanwhile; try again.",
            errors=on_field("audience_id", "Moved to another audience meanwhile."),
        )
    if fields.get("type") not in DIRECT_ASK_TYPES:
        raise InvalidValue("type", f"Must be one of: {', '.join(DIRECT_ASK_TYPES)}.")
    if not fields.get("scheduled_at"):
        raise InvalidValue("scheduled_at", "A one-to-one ask needs a date and time.")
    title = (
        fields.get("title") or f"{fields['type'].replace('_', ' ').capitalize()}: {contact.name}"
    )
    # On the calendar of the rep who knows the person, judged on that rep's timeline.
    post = posts_db.build_post(
        audience,
        {**fields, "kind": "ask", "status": "scheduled", "title": title},
        contact.owner_id,
    )
    post.contact_id = contact.id
    # Both verdicts before anything is written; autoflush off so the new row is not read back.
    with session.no_autoflush:
        posts_db.guard_direct_ask(session, workspace_id, audience, post, None)
    session.add(post)
    session.flush()
    return post
