from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.schemas.common import (
    OwnerQuerySchema,
    RangeQuerySchema,
    StrictBoolean,
    UtmSchema,
)


class CalendarQuerySchema(RangeQuerySchema, OwnerQuerySchema):
    include_drafts = fields.Boolean(load_default=False)
    include_gaps = fields.Boolean(
        load_default=False, metadata={"description": "Empty cadence slots as TENTATIVE events."}
    )


class SubscriptionSchema(Schema):
    url = fields.String(
        allow_none=True,
        metadata={"description": "Secret address for calendar apps; null when there is none."},
    )


class ConnectingHourSchema(Schema):
    enabled = StrictBoolean()
    weekday = fields.Integer(
        validate=validate.Range(0, 6), metadata={"description": "0 is Monday, as in ISO 8601."}
    )
    time = fields.String(
        validate=validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$", error="Must be HH:MM."),
        metadata={"example": "08:00"},
    )
    duration_minutes = fields.Integer(validate=validate.Range(15, 240))


class WorkspaceSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(dump_only=True)
    timezone = fields.String(validate=validate.Length(1, 64))
    connecting_hour = fields.Nested(ConnectingHourSchema)
    utm = fields.Nested(
        UtmSchema,
        allow_none=True,
        metadata={
            "description": "The default UTM tagging of shared links, for audiences without "
            "their own; off by default (null turns it off)."
        },
    )
