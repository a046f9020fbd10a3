from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, pre_dump, validate

from app.api.common import PageQuerySchema, PolicySchema, RangeQuerySchema
from schedules.models import Audience

Term = fields.String(validate=validate.Length(1, 100))


class CadenceSchema(Schema):
    frequency = fields.String(validate=validate.OneOf(["monthly", "quarterly", "custom"]))
    week = fields.Integer(metadata={"description": "1 to 4, or -1 for the last."})
    weekday = fields.String(metadata={"example": "TU"})
    day = fields.Integer(metadata={"description": "Day of month 1 to 28, or -1 for the last."})
    month_of_quarter = fields.Integer(metadata={"description": "Quarterly only: 1, 2 or 3."})
    time = fields.String(metadata={"example": "09:00", "description": "Local wall-clock time."})
    rrule = fields.String(
        validate=validate.Length(1, 500),
        metadata={"example": "FREQ=MONTHLY;BYDAY=2TU", "description": "At least a week apart."},
    )
    starts_on = fields.String(metadata={"description": "Phase of a custom rule (a date)."})


class AudienceSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(1, 200))
    description = fields.String(load_default="", validate=validate.Length(max=5000))
    keywords = fields.List(Term, load_default=list, validate=validate.Length(max=50))
    exclude_keywords = fields.List(Term, load_default=list, validate=validate.Length(max=50))
    timezone = fields.String(load_default="UTC", validate=validate.Length(1, 64))
    cadence = fields.Nested(CadenceSchema, load_default=None)
    policy = fields.Nested(PolicySchema, load_default=None)
    half_life_days = fields.Integer(
        load_default=14,
        validate=validate.Range(1, 365),
        metadata={"description": "Suggestions lose half their freshness every this many days."},
    )
    ranking = fields.String(
        load_default="news",
        validate=validate.OneOf(["news", "evergreen"]),
        metadata={
            "description": "news: freshness counts (older articles keep 30% of their score "
            "and candidates go back 60 days); evergreen: relevance first (70%, 180 days)."
        },
    )
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)

    @pre_dump
    def _from_model(self, audience: Audience, **_: Any) -> dict[str, Any]:
        return {
            **{c: getattr(audience, c) for c in (
                "id", "name", "description", "keywords", "exclude_keywords", "timezone",
                "cadence", "half_life_days", "ranking", "created_at", "updated_at")},
            "policy": {
                "preset": audience.policy_preset,
                "gives_per_ask": audience.gives_per_ask,
                "min_days_between_asks": audience.min_days_between_asks,
                "min_days_after_connect": audience.min_days_after_connect,
                "touches_per_ask": audience.touches_per_ask,
            },
        }  # fmt: skip


class AudienceListSchema(Schema):
    items = fields.List(fields.Nested(AudienceSchema))
    total = fields.Integer()


class SlotPostSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    status = fields.String()
    scheduled_at = fields.DateTime()


class SlotSchema(Schema):
    at = fields.DateTime(metadata={"description": "The slot in UTC."})
    local = fields.String(metadata={"description": "The slot in the audience's time zone."})
    post = fields.Nested(SlotPostSchema, allow_none=True)


class SlotListSchema(Schema):
    timezone = fields.String()
    items = fields.List(fields.Nested(SlotSchema))


class SlotQuerySchema(RangeQuerySchema):
    pass


class RatioSchema(Schema):
    gives_since_last_ask = fields.Integer()
    gives_required = fields.Integer()
    gives_needed = fields.Integer()
    last_ask_at = fields.DateTime(allow_none=True)
    earliest_next_ask_at = fields.DateTime(
        allow_none=True, metadata={"description": "Null until enough gives are on the calendar."}
    )
    min_days_between_asks = fields.Integer()


AudienceQuerySchema = PageQuerySchema
