"""Outbound webhooks, which only the team's admins manage: endpoints, secrets, deliveries."""

from __future__ import annotations

from flask.views import MethodView

from app.api.spec import Blueprint, documents_errors
from app.api.users.routes import ADMIN_ONLY
from app.db import session
from app.feed_jobs import fetch_policy
from app.principal import principal, require_admin
from app.schemas.webhooks import (
    DeliveryListSchema,
    DeliveryQuerySchema,
    WebhookListSchema,
    WebhookPatchSchema,
    WebhookSchema,
    WebhookWithSecretSchema,
)
from core.db import utcnow
from schedules.webhooks import deliveries_db, endpoints_db, outbox_db
from schedules.webhooks.models import PING

blp = Blueprint(
    "webhooks", __name__, url_prefix="/api/v1/webhooks", description="Signed outbound webhooks"
)


@blp.before_request
def _admins_only() -> None:
    require_admin("manage webhooks")


@blp.route("")
class Webhooks(MethodView):
    @blp.response(200, WebhookListSchema)
    @blp.alt_response(403, **ADMIN_ONLY)
    @documents_errors(blp)
    def get(self):
        """The workspace's webhook endpoints (admins only); secrets are never listed."""
        found = endpoints_db.list_endpoints(session(), principal().workspace_id)
        return {"items": found, "total": len(found)}

    @blp.arguments(WebhookSchema)
    @blp.created(WebhookWithSecretSchema, "webhooks.WebhookById", webhook_id="id")
    @blp.alt_response(403, **ADMIN_ONLY)
    @documents_errors(blp, 413)
    def post(self, data):
        """Add an endpoint (admins only); the answer holds its signing secret, shown only
        this once. A private or loopback address is a 422 naming `url` unless allowed."""
        endpoint = endpoints_db.create_endpoint(
            session(), principal().workspace_id, data, fetch_policy()
        )
        session().commit()
        return endpoint


@blp.route("/<int:webhook_id>")
class WebhookById(MethodView):
    @blp.response(200, WebhookSchema)
    @blp.alt_response(403, **ADMIN_ONLY)
    @documents_errors(blp, 404)
    def get(self, webhook_id):
        return endpoints_db.get_endpoint(session(), principal().workspace_id, webhook_id)

    @blp.arguments(WebhookPatchSchema)
    @blp.response(200, WebhookSchema)
    @blp.alt_response(403, **ADMIN_ONLY)
    @documents_errors(blp, 404, 413)
    def patch(self, data, webhook_id):
        """Change the URL, events, description or switch it on or off (admins only)."""
        endpoint = endpoints_db.update_endpoint(
            session(), principal().workspace_id, webhook_id, data, fetch_policy()
        )
        session().commit()
        return endpoint

    @blp.response(204)
    @blp.alt_response(403, **ADMIN_ONLY)
    @documents_errors(blp, 404)
    def delete(self, webhook_id):
        """Remove the endpoint and its deliveries (admins only)."""
        endpoints_db.delete_endpoint(session(), principal().workspace_id, webhook_id)
        session().commit()


@blp.route("/<int:webhook_id>/rotate-secret", methods=["POST"])
@blp.response(200, WebhookWithSecretSchema)
@blp.alt_response(403, **ADMIN_ONLY)
@documents_errors(blp, 404)
def rotate_webhook_secret(webhook_id):
    """A new signing secret, shown this once (admins only); for 24 hours every message is
    signed with the previous secret too, so receivers can switch without losing any."""
    endpoint = endpoints_db.rotate_secret(session(), principal().workspace_id, webhook_id)
    session().commit()
    return endpoint


@blp.route("/<int:webhook_id>/deliveries")
@blp.arguments(DeliveryQuerySchema, location="query")
@blp.response(200, DeliveryListSchema)
@blp.alt_response(403, **ADMIN_ONLY)
@documents_errors(blp, 404)
def list_webhook_deliveries(query, webhook_id):
    """The endpoint's deliveries, newest first: event, attempts, last status, the next try
    and the first 1 KiB of the receiver's answer (admins only)."""
    endpoint = endpoints_db.get_endpoint(session(), principal().workspace_id, webhook_id)
    items, total = deliveries_db.list_deliveries(
        session(), endpoint.id, query["limit"], query["offset"]
    )
    return {"items": items, "total": total}


@blp.route("/<int:webhook_id>/test", methods=["POST"])
@blp.response(202, WebhookSchema)
@blp.alt_response(403, **ADMIN_ONLY)
@documents_errors(blp, 404)
def test_webhook(webhook_id):
    """Queue a `ping` event for this endpoint only (admins only); the worker delivers it
    like any other, and its delivery shows under `/deliveries`."""
    workspace_id = principal().workspace_id
    endpoint = endpoints_db.get_endpoint(session(), workspace_id, webhook_id)
    data = {"webhook_id": endpoint.id, "sent_at": utcnow().isoformat()}
    outbox_db.record(session(), workspace_id, PING, data, endpoint_id=endpoint.id)
    session().commit()
    return endpoint
