"""One person's history in the database: the lock, the reads and the guard's verdict.

Kept apart from ``contacts_db.py`` because the post and audience operations (``posts_db``,
``audiences_db``) must run the guard too (moving a one-to-one ask, tightening a policy), while
``contacts_db.py`` builds on them. Every write locks in one order, so two transactions never
wait for each other's second lock: the workspace's row (``accounts_db._lock_member``), the rep's
row (``contacts_db._lock_reps``), then audiences by id, then contacts by id, never an earlier
kind after a later one. All are ``FOR NO KEY UPDATE``
(``core.db.turn_lock`` says why): the key-share locks of foreign-key checks pass them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator, Sequence
from dataclasses import replace
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Row, Select, select
from sqlalchemy.orm import Session

from core.db import in_chunks, turn_lock, utcnow
from core.errors import DomainError, NotFound
from schedules.contacts import relationship as rel
from schedules.models import TIMELINE_STATUSES, Audience, Contact, Post, Touch
from schedules.policy import person_policy
from schedules.refusals import RelationshipViolation


def lock_contacts(
    session: Session, workspace_id: int, ids: Collection[int], owner_id: int | None = None
) -> list[Contact]:
    """Take the write locks of the workspace's contacts ``ids`` (of one rep, given
    ``owner_id``), in id order, and read them afresh: the one place contacts are locked, so
    every write keeps the one order (workspace, rep, audiences by id, then contacts by id).
    Those not found are left out."""
    query = select(Contact).where(Contact.workspace_id == workspace_id).order_by(Contact.id)
    if owner_id is not None:
        query = query.where(Contact.owner_id == owner_id)
    chunks = in_chunks(turn_lock(session, query, "contact"), Contact.id, sorted(ids))
    return [contact for chunk in chunks for contact in session.scalars(chunk)]


def lock_contact(
    session: Session, workspace_id: int, contact_id: int, owner_id: int | None = None
) -> Contact:
    """Take the contact's write lock, so changes to one person's history are judged in turn;
    ``owner_id`` scopes it to one rep's contacts (None: any of the workspace's)."""
    found = lock_contacts(session, workspace_id, [contact_id], owner_id)
    if not found:
        raise NotFound(f"No contact {contact_id} in this workspace.")
    found[0].updated_at = utcnow()
    return found[0]


class Dated(Protocol):
    """What a history needs of a contact: the contact, or a row of these columns."""

    @property
    def id(self) -> int: ...
    @property
    def accepted_at(self) -> dt.datetime | None: ...
    @property
    def requested_at(self) -> dt.datetime | None: ...


def histories(
    session: Session, contacts: Sequence[Dated], among: Select[tuple[int]] | None = None
) -> dict[int, rel.History]:
    """Each contact's history as stored, in two queries per IN_CHUNK contacts: a statement
    takes at most 65535 parameters on PostgreSQL. ``among``: the query of the contacts' ids
    when they are many (a workspace's, a rep's), read as a subquery in two queries in all."""
    ids = [c.id for c in contacts]
    touches: dict[int, list[dt.datetime]] = {i: [] for i in ids}
    asks: dict[int, list[rel.Ask]] = {i: [] for i in ids}
    touched = select(Touch.contact_id, Touch.at)
    asked = select(Post.contact_id, Post.scheduled_at, Post.id).where(
        Post.status.in_(TIMELINE_STATUSES), Post.scheduled_at.is_not(None)
    )
    # A contact added since ``contacts`` were read may answer ``among``: not asked about.
    for contact_id, at in _rows(session, touched, Touch.contact_id, ids, among):
        if contact_id in touches:
            touches[contact_id].append(at)
    for contact_id, at, post_id in _rows(session, asked, Post.contact_id, ids, among):
        if contact_id in asks:
            asks[contact_id].append(rel.Ask(at, post_id))
    return {
        c.id: rel.History(c.accepted_at, touches[c.id], asks[c.id], c.requested_at)
        for c in contacts
    }


def _rows(
    session: Session,
    query: Select[Any],
    column: ColumnElement[int],
    ids: Sequence[int],
    among: Select[tuple[int]] | None,
) -> Iterator[Row[Any]]:
    """``query``'s rows whose ``column`` is one of ``ids``, or in ``among`` when given."""
    if among is not None:
        yield from session.execute(query.where(column.in_(among)))
        return
    for chunk in in_chunks(query, column, ids):
        yield from session.execute(chunk)


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


