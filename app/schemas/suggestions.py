from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.schemas.common import RowId, WholeNumber
from app.schemas.posts import PostSchema
from schedules.feedback_db import VERDICTS
from schedules.suggestions_db import DEFAULT_LIMIT, MAX_LIMIT


def since_field() -> fields.String:
    return fields.String(
        validate=validate.Length(max=64),
        metadata={
            "description": "Oldest publication date considered (ISO 8601; audience time if "
            "naive). Default: 60 days ago for a news audience, 180 for an evergreen one."
        },
    )


class SuggestionQuerySchema(Schema):
    limit = WholeNumber(load_default=DEFAULT_LIMIT, validate=validate.Range(1, MAX_LIMIT))
    since = since_field()


class SuggestionFeedSchema(Schema):
    id = fields.Integer(allow_none=True)
    title = fields.String(allow_none=True)


class ColleaguePlanSchema(Schema):
    user_id = fields.Integer()
    email = fields.String()
    at = fields.DateTime(metadata={"description": "When the colleague's post goes (or went) out."})
    status = fields.String(validate=validate.OneOf(["draft", "scheduled", "published"]))


def colleague_plans(description: str) -> fields.List:
    return fields.List(fields.Nested(ColleaguePlanSchema), metadata={"description": description})


class SuggestionSchema(Schema):
    article_id = fields.Integer()
    title = fields.String()
    url = fields.String(allow_none=True)
    published_at = fields.DateTime()
    feed = fields.Nested(SuggestionFeedSchema)
    score = fields.Float(
        metadata={
            "description": "relevance x feed fit x feedback x freshness (see docs/suggestions.md, "
            "'How ranking works')."
        }
    )
    relevance = fields.Float(
        metadata={"description": "Lexical relevance (BM25F over title, summary and tags, "
                  "description words, breadth of evidence) before the other factors."}
    )  # fmt: skip
    matched_keywords = fields.List(fields.String())
    age_days = fields.Float()
    also_in = fields.List(
        fields.String(),
        metadata={"description": "Other feeds that carried the same story (collapsed into this "
                  "one, the best-scored copy)."},
    )  # fmt: skip
    reasons = fields.List(
        fields.String(),
        metadata={
            "example": [
                "Title mentions pricing",
                "2 days old",
                "From SaaStr, where 8 of 10 recent articles fit this audience",
            ]
        },
    )
    feedback = fields.String(
        allow_none=True,
        validate=validate.OneOf(VERDICTS),
        metadata={"description": "The rep's verdict on this article for the audience, if any."},
    )
    planned_by = colleague_plans(
        "Colleagues who drafted, scheduled or published this article for the audience, "
        "soonest first; each is also a reason."
    )
    staggered_until = fields.DateTime(
        allow_none=True,
        metadata={"description": "A colleague shares it within a week of now, so it is listed "
                  "after the unplanned suggestions until then; null when it is not held back."},
    )  # fmt: skip


class EmptyReasonSchema(Schema):
    code = fields.String(
        validate=validate.OneOf(["no_keywords", "no_feeds", "nothing_in_window"]),
        metadata={"description": "no_keywords: add keywords; no_feeds: follow a feed; "
                  "nothing_in_window: look further back with ``since``."},
    )  # fmt: skip
    message = fields.String()
    older_matches = fields.Integer(
        metadata={"description": "Matching unused articles older than the window."}
    )
    window_start = fields.DateTime(
        allow_none=True, metadata={"description": "Where the window began (UTC)."}
    )


class SuggestionListSchema(Schema):
    items = fields.List(fields.Nested(SuggestionSchema))
    empty = fields.Nested(
        EmptyReasonSchema,
        allow_none=True,
        metadata={"description": "Why there are no items; null when there are some."},
    )


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
    owner_id = RowId(
        metadata={"description": "Whose empty slots to plan (default: yours; admins only)."}
    )
    since = since_field()  # the window the suggestions list was asked for, so both agree


class FilledSlotSchema(Schema):
    slot = fields.DateTime(metadata={"description": "The slot in UTC."})
    post = fields.Nested(PostSchema, metadata={"description": "The draft give made for it."})
    planned_by = colleague_plans(
        "Colleagues who post the same article within a week of the slot: only when no other "
        "unused article was left; usually empty."
    )
    note = fields.String(
        allow_none=True, metadata={"description": "Why the slot shares a colleague's article."}
    )


class UnfilledSlotSchema(Schema):
    slot = fields.DateTime()
    reason = fields.String()


class PlanSchema(Schema):
    filled = fields.List(fields.Nested(FilledSlotSchema))
    unfilled = fields.List(fields.Nested(UnfilledSlotSchema))
