"""One person's history in the database: the lock, the reads and the refusal of the guard.

Kept apart from ``contacts_db.py`` because the post and audience operations (``posts_db``,
``audiences_db``) must run the guard too (moving a one-to-one ask, tightening a policy), while
``contacts_db.py`` builds on them. Lock order is always audience first, then contact, so two
transactions never wait for each other's second lock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import lock_owned_row
from core.errors import Conflict, DomainError
from schedules.contacts import relationship as rel
from schedules.models import TIMELINE_STATUSES, Audience, Contact, Post, Touch
from schedules.policy import person_policy


def lock_contact(session: Session, workspace_id: int, contact_id: int) -> Contact:
    """Take the contact's write lock, so changes to one person's history are judged in turn."""
    return lock_owned_row(session, Contact, workspace_id, contact_id, "contact")


def histories(session: Session, contacts: Sequence[Contact]) -> dict[int, rel.History]:
    """Each contact's history as stored, in two queries however many contacts there are."""
    ids = [c.id for c in contacts]
    touches: dict[int, list[dt.datetime]] = {i: [] for i in ids}
    asks: dict[int, list[rel.Ask]] = {i: [] for i in ids}
    if ids:
        for contact_id, at in session.execute(
            select(Touch.contact_id, Touch.at).where(Touch.contact_id.in_(ids))
        ):
            touches[contact_id].append(at)
        for contact_id, at, post_id in session.execute(
            select(Post.contact_id, Post.scheduled_at, Post.id).where(
                Post.contact_id.in_(ids),
                Post.status.in_(TIMELINE_STATUSES),
                Post.scheduled_at.is_not(None),
            )
        ):
            asks[contact_id].append(rel.Ask(at, post_id))
    return {
        c.id: rel.History(c.accepted_at, touches[c.id], asks[c.id], c.requested_at)
        for c in contacts
    }


def history(session: Session, contact: Contact) -> rel.History:
    return histories(session, [contact])[contact.id]


def guard(
    contact: Contact,
    before: rel.History,
    after: rel.History,
    policy: rel.PersonPolicy,
    new_policy: rel.PersonPolicy | None = None,
    audience_refusal: DomainError | None = None,
) -> None:
    """Refuse a change that leaves any of the person's asks uncovered where it was not before."""
    found = rel.introduced(
        rel.violations(before, policy), rel.violations(after, new_policy or policy)
    )
    if found:
        raise RelationshipViolation(
            [(contact, new_policy or policy, v) for v in found], audience_refusal
        )


def guard_ask_change(
    session: Session,
    workspace_id: int,
    post: Post,
    old: rel.Ask | None,
    new: rel.Ask | None,
    audience_refusal: DomainError | None = None,
) -> None:
    """Judge a change of a one-to-one ask (made, moved, cancelled); the audience is locked."""
    assert post.contact_id is not None
    contact = lock_contact(session, workspace_id, post.contact_id)
    before = history(session, contact)
    policy = person_policy(contact.audience)
    guard(contact, before, before.with_ask(old, new), policy, audience_refusal=audience_refusal)


def guard_policy_change(
    session: Session, audience: Audience, old: rel.PersonPolicy, new: rel.PersonPolicy
) -> None:
    """A stricter audience policy must not uncover a one-to-one ask to any of its contacts."""
    contacts = list(
        session.scalars(
            select(Contact)
            .where(Contact.audience_id == audience.id)
            .order_by(Contact.id)
            .with_for_update()
        )
    )
    found = []
    for contact, past in zip(contacts, histories(session, contacts).values(), strict=True):
        if past.asks:
            fresh = rel.introduced(rel.violations(past, old), rel.violations(past, new))
            found.extend((contact, new, v) for v in fresh)
    if found:
        raise RelationshipViolation(found)


# ---------------------------------------------------------------- the refusal


class RelationshipViolation(Conflict):
    """An ask to a person who has not been given enough yet, with what would make it fair.

    When the audience's own rule refuses the same new ask, its refusal is folded in (its
    ``violations`` list and its explanation), so the rep sees every reason in one answer.
    """

    slug = "relationship-guard"
    title = "Give before you ask this person"

    def __init__(
        self,
        found: Iterable[tuple[Contact, rel.PersonPolicy, rel.AskViolation]],
        audience_refusal: DomainError | None = None,
    ) -> None:
        parts, conditions = [], []
        for contact, policy, violation in found:
            reasons = []
            for unmet in violation.unmet:
                reasons.append(explain(contact, policy, unmet))
                conditions.append(
                    {
                        "condition": unmet.condition,
                        "detail": reasons[-1],
                        "satisfied_on": unmet.satisfied_on,
                        "touches_needed": unmet.touches_needed,
                        "contact_id": contact.id,
                        "post_id": violation.post_id,
                        "scheduled_at": violation.at,
                    }
                )
            label = "the new ask" if violation.post_id is None else f"ask {violation.post_id}"
            parts.append(
                f"{label} to {contact.name} at {violation.at:%Y-%m-%d %H:%M} UTC: "
                + "; ".join(reasons)
            )
        detail = "Not yet a fair ask: " + " | ".join(parts) + "."
        # Kept whole so a form can explain the audience's part in its own words.
        self.audience_refusal = audience_refusal
        extra: dict[str, Any] = {"conditions": conditions}
        if audience_refusal is not None:
            detail += " The audience rule refuses it too: " + audience_refusal.detail
            extra["violations"] = audience_refusal.extra.get("violations")
        super().__init__(detail, **extra)


def explain(contact: Contact, policy: rel.PersonPolicy, unmet: rel.Unmet) -> str:
    """One unmet condition in the rep's words, with the reason the guard exists."""
    name = contact.name
    when = f"{unmet.satisfied_on:%Y-%m-%d %H:%M} UTC" if unmet.satisfied_on else None
    if unmet.condition == "connected":
        return (
            f"{name} has not accepted a connection yet; being connected is not consent to be "
            "pitched, so record the acceptance and give first"
        )
    if unmet.condition == "days_after_connect":
        return (
            f"{name} connected less than {policy.min_days_after_connect} days earlier, and a "
            f"pitch right after connecting reads as the reason you connected; allowed from {when}"
        )
    if unmet.condition == "touches":
        counted = policy.touches_per_ask - (unmet.touches_needed or 0)
        hint = (
            f", or move the ask to {when}, after touches already planned"
            if when
            else " (comment, share an article, congratulate, introduce, help or meet)"
        )
        return (
            f"it needs {policy.touches_per_ask} touches aimed at {name} since the connection or "
            f"the previous ask, within {policy.touches_lookback_days} days before it, and has "
            f"{counted}: give {unmet.touches_needed} more first{hint}"
        )
    return (
        f"the previous ask to {name} is less than {policy.min_days_between_asks} days earlier; "
        f"allowed from {when}"
    )