def follow_post(
    session: Session, workspace_id: int, post_id: int, shift: dt.timedelta | None
) -> None:
    """The touches linked to a give follow it: moved by ``shift``, or deleted (None) when it
    is cancelled or deleted; refused like any change that uncovers a one-to-one ask.

    The post's audience is locked; each contact is locked in id order, so two moves never wait
    on each other.
    """
    if shift != dt.timedelta(0):
        _follow(session, workspace_id, select(Touch).where(Touch.post_id == post_id), shift)


def leave_audience(session: Session, workspace_id: int, audience_id: int) -> None:
    """Before an audience goes with its posts: the touches linked to its gives that never went
    out (drafts, scheduled) go, as when such a give is cancelled, and are refused like it when
    an ask still relies on one; those linked to published gives stay, as those gives did reach
    the person. The audience's own one-to-one asks go too, so nothing relies on them.

    The audience is locked."""
    unpublished = select(Touch).join(Post, Post.id == Touch.post_id)
    unpublished = unpublished.where(Post.audience_id == audience_id, Post.status != "published")
    asks = select(Post.id).where(Post.audience_id == audience_id, Post.contact_id.is_not(None))
    _follow(session, workspace_id, unpublished, None, set(session.scalars(asks)))


def _follow(
    session: Session,
    workspace_id: int,
    linked_query: Select[tuple[Touch]],
    shift: dt.timedelta | None,
    asks_leaving: Collection[int] = (),
) -> None:
    """Move the touches ``linked_query`` finds by ``shift``, or delete them (None), after the
    guard's verdict on each person's history, judged without the asks ``asks_leaving``."""
    linked = list(session.scalars(linked_query.order_by(Touch.contact_id, Touch.id)))
    for contact_id in sorted({t.contact_id for t in linked}):
        contact = lock_contact(session, workspace_id, contact_id)
        before = history(session, contact)
        after = replace(before, asks=[a for a in before.asks if a.post_id not in asks_leaving])
        for touch in (t for t in linked if t.contact_id == contact_id):
            after = after.with_touch(touch.at, None if shift is None else touch.at + shift)
        guard(contact, before, after, person_policy(contact.audience))
    for touch in linked:
        if shift is None:
            session.delete(touch)
        else:
            touch.at += shift


def guard_policy_change(
    session: Session, audience: Audience, old: rel.PersonPolicy, new: rel.PersonPolicy
) -> None:
    """A stricter audience policy must not uncover a one-to-one ask to any of its contacts.

    The audience is locked, so none of its contacts gains an ask meanwhile (asks take that
    lock); only those with an ask can be uncovered, so only they are locked, against a touch
    or an acceptance changed meanwhile under the old policy."""
    asking = select(Post.contact_id).where(
        Post.status.in_(TIMELINE_STATUSES), Post.scheduled_at.is_not(None)
    )
    ids = session.scalars(
        select(Contact.id).where(Contact.audience_id == audience.id, Contact.id.in_(asking))
    )
    contacts = [
        c
        for c in lock_contacts(session, audience.workspace_id, list(ids))
        if c.audience_id == audience.id  # not moved to another audience meanwhile
    ]
    found = []
    for contact, past in zip(contacts, histories(session, contacts).values(), strict=True):
        if past.asks:
            fresh = rel.introduced(rel.violations(past, old), rel.violations(past, new))
            found.extend((contact, new, v) for v in fresh)
    if found:
        raise RelationshipViolation(found)
