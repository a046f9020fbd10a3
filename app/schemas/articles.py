from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.schemas.common import PageQuerySchema, RowId


class ArticleSchema(Schema):
    id = fields.Integer()
    url = fields.String(attribute="canonical_url", allow_none=True)
    title = fields.String()
    author = fields.String(allow_none=True)
    published_at = fields.DateTime()
    summary_html = fields.String(metadata={"description": "Sanitised HTML."})
    summary_text = fields.String()
    tags = fields.List(fields.String())
    feed_id = fields.Integer(
        attribute="first_feed_id",
        allow_none=True,
        metadata={"description": "The feed that delivered it first; null once unsubscribed."},
    )
    updated_at = fields.DateTime()


class ArticleListSchema(Schema):
    items = fields.List(fields.Nested(ArticleSchema))
    total = fields.Integer()


class ArticleQuerySchema(PageQuerySchema):
    feed = RowId(metadata={"description": "Articles this feed delivered."})
    tag = fields.String(
        validate=validate.Length(1, 100),
        metadata={"description": "The article's own category or a tag of a feed that sent it."},
    )
    since = fields.String(  # read by times.parse_when, as from and to are: dates too
        validate=validate.Length(max=64),
        metadata={
            "description": "Published at or after: ISO 8601 date or date-time; UTC when "
            "without offset."
        },
    )
    q = fields.String(
        validate=validate.Length(1, 200),
        metadata={"description": "Case-insensitive text in the title or summary."},
    )
