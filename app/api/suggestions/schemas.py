from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.api.posts.schemas import PostSchema
from schedules.feedback import VERDICTS
from schedules.suggestions import DEFAULT_LIMIT, MAX_LIMIT


class SuggestionQuerySchema(Schema):
    limit = fields.Integer(load_default=DEFAULT_LIMIT, validate=validate.Range(1, MAX_LIMIT))
    since = fields.String(
        validate=validate.Length(max=64),
        metadata={
            "description": "Oldest publication date considered (ISO 8601; audience time if "
            "naive). Default: 30 days ago."
        },
    )


class SuggestionFeedSchema(Schema):
    id = fields.Integer(allow_none=True)
    title = fields.String(allow_none=True)


class SuggestionSchema(Schema):
    article_id = fields.Integer()
    title = fields.String()
    url = fields.String(allow_none=True)
    published_at = fields.DateTime()
    feed = fields.Nested(SuggestionFeedSchema)
    score = fields.Float(
        metadata={"description": "Keyword relevance (BM25) x 0.5 ** (age / half-life)."}
    )
    relevance = fields.Float(metadata={"description": "BM25 relevance before the decay."})
    matched_keywords = fields.List(fields.String())
    age_days = fields.Float()
    reasons = fields.List(
        fields.String(), metadata={"example": ["Matches pricing", "2 days old", "From SaaStr"]}
    )
    feedback = fields.String(
        allow_none=True,
        validate=validate.OneOf(VERDICTS),
        metadata={"description": "The rep's verdict on this article for the audience, if any."},
    )


class SuggestionListSchema(Schema):
    items = fields.List(fields.Nested(SuggestionSchema))


class FeedbackRequestSchema(Schema):
    verdict = fields.String(
        required=True,
        validate=validate.OneOf(VERDICTS),
        metadata={"description": "Whether the article was worth sharing with this audience."},
    )


class FeedbackSchema(Schema):
    article_id = fields.Integer()
    title = fields.String()
    verdict = fields.String(validate=validate.OneOf(VERDICTS))
    at = fields.DateTime(metadata={"description": "When this verdict was given."})


class FeedbackListSchema(Schema):
    items = fields.List(fields.Nested(FeedbackSchema))


class PlanRequestSchema(Schema):
    start = fields.String(
        data_key="from",
        required=True,
        validate=validate.Length(1, 64),
        metadata={"description": "ISO 8601 date or date-time; audience time if naive."},
    )
    end = fields.String(
        data_key="to",
        required=True,
        validate=validate.Length(1, 64),
        metadata={"description": "Exclusive end; at most five years after from."},
    )


class FilledSlotSchema(Schema):
    slot = fields.DateTime(metadata={"description": "The slot in UTC."})
    post = fields.Nested(PostSchema, metadata={"description": "The draft give made for it."})


class UnfilledSlotSchema(Schema):
    slot = fields.DateTime()
    reason = fields.String()


class PlanSchema(Schema):
    filled = fields.List(fields.Nested(FilledSlotSchema))
    unfilled = fields.List(fields.Nested(UnfilledSlotSchema))
