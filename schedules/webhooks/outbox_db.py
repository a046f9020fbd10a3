"""The outbox: events written in the transaction of the change they report.

These functions run inside a session's flush (the app's listeners call them from
``after_flush``), so they write through the flush's own connection with Core statements: the
event rows commit with the change or roll back with it, savepoints included.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, delete, insert, select, update
from sqlalchemy.orm import Session

from core.db import in_chunks, utcnow
from schedules.webhooks.models import WebhookEvent

DUE = "post.due"
_EVENTS = WebhookEvent.__table__
_PENDING_DUE = and_(
    _EVENTS.c.type == DUE,
    _EVENTS.c.dispatched_at.is_(None),
)
# Values as parameters, not in the statement: one statement for every event, compiled once
# (building one with .values() each time cost three times its execution).
_INSERT = insert(_EVENTS)


def envelope(type_: str, data: dict[str, Any], at: dt.datetime) -> dict[str, Any]:
    """The body every delivery carries, in the Standard Webhooks shape."""
    return {"type": type_, "timestamp": at.isoformat(), "data": data}


def record(
    session: Session,
    workspace_id: int,
    type_: str,
    data: dict[str, Any],
    *,
    due_at: dt.datetime | None = None,
    post_id: int | None = None,
    endpoint_id: int | None = None,
) -> None:
    """Add one event to the outbox, due at once unless ``due_at`` says when."""
    now = utcnow()
    session.connection().execute(
        _INSERT,
        {
            "workspace_id": workspace_id,
            "type": type_,
            "payload": envelope(type_, data, due_at or now),
            "post_id": post_id,
            "endpoint_id": endpoint_id,
            "created_at": now,
            "due_at": due_at or now,
        },
    )


def arm_due(
    session: Session, workspace_id: int, post_id: int, at: dt.datetime, data: dict[str, Any]
) -> None:
    """The post's ``post.due`` fires at ``at``: any pending one for it is replaced."""
    disarm_due(session, post_id)
    record(session, workspace_id, DUE, data, due_at=at, post_id=post_id)


def disarm_due(session: Session, post_id: int) -> None:
    """The post's pending ``post.due`` will not fire; one already sent stays sent."""
    session.connection().execute(delete(_EVENTS).where(_PENDING_DUE, _EVENTS.c.post_id == post_id))


def refresh_due(session: Session, post_id: int, at: dt.datetime, data: dict[str, Any]) -> None:
    """The post changed but not its time: its pending ``post.due`` (if any) carries the new
    version, at the same time; one already sent is not sent again."""
    session.connection().execute(
        update(_EVENTS)
        .where(_PENDING_DUE, _EVENTS.c.post_id == post_id)
        .values(payload=envelope(DUE, data, at))
    )


def reported_posts(session: Session, post_ids: list[int]) -> set[int]:
    """Those of ``post_ids`` the outbox holds an event about (kept for the retention days)."""
    found = select(_EVENTS.c.post_id).distinct()
    chunks = in_chunks(found, _EVENTS.c.post_id, post_ids)  # an audience's drafts: any number
    return {post_id for chunk in chunks for post_id in session.connection().scalars(chunk)}
