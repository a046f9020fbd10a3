"""A workspace's webhook endpoints: create, change, rotate the secret, delete; flush only."""

from __future__ import annotations

import dataclasses
import datetime as dt
import ipaddress
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import get_owned_row, lock_owned_row, utcnow
from core.errors import InvalidValue
from feeds.errors import BlockedAddress, FetchError
from feeds.fetch_policy import AGENT, FetchPolicy, literal_address
from feeds.urls import MAX_URL_LENGTH
from schedules.webhooks import signing
from schedules.webhooks.models import EVENT_TYPES, WebhookEndpoint

# A rotated-out secret still signs (beside the new one) this long, while receivers update.
ROTATION_OVERLAP = dt.timedelta(hours=24)
# Receivers get this long to answer (the 10 s), connection included.
TIMEOUT = 10.0
USER_AGENT = AGENT.format("webhooks")


def delivery_policy(feeds_policy: FetchPolicy) -> FetchPolicy:
    """The feeds' SSRF rules and allowlist, with the webhooks' own time limit and words."""
    return dataclasses.replace(
        feeds_policy,
        timeout=TIMEOUT,
        connect_timeout=min(feeds_policy.connect_timeout, TIMEOUT),
        action="deliver to",
        user_agent=USER_AGENT,
    )


def list_endpoints(session: Session, workspace_id: int) -> list[WebhookEndpoint]:
    return list(
        session.scalars(
            select(WebhookEndpoint)
            .where(WebhookEndpoint.workspace_id == workspace_id)
            .order_by(WebhookEndpoint.id)
        )
    )


def get_endpoint(session: Session, workspace_id: int, endpoint_id: int) -> WebhookEndpoint:
    return get_owned_row(session, WebhookEndpoint, workspace_id, endpoint_id, "webhook")


def create_endpoint(
    session: Session, workspace_id: int, fields: Mapping[str, Any], policy: FetchPolicy
) -> WebhookEndpoint:
    """A new endpoint with a fresh secret (the caller shows it once)."""
    endpoint = WebhookEndpoint(
        workspace_id=workspace_id,
        url=checked_url(fields["url"], policy),
        events=_events(fields.get("events", list(EVENT_TYPES))),
        enabled=fields.get("enabled", True),
        description=fields.get("description") or "",
        secret=signing.new_secret(),
    )
    session.add(endpoint)
    session.flush()
    return endpoint


def update_endpoint(
    session: Session,
    workspace_id: int,
    endpoint_id: int,
    fields: Mapping[str, Any],
    policy: FetchPolicy,
) -> WebhookEndpoint:
    endpoint = lock_owned_row(session, WebhookEndpoint, workspace_id, endpoint_id, "webhook")
    if "url" in fields:
        endpoint.url = checked_url(fields["url"], policy)
    if "events" in fields:
        endpoint.events = _events(fields["events"])
    if "description" in fields:
        endpoint.description = fields["description"] or ""
    if "enabled" in fields:
        endpoint.enabled = bool(fields["enabled"])
        if endpoint.enabled:
            # Enabled again by an admin: the worker's reason no longer holds.
            endpoint.disabled_reason = None
            endpoint.failing_since = None
    session.flush()
    return endpoint


def rotate_secret(
    session: Session, workspace_id: int, endpoint_id: int, now: dt.datetime | None = None
) -> WebhookEndpoint:
    """A new secret; the current one keeps signing beside it for ROTATION_OVERLAP."""
    now = now or utcnow()
    endpoint = lock_owned_row(session, WebhookEndpoint, workspace_id, endpoint_id, "webhook")
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = now + ROTATION_OVERLAP
    endpoint.secret = signing.new_secret()
    session.flush()
    return endpoint


def delete_endpoint(session: Session, workspace_id: int, endpoint_id: int) -> None:
    """The endpoint goes, with its deliveries; the events stay for the other endpoints."""
    endpoint = lock_owned_row(session, WebhookEndpoint, workspace_id, endpoint_id, "webhook")
    session.delete(endpoint)
    session.flush()


def live_secrets(endpoint: WebhookEndpoint, now: dt.datetime) -> list[str]:
    """The secrets a message is signed with now: the current one, and the previous one
    during its overlap."""
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expires is not None and expires > now:
        return [endpoint.secret, endpoint.previous_secret]
    return [endpoint.secret]


def checked_url(url: str, policy: FetchPolicy) -> str:
    """Refuse, naming the field, a URL the worker could not deliver to: too long, not http(s),
    or a host that is (or resolves to) a non-public address the settings do not allow."""
    if len(url) > MAX_URL_LENGTH:
        raise InvalidValue("url", f"URLs longer than {MAX_URL_LENGTH} characters are refused.")
    if "@" in urlsplit(url).netloc:
        raise InvalidValue(
            "url",
            "A user name or password in the URL is refused: every admin listing webhooks would "
            "see it. Receivers check each delivery's signature (the webhook-signature header).",
        )
    policy = delivery_policy(policy)
    try:
        policy.check_url(url)
        host = urlsplit(url).hostname or ""
        if literal_address(host) is None:
            _check_resolved(host, urlsplit(url).port, policy)
    except BlockedAddress as exc:
        raise InvalidValue("url", exc.detail) from None
    return url


def _check_resolved(host: str, port: int | None, policy: FetchPolicy) -> None:
    """A name that resolves to a refused address is refused now, not at the first delivery.
    One that does not resolve yet is accepted; each delivery vets the address again."""
    try:
        addresses = policy.resolver(host, port or 443)
    except FetchError:
        return
    for address in addresses:
        found = ipaddress.ip_address(address.partition("%")[0])
        if not policy.address_allowed(host, found):
            raise policy.refusal(host, found)


def _events(events: list[str]) -> list[str]:
    unknown = sorted(set(events) - set(EVENT_TYPES))
    if unknown:
        raise InvalidValue(
            "events", f"Unknown events {', '.join(unknown)}; known: {', '.join(EVENT_TYPES)}."
        )
    if not events:
        raise InvalidValue("events", "Name at least one event.")
    return sorted(set(events), key=EVENT_TYPES.index)
