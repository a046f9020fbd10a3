from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, pre_dump, pre_load, validate

from app.schemas.common import (
    OwnerQuerySchema,
    PageQuerySchema,
    PolicySchema,
    RangeQuerySchema,
    UtmSchema,
)
from schedules.cadence import DEFAULT_STARTS_ON, FREQUENCIES, FREQUENCY_CHOICES
from schedules.models import AUDIENCE_DESCRIPTION_MAX, AUDIENCE_NAME_MAX, TIMEZONE_MAX, Audience

Term = fields.String(validate=validate.Length(1, 100))


class CadenceSchema(Schema):
    """Every part but the frequency may be left out or null: it then takes its default."""

    frequency = fields.String(
        validate=validate.OneOf(FREQUENCIES, error=FREQUENCY_CHOICES),
        metadata={
            "description": "monthly (the default), quarterly, or custom: an rrule (implied when "
            "rrule is given). Weekly or fortnightly slots: give rrule."
        },
    )
    week = fields.Integer(
        allow_none=True,
        metadata={"description": "1 to 4, or -1 for the last; with weekday. Default 2."},
    )
    weekday = fields.String(
        allow_none=True,
        metadata={"example": "TU", "description": "MO to SU (or monday...); default TU."},
    )
    day = fields.Integer(
        allow_none=True,
        metadata={"description": "Day of month 1 to 28, or -1 for the last; instead of week."},
    )
    month_of_quarter = fields.Integer(
        allow_none=True, metadata={"description": "Quarterly only: 1 (default), 2, 3."}
    )
    time = fields.String(
        allow_none=True,
        metadata={"example": "09:00", "description": "Local wall-clock time; default 09:00."},
    )
    rrule = fields.String(
        allow_none=True,
        validate=validate.Length(1, 500),
        metadata={
            "example": "FREQ=MONTHLY;BYDAY=2TU",
            "description": "At least a week apart. An UNTIL is on the audience's clock, "
            "with no Z or offset (UNTIL=20301231).",
        },
    )
    starts_on = fields.String(
        allow_none=True,
        metadata={
            "description": "Custom rules: the date the rule counts from, which sets the phase of "
            f"an INTERVAL (default {DEFAULT_STARTS_ON.isoformat()}); answers always give it."
        },
    )


class AudienceSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(1, AUDIENCE_NAME_MAX))
    description = fields.String(
        load_default="", validate=validate.Length(max=AUDIENCE_DESCRIPTION_MAX)
    )
    keywords = fields.List(Term, load_default=list, validate=validate.Length(max=50))
    exclude_keywords = fields.List(Term, load_default=list, validate=validate.Length(max=50))
    timezone = fields.String(load_default="UTC", validate=validate.Length(1, TIMEZONE_MAX))
    cadence = fields.Nested(
        CadenceSchema,
        load_default=None,
        metadata={
            "description": "Parts left out take the defaults: monthly, second Tuesday, 09:00. "
            "In a PATCH a cadence replaces the whole cadence."
        },
    )
    policy = fields.Nested(
        PolicySchema,
        load_default=None,
        metadata={
            "description": 'A preset\'s name alone ("80-20") stands for {"preset": "80-20"}. '
            "In a PATCH, parts left out keep their values; null is the default policy again "
            "(no preset, the default numbers)."
        },
    )
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
    utm = fields.Nested(
        UtmSchema,
        allow_none=True,
        load_default=None,
        metadata={
            "description": "UTM tagging of this audience's shared links; null: the workspace's "
            "default (GET /api/v1/workspace). Settings left out take the defaults."
        },
    )
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)

    @pre_load
    def _preset_by_name(self, data: Any, **_: Any) -> Any:
        """Reps know policies by name, so "80-20" is shorthand for {"preset": "80-20"}."""
        if isinstance(data, dict) and isinstance(data.get("policy"), str):
            return {**data, "policy": {"preset": data["policy"]}}
        return data

    @pre_dump
    def _from_model(self, audience: Audience, **_: Any) -> dict[str, Any]:
        return {
            **{c: getattr(audience, c) for c in (
                "id", "name", "description", "keywords", "exclude_keywords", "timezone",
                "cadence", "half_life_days", "ranking", "utm", "created_at", "updated_at")},
            "policy": {
                "preset": audience.policy_preset,
                "gives_per_ask": audience.gives_per_ask,
                "min_days_between_asks": audience.min_days_between_asks,
                "min_days_after_connect": audience.min_days_after_connect,
                "touches_per_ask": audience.touches_per_ask,
                "gives_lookback_days": audience.gives_lookback_days,
                "touches_lookback_days": audience.touches_lookback_days,
                "record_published_within_days": audience.record_published_within_days,
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


class SlotQuerySchema(RangeQuerySchema, OwnerQuerySchema):
    pass


class RatioQuerySchema(OwnerQuerySchema):
    pass


class NextAskSchema(Schema):
    post_id = fields.Integer()
    scheduled_at = fields.DateTime(attribute="at")
    gives_counted = fields.Integer(
        metadata={"description": "Gives since the ask before it and within the lookback."}
    )
    gives_required = fields.Integer()
    covered = fields.Boolean()


class RatioSchema(Schema):
    gives_since_last_ask = fields.Integer(
        metadata={"description": "Gives since the last ask that are still within the lookback."}
    )
    gives_required = fields.Integer()
    gives_needed = fields.Integer()
    last_ask_at = fields.DateTime(
        allow_none=True, metadata={"description": "The ask a new ask would follow."}
    )
    earliest_next_ask_at = fields.DateTime(
        allow_none=True,
        metadata={
            "description": "The first time from now a new ask would pass, leaving the next ask "
            "covered; null until enough recent gives are on the calendar."
        },
    )
    no_date_reason = fields.String(
        allow_none=True, metadata={"description": "Why no date would pass, when none would."}
    )
    min_days_between_asks = fields.Integer()
    gives_lookback_days = fields.Integer(
        metadata={"description": "Gives count toward an ask only this many days before it."}
    )
    next_ask = fields.Nested(
        NextAskSchema,
        allow_none=True,
        metadata={"description": "The first ask still to come and how its gives cover it."},
    )


AudienceQuerySchema = PageQuerySchema
