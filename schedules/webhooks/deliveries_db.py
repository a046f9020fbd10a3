"""Fanning events out to endpoints, claiming deliveries, and recording how they went.

Workers on PostgreSQL claim with ``FOR UPDATE SKIP LOCKED`` and a lease (``claimed_until``),
so no two send one delivery at once and a killed worker's delivery is taken up again when its
lease ends. SQLite's writers are serial, so a claim there is simply the next due row.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from core import dialects
from schedules.webhooks import retries
from schedules.webhooks.endpoints_db import live_secrets
from schedules.webhooks.models import (
    DISABLED_REASON_MAX,
    RESPONSE_EXCERPT_MAX,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)


@dataclass(frozen=True)
class Claim:
    """What a worker needs to send one delivery outside any transaction."""

    delivery_id: int
    event_id: int
    endpoint_id: int
    url: str
    body: bytes
    secrets: list[str]


@dataclass(frozen=True)
class Outcome:
    """One attempt: the receiver's status and first bytes, or why no answer came."""

    status: int | None
    excerpt: str = ""
    error: str | None = None

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def body(event: WebhookEvent) -> bytes:
    """The bytes sent (and signed) for an event: the same on every attempt."""
    return json.dumps(event.payload, separators=(",", ":"), ensure_ascii=False).encode()


def dispatch_due(session: Session, now: dt.datetime, limit: int = 200) -> int:
    """Give each due, undispatched event one delivery per enabled endpoint that wants it (and
    existed when it happened); the number of events dispatched."""
    events = list(
        session.scalars(
            dialects.of(session).for_update(
                select(WebhookEvent)
                .where(WebhookEvent.dispatched_at.is_(None), WebhookEvent.due_at <= now)
                .order_by(WebhookEvent.due_at, WebhookEvent.id)
                .limit(limit),
                skip_locked=True,
            )
        )
    )
    if not events:
        return 0
    workspaces = {e.workspace_id for e in events}
    endpoints = session.scalars(
        select(WebhookEndpoint).where(
            WebhookEndpoint.workspace_id.in_(workspaces), WebhookEndpoint.enabled.is_(True)
        )
    ).all()
    rows: list[dict[str, Any]] = []
    for event in events:
        for endpoint in endpoints:
            if _wants(endpoint, event):
                rows.append({"event_id": event.id, "endpoint_id": endpoint.id})
        event.dispatched_at = now
    if rows:
        session.execute(
            WebhookDelivery.__table__.insert(),
            [{**row, "attempts": 0, "next_try_at": now, "created_at": now, "updated_at": now}
             for row in rows],
        )  # fmt: skip
    session.flush()
    return len(events)


def _wants(endpoint: WebhookEndpoint, event: WebhookEvent) -> bool:
    # An endpoint hears of what happens after it was created (a post.due: the post's time),
    # not of a backlog no worker had sent yet.
    if event.workspace_id != endpoint.workspace_id or event.due_at < endpoint.created_at:
        return False
    if event.endpoint_id is not None:  # a ping
        return event.endpoint_id == endpoint.id
    return event.type in endpoint.events


def claim(
    session: Session,
    now: dt.datetime,
    lease: dt.timedelta,
    sending: Mapping[int, int] | None = None,
    per_endpoint: int = 1,
    endpoint_id: int | None = None,
) -> Claim | None:
    """Lease the next due delivery to an enabled endpoint (``endpoint_id``, if given), counting
    the attempt, or None.

    ``sending``: how many sends the worker has in flight to each endpoint. An endpoint gets at
    most ``per_endpoint`` at once, and one while it is failing, so a receiver that hangs holds
    as few of the worker's threads as can be."""
    sending = sending or {}
    full = [endpoint for endpoint, count in sending.items() if count >= per_endpoint]
    endpoints = select(WebhookEndpoint.id).where(
        WebhookEndpoint.enabled.is_(True),
        WebhookEndpoint.id.not_in(full),
        or_(WebhookEndpoint.failing_since.is_(None), WebhookEndpoint.id.not_in(list(sending))),
    )
    if endpoint_id is not None:
        endpoints = endpoints.where(WebhookEndpoint.id == endpoint_id)
    delivery = session.scalar(
        dialects.of(session).for_update(
            select(WebhookDelivery)
            .where(
                WebhookDelivery.delivered_at.is_(None),
                WebhookDelivery.next_try_at <= now,
                or_(WebhookDelivery.claimed_until.is_(None), WebhookDelivery.claimed_until < now),
                WebhookDelivery.endpoint_id.in_(endpoints),
            )
            .order_by(WebhookDelivery.next_try_at, WebhookDelivery.id)
            .limit(1),
            skip_locked=True,
        )
    )
    if delivery is None:
        return None
    delivery.claimed_until = now + lease
    delivery.attempts += 1
    delivery.updated_at = now
    endpoint, event = delivery.endpoint, delivery.event
    session.flush()
    return Claim(
        delivery.id, event.id, endpoint.id, endpoint.url, body(event), live_secrets(endpoint, now)
    )


