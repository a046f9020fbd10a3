"""Turn changes to posts, contacts and refusal records into outbox events, in their flush.

Listening to the session (rather than calling the outbox from each view) means no write path
can miss an event: the API, the web pages, the CLI and planning all change rows through a
writer session (``app.runtime.Database.writer``), whose factory calls :func:`watch` when it is
first used. Events
are written by ``after_flush`` through the flush's own connection, so they commit with the
change or roll back with it (savepoints included).

A contact's stage is derived (``schedules.contacts.relationship.stage``): it is computed
before and after each flush that touches the contact, its touches or its one-to-one asks, and
an event is written when they differ. A stage the clock moves (14 days after connecting, an
ask's time passing) sends nothing: no write happened.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, inspect, or_, select
from sqlalchemy.orm import Session, object_session, sessionmaker
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from core.db import utcnow
from core.models import User
from schedules import utm
from schedules.contacts import contacts_db, people_db
from schedules.contacts import relationship as rel
from schedules.models import AskRefusal, Audience, Contact, Post, Touch
from schedules.policy import person_policy
from schedules.webhooks import outbox_db

# A change to any of these is news to a receiver; updated_at and sequence follow them.
POST_FIELDS = (
    "audience_id", "owner_id", "contact_id", "kind", "type", "article_id", "title", "body",
    "url", "scheduled_at", "status",
)  # fmt: skip
# Statuses a post can have without receivers ever hearing of it (a draft cancelled unscheduled):
# such a post comes and goes silently unless the outbox holds an event about it.
_QUIET_STATUSES = ("draft", "cancelled")
_BEFORE = "webhook_stages_before"
_GONE = "webhook_posts_gone"
_PUBLIC_URL = "webhook_public_url"  # a writer session's info: where payload links start


# The API schemas are made at the first event: importing them cost every ``planner``
# command's start-up a tenth of a second, and most commands never change a post or a contact
# (``planner export-ics`` reads).
@functools.cache
def _post_schema() -> Any:
    from app.schemas.posts import PostSchema

    return PostSchema()


@functools.cache
def _contact_schema() -> Any:
    from app.schemas.contacts import ContactSchema

    return ContactSchema()


@dataclass(frozen=True)
class _Before:
    """What ``before_flush`` saw of the contacts a flush may move: each one's stage and the
    history as stored, at one ``now`` that ``after_flush`` judges by too."""

    now: dt.datetime
    timeline: set[int]
    stages: dict[int, tuple[str, rel.History]]


def watch(factory: sessionmaker[Session], public_url: str) -> None:
    """Write outbox events for every flush of the sessions ``factory`` makes, their links
    absolute on ``public_url``."""
    factory.configure(info={**factory.kw.get("info", {}), _PUBLIC_URL: public_url})
    event.listen(factory, "before_flush", _before_flush)
    event.listen(factory, "after_flush", _after_flush)


def _before_flush(session: Session, _ctx: Any, _instances: Any) -> None:
    session.info.pop(_BEFORE, None)  # a failed flush's, never seen by after_flush
    session.info.pop(_GONE, None)
    audiences = [a.id for a in session.deleted if isinstance(a, Audience)]
    people = [c.id for c in session.deleted if isinstance(c, Contact)]
    if audiences or people:
        # The database deletes their posts (an audience's, a contact's one-to-one asks) by
        # cascade, unseen by the session: load them now to report them deleted and disarm
        # their post.due.
        cascaded = or_(Post.audience_id.in_(audiences), Post.contact_id.in_(people))
        with session.no_autoflush:
            session.info[_GONE] = list(session.scalars(select(Post).where(cascaded)))
    timeline = _timeline_changed(session)
    contacts = _affected_contacts(session, timeline)
    if contacts:
        now = utcnow()
        with session.no_autoflush:
            _load_audiences(session, contacts)
            stored = people_db.histories(session, contacts)
            session.info[_BEFORE] = _Before(
                now,
                timeline,
                {
                    c.id: (
                        rel.stage(_as_committed(c, stored[c.id]), person_policy(c.audience), now),
                        stored[c.id],
                    )
                    for c in contacts
                },
            )


def _after_flush(session: Session, _ctx: Any) -> None:
    before: _Before | None = session.info.pop(_BEFORE, None)
    for obj in session.new:
        if isinstance(obj, Post):
            _post_created(session, obj)
        elif isinstance(obj, AskRefusal):
            _refused(session, obj)
    for obj in session.dirty:
        if isinstance(obj, Post):
            _post_changed(session, obj)
    deleted = session.deleted
    gone = set(session.info.pop(_GONE, ())).union(obj for obj in deleted if isinstance(obj, Post))
    # A draft receivers were never told of (never scheduled) goes as silently as it came.
    quiet = [p.id for p in gone if p.status in _QUIET_STATUSES]
    told = outbox_db.reported_posts(session, quiet)
    for post in gone:
        outbox_db.disarm_due(session, post.id)
        if post.id not in quiet or post.id in told:
            # A deleted post has no page left: its audience's calendar is where it was, or the
            # list of audiences when the audience went too.
            page = "/audiences" if post.audience in deleted else f"/audiences/{post.audience_id}"
            _post_event(session, "post.deleted", post, _post_data(post, page))
    if before is not None:
        moved, histories = _stages_moved(session, before)
        for standing in contacts_db.standings(session, list(moved), before.now, histories):
            _stage_changed(session, standing, moved[standing.contact])


def _post_created(session: Session, post: Post) -> None:
    if post.status == "scheduled":
        data = _post_data(post)
        _post_event(session, "post.scheduled", post, data)
        if post.scheduled_at is not None:
            # A new post has no pending post.due to replace (as arm_due would).
            outbox_db.record(
                session, _workspace(post), outbox_db.DUE, data,
                due_at=post.scheduled_at, post_id=post.id,
            )  # fmt: skip


def _post_changed(session: Session, post: Post) -> None:
    state = inspect(post)
    changed = {name for name in POST_FIELDS if state.attrs[name].history.has_changes()}
    if not changed:
        return  # locked (updated_at moved) but not changed
    due = post.status == "scheduled" and post.scheduled_at is not None
    if not due:
        outbox_db.disarm_due(session, post.id)
    if post.status in _QUIET_STATUSES and "status" not in changed:
        return  # a draft's or cancelled post's edits are the rep's own business
    if _unheard_of(session, post):
        return  # never scheduled: cancelling, editing or restoring it is news to no one
    if "status" in changed and post.status in ("scheduled", "cancelled"):
        type_ = f"post.{post.status}"
    else:
        type_ = "post.updated"
    data = _post_data(post)  # one payload for the event and the post.due it (re)arms
    _post_event(session, type_, post, data)
    if due and changed & {"status", "scheduled_at"}:
        outbox_db.arm_due(session, _workspace(post), post.id, post.scheduled_at, data)
    elif due:
        outbox_db.refresh_due(session, post.id, post.scheduled_at, data)


def _unheard_of(session: Session, post: Post) -> bool:
    """Whether the post was and stays a draft or cancelled, and the outbox holds no event
    about it: receivers never heard of it."""
    status = inspect(post).attrs["status"].history
    was = status.deleted[0] if status.deleted else post.status
    if was not in _QUIET_STATUSES or post.status not in _QUIET_STATUSES:
        return False
    return post.id not in outbox_db.reported_posts(session, [post.id])


def _post_event(session: Session, type_: str, post: Post, data: dict[str, Any]) -> None:
    outbox_db.record(session, _workspace(post), type_, data, post_id=post.id)


def _post_data(post: Post, page: str | None = None) -> dict[str, Any]:
    """The post as the API shows it, its rep and audience, and links to it (``page``: where
    the web link goes instead of the post's own page, once that is gone)."""
    session = object_session(post)
    shown = _post_schema().dump(post)
    if shown["url"]:
        # The shared link leaves the product here, so it carries the audience's UTM tags
        # (their workspace default is read for a link only: most posts share none).
        shown["url"] = utm.tag(
            shown["url"], utm.of_audience(post.audience), post.audience.name, post.id
        )
    return {
        "post": shown,
        "rep": _rep(session.get(User, post.owner_id)),
        "audience": _audience(post.audience),
        **_links(session, f"/api/v1/posts/{post.id}", page or f"/posts/{post.id}/edit"),
    }


def _refused(session: Session, refusal: AskRefusal) -> None:
    audience = session.get(Audience, refusal.audience_id)
    data = {
        "refusal": {
            "id": refusal.id,
            "rule": refusal.rule,
            "type": refusal.type,
            "post_id": refusal.post_id,
            "contact_id": refusal.contact_id,
            "scheduled_at": _iso(refusal.scheduled_at),
            "detail": refusal.detail,
            "created_at": _iso(refusal.created_at),
        },
        "rep": _rep(session.get(User, refusal.owner_id)),
        "audience": _audience(audience),
        **_links(
            session,
            f"/api/v1/audiences/{refusal.audience_id}/ratio?owner={refusal.owner_id}",
            f"/audiences/{refusal.audience_id}?rep={refusal.owner_id}",
        ),
    }
    outbox_db.record(session, refusal.workspace_id, "ask.refused", data)


def _stage_changed(session: Session, standing: contacts_db.Standing, previous: str) -> None:
    contact = standing.contact
    data = {
        "contact": _contact_schema().dump(standing),
        "previous_stage": previous,
        "rep": _rep(session.get(User, contact.owner_id)),
        "audience": _audience(contact.audience),
        **_links(session, f"/api/v1/contacts/{contact.id}", f"/contacts/{contact.id}"),
    }
    outbox_db.record(session, contact.workspace_id, "contact.stage_changed", data)


def _affected_contacts(session: Session, timeline: set[int]) -> list[Contact]:
    """Existing contacts whose history this flush may change (``timeline``: those whose
    touches or asks it writes), loaded."""
    # Session.dirty builds a new set at each access: asked once, not once an object.
    ids = {obj.id for obj in session.dirty if isinstance(obj, Contact)}
    return _loaded_contacts(session, ids | timeline)


def _loaded_contacts(session: Session, ids: Iterable[int]) -> list[Contact]:
    with session.no_autoflush:
        found = (session.get(Contact, i) for i in sorted(ids))
        return [c for c in found if c is not None]


def _timeline_changed(session: Session) -> set[int]:
    """Contacts whose touches or one-to-one asks this flush writes: their history is read
    again after it; every other contact's is the one read before, with its new dates."""
    return {
        obj.contact_id
        for obj in (*session.dirty, *session.new, *session.deleted)
        if isinstance(obj, Touch | Post) and obj.contact_id is not None
    }


def _load_audiences(session: Session, contacts: list[Contact]) -> None:
    """The contacts' audiences (their policies) in one query, not one lazy load each, set on
    the contacts: the session's identity map alone would let go of them, and each be loaded
    again. Those the session holds already need no query."""
    wanted = [
        c
        for c in contacts
        if c.audience_id is not None
        and "audience" in inspect(c).unloaded
        and identity_key(Audience, c.audience_id) not in session.identity_map
    ]
    if not wanted:
        return
    ids = sorted({c.audience_id for c in wanted})
    found = {a.id: a for a in session.scalars(select(Audience).where(Audience.id.in_(ids)))}
    for contact in wanted:
        set_committed_value(contact, "audience", found.get(contact.audience_id))


def _stages_moved(
    session: Session, before: _Before
) -> tuple[dict[Contact, str], dict[int, rel.History]]:
    """The contacts whose stage this flush moved, each with the stage it had, and every
    contact's history after the flush (by id), which their standings are derived from."""
    deleted = session.deleted
    contacts = [c for c in _loaded_contacts(session, before.stages) if c not in deleted]
    after = people_db.histories(session, [c for c in contacts if c.id in before.timeline])
    moved = {}
    for contact in contacts:
        previous, stored = before.stages[contact.id]
        history = after.get(contact.id)
        if history is None:
            history = after[contact.id] = rel.History(
                contact.accepted_at, stored.touches, stored.asks, contact.requested_at
            )
        if rel.stage(history, person_policy(contact.audience), before.now) != previous:
            moved[contact] = previous
    return moved, after


def _as_committed(contact: Contact, stored: rel.History) -> rel.History:
    """The history as the database holds it before this flush: the contact's own dates too."""
    state = inspect(contact)

    def committed(name: str) -> dt.datetime | None:
        history = state.attrs[name].history
        return history.deleted[0] if history.deleted else getattr(contact, name)

    return rel.History(
        committed("accepted_at"), stored.touches, stored.asks, committed("requested_at")
    )


def _links(session: Session, api_path: str, page_path: str) -> dict[str, Any]:
    """``link``, the API path as first shipped (receivers prefix it themselves), and ``links``:
    the API resource and the web page, absolute on PLANNER_PUBLIC_URL."""
    base = session.info[_PUBLIC_URL]
    return {"link": api_path, "links": {"api": base + api_path, "web": base + page_path}}


def _workspace(post: Post) -> int:
    return post.audience.workspace_id


def _rep(user: Any) -> dict[str, Any] | None:
    return None if user is None else {"id": user.id, "email": user.email}


def _audience(audience: Audience | None) -> dict[str, Any] | None:
    if audience is None:
        return None
    return {"id": audience.id, "name": audience.name, "timezone": audience.timezone}


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None
