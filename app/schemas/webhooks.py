from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, post_dump, validate

from app.schemas.common import PageQuerySchema, StrictBoolean
from feeds.urls import MAX_URL_LENGTH, mask_credentials
from schedules.webhooks.models import EVENT_TYPES, WEBHOOK_DESCRIPTION_MAX


class CredentialsMasked(Schema):
    """URLs stored with a user name or password before they were refused keep them for
    delivery, never for display: in the ``MASKED`` fields every URL's read ``***@``."""

    MASKED: tuple[str, ...] = ()

    @post_dump
    def _masked(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        for name in self.MASKED:
            if data.get(name):
                data[name] = mask_credentials(data[name])
        return data


class WebhookSchema(CredentialsMasked):
    MASKED = ("url", "disabled_reason")  # a reason may quote the last failure, URL and all

    id = fields.Integer(dump_only=True)
    url = fields.Url(
        required=True,
        schemes={"http", "https"},
        validate=validate.Length(max=MAX_URL_LENGTH),
        metadata={
            "description": "Where events are POSTed. Private and loopback addresses are "
            "refused unless the feeds' allowlist (PLANNER_FEEDS_ALLOWLIST) allows them; a user "
            "name or password is refused (one stored before is shown as https://***@host/...)."
        },
    )
    events = fields.List(
        fields.String(validate=validate.OneOf(EVENT_TYPES)),
        validate=validate.Length(min=1, max=len(EVENT_TYPES)),
        metadata={"description": f"Default: all of {', '.join(EVENT_TYPES)}."},
    )
    enabled = StrictBoolean(
        metadata={"description": "Enabling a disabled endpoint clears disabled_reason."}
    )
    description = fields.String(validate=validate.Length(max=WEBHOOK_DESCRIPTION_MAX))
    disabled_reason = fields.String(
        dump_only=True,
        allow_none=True,
        metadata={"description": "Why the worker disabled it: 410 Gone, or 3 days of failures."},
    )
    failing_since = fields.DateTime(dump_only=True, allow_none=True)
    secret_rotates_out_at = fields.DateTime(
        dump_only=True,
        allow_none=True,
        attribute="previous_secret_expires_at",
        metadata={"description": "Until then, messages carry the previous secret's signature too."},
    )
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class WebhookPatchSchema(WebhookSchema):
    url = fields.Url(schemes={"http", "https"}, validate=validate.Length(max=MAX_URL_LENGTH))


class WebhookWithSecretSchema(WebhookSchema):
    secret = fields.String(
        dump_only=True,
        metadata={
            "description": "The signing secret (whsec_...), shown only on create and rotation: "
            "verify with standardwebhooks.Webhook(secret).verify(body, headers)."
        },
    )


class WebhookListSchema(Schema):
    items = fields.List(fields.Nested(WebhookSchema))
    total = fields.Integer()


class DeliverySchema(CredentialsMasked):
    MASKED = ("last_error",)  # "Could not reach <url>: ..."

    id = fields.Integer()
    event_id = fields.Integer(metadata={"description": "The webhook-id is msg_<event_id>."})
    event = fields.String(attribute="event.type")
    attempts = fields.Integer()
    last_status = fields.Integer(allow_none=True)
    last_error = fields.String(allow_none=True)
    response = fields.String(
        attribute="response_excerpt",
        allow_none=True,
        metadata={"description": "The first 1 KiB of the receiver's last answer."},
    )
    next_try_at = fields.DateTime(
        allow_none=True, metadata={"description": "None once delivered or given up."}
    )
    delivered_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


class DeliveryListSchema(Schema):
    items = fields.List(fields.Nested(DeliverySchema))
    total = fields.Integer()


class DeliveryQuerySchema(PageQuerySchema):
    pass