def record(session: Session, delivery_id: int, outcome: Outcome, now: dt.datetime, jitter: float):
    """Record one attempt: delivered, retried later, or given up; a 410 Gone, or an endpoint
    failing for three days, disables the endpoint with the reason."""
    delivery = session.get(WebhookDelivery, delivery_id, populate_existing=True)
    if delivery is None:
        return None  # its endpoint was deleted meanwhile
    endpoint = delivery.endpoint
    delivery.last_status = outcome.status
    delivery.last_error = outcome.error
    delivery.response_excerpt = outcome.excerpt[:RESPONSE_EXCERPT_MAX]
    delivery.claimed_until = None
    delivery.updated_at = now
    if outcome.delivered:
        delivery.delivered_at = now
        delivery.next_try_at = None
        endpoint.failing_since = None
        session.flush()
        return delivery
    # Failing since now, unless something failed earlier without a success since (an admin
    # enabling the endpoint again starts afresh: an old delivery's age is not the endpoint's).
    endpoint.failing_since = endpoint.failing_since or now
    if outcome.status == 410:
        # The receiver is gone: this delivery is given up; the others wait for an admin.
        delivery.next_try_at = None
        _disable(endpoint, f"The receiver answered 410 Gone on {now:%Y-%m-%d %H:%M} UTC.", now)
    else:
        delivery.next_try_at = retries.next_try(delivery.created_at, delivery.attempts, now, jitter)
        if retries.failing_too_long(endpoint.failing_since, now):
            last = f"HTTP {outcome.status}" if outcome.status else (outcome.error or "no answer")
            _disable(
                endpoint,
                f"Failing since {endpoint.failing_since:%Y-%m-%d %H:%M} UTC (last: {last}).",
                now,
            )
    session.flush()
    return delivery


def _disable(endpoint: WebhookEndpoint, reason: str, now: dt.datetime) -> None:
    endpoint.enabled = False
    endpoint.disabled_reason = reason[:DISABLED_REASON_MAX]
    endpoint.updated_at = now


def prune(session: Session, before: dt.datetime, limit: int = 500) -> int:
    """Delete up to ``limit`` deliveries done with before ``before`` (delivered, given up, or
    waiting on an endpoint that has been switched off since), then up to ``limit`` events
    fanned out before it that have no delivery left; how many rows went. Small batches keep
    each transaction short beside the workers' claims. A pending event (a ``post.due`` whose
    time has not come) and a delivery still being retried stay, however old."""
    disabled = select(WebhookEndpoint.id).where(WebhookEndpoint.enabled.is_(False))
    deliveries = session.scalars(
        select(WebhookDelivery.id)
        .where(
            WebhookDelivery.updated_at < before,
            or_(
                WebhookDelivery.next_try_at.is_(None),
                WebhookDelivery.endpoint_id.in_(disabled),
            ),
        )
        .order_by(WebhookDelivery.id)
        .limit(limit)
    ).all()
    if deliveries:
        session.execute(delete(WebhookDelivery).where(WebhookDelivery.id.in_(deliveries)))
    left = select(WebhookDelivery.id).where(WebhookDelivery.event_id == WebhookEvent.id)
    events = session.scalars(
        select(WebhookEvent.id)
        .where(WebhookEvent.dispatched_at < before, ~left.exists())
        .order_by(WebhookEvent.id)
        .limit(limit)
    ).all()
    if events:
        session.execute(delete(WebhookEvent).where(WebhookEvent.id.in_(events)))
    return len(deliveries) + len(events)


def list_deliveries(
    session: Session, endpoint_id: int, limit: int, offset: int
) -> tuple[list[WebhookDelivery], int]:
    """An endpoint's deliveries, newest first."""
    query = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = session.scalars(
        query.order_by(WebhookDelivery.id.desc()).limit(limit).offset(offset)
    ).all()
    return list(page), total
