"""Webhook endpoints, the outbox of events, and one delivery per event and endpoint."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, UTCDateTime, utcnow
from feeds.urls import MAX_URL_LENGTH

EVENT_TYPES = (
    "post.scheduled",
    "post.updated",
    "post.cancelled",
    "post.deleted",
    "post.due",
    "ask.refused",
    "contact.stage_changed",
)
# Sent only by ``POST /webhooks/{id}/test``, to that endpoint, whatever it subscribes to.
PING = "ping"
EVENT_TYPE_MAX = 40
WEBHOOK_DESCRIPTION_MAX = 500
SECRET_MAX = 100
DISABLED_REASON_MAX = 500
# The first bytes of a receiver's answer kept with a delivery, for the admin to read.
RESPONSE_EXCERPT_MAX = 1024


class WebhookEndpoint(Base):
    """Where a workspace's events go, signed with its secret (and, for 24 h after a rotation,
    the previous one too)."""

    __tablename__ = "webhook_endpoints"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str] = mapped_column(String(MAX_URL_LENGTH))
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    description: Mapped[str] = mapped_column(String(WEBHOOK_DESCRIPTION_MAX), default="")
    secret: Mapped[str] = mapped_column(String(SECRET_MAX))
    previous_secret: Mapped[str | None] = mapped_column(String(SECRET_MAX), default=None)
    previous_secret_expires_at: Mapped[dt.datetime | None] = mapped_column(
        UTCDateTime, default=None
    )
    # Why the endpoint was switched off by the worker (410 Gone, days of failures); cleared
    # when an admin enables it again.
    disabled_reason: Mapped[str | None] = mapped_column(String(DISABLED_REASON_MAX), default=None)
    # The first failure since the last success: three days of them disable the endpoint.
    failing_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class WebhookEvent(Base):
    """One event in the outbox, written in the transaction of the change it reports.

    Its id is the ``webhook-id`` every delivery of it carries. It is fanned out to the
    workspace's endpoints once ``due_at`` has come (at once for most events, at the post's time
    for ``post.due``); ``dispatched_at`` says it was.
    """

    __tablename__ = "webhook_events"
    __table_args__ = (
        Index("ix_webhook_events_pending", "dispatched_at", "due_at"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    type: Mapped[str] = mapped_column(String(EVENT_TYPE_MAX))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The post a pending ``post.due`` is armed for: moving the post re-arms it. No key: the
    # post may be deleted, which disarms it first.
    post_id: Mapped[int | None] = mapped_column(Integer, default=None, index=True)
    # A ``ping`` goes to this endpoint only.
    endpoint_id: Mapped[int | None] = mapped_column(
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), default=None
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    dispatched_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)


class WebhookDelivery(Base):
    """One event on its way to one endpoint: tried until delivered or given up."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("event_id", "endpoint_id"),
        Index("ix_webhook_deliveries_due", "delivered_at", "next_try_at"),
        Index("ix_webhook_deliveries_endpoint_id", "endpoint_id", "id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("webhook_events.id", ondelete="CASCADE"))
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # None once delivered or given up.
    next_try_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=utcnow)
    last_status: Mapped[int | None] = mapped_column(Integer, default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    response_excerpt: Mapped[str | None] = mapped_column(Text, default=None)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    # A worker's lease: another worker leaves the delivery alone until then.
    claimed_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[WebhookEvent] = relationship()
    endpoint: Mapped[WebhookEndpoint] = relationship()
