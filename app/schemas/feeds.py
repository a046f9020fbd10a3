from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.schemas.common import PageQuerySchema, StrictBoolean
from feeds.models import FEED_TAG_MAX, FEED_TAGS_MAX, FEED_TITLE_MAX
from feeds.refresh_policy import MAX_INTERVAL_MINUTES, MIN_INTERVAL_MINUTES
from feeds.urls import MAX_URL_LENGTH

STATUSES = ["ok", "not_modified", "throttled", "gone", "error"]


class FeedSchema(Schema):
    id = fields.Integer(dump_only=True)
    url = fields.String(
        required=True,
        validate=validate.Length(1, MAX_URL_LENGTH),
        metadata={"description": "http or https; private and loopback addresses are refused."},
    )
    title = fields.String(
        allow_none=True,
        load_default=None,
        validate=validate.Length(max=FEED_TITLE_MAX),
        metadata={"description": "Taken from the feed on its first fetch when not given."},
    )
    tags = fields.List(
        fields.String(validate=validate.Length(max=FEED_TAG_MAX)),
        load_default=list,
        validate=validate.Length(max=FEED_TAGS_MAX),
    )
    enabled = StrictBoolean(load_default=True)
    interval_minutes = fields.Integer(
        allow_none=True,
        load_default=None,
        validate=validate.Range(MIN_INTERVAL_MINUTES, MAX_INTERVAL_MINUTES),
        metadata={"description": "Polling interval override; null means the default (60)."},
    )
    last_fetched_at = fields.DateTime(dump_only=True, allow_none=True)
    last_status = fields.String(dump_only=True, allow_none=True, metadata={"enum": STATUSES})
    error_count = fields.Integer(dump_only=True)
    last_error = fields.String(dump_only=True, allow_none=True)
    disabled_reason = fields.String(
        dump_only=True, allow_none=True, metadata={"description": "Why polling stopped (410)."}
    )
    next_check_at = fields.DateTime(dump_only=True)
    article_count = fields.Integer(
        dump_only=True, metadata={"description": "Entries this feed has delivered."}
    )
    created_at = fields.DateTime(dump_only=True)


FeedQuerySchema = PageQuerySchema


class FeedListSchema(Schema):
    items = fields.List(fields.Nested(FeedSchema))
    total = fields.Integer()


class RefreshSummarySchema(Schema):
    fetched = fields.Boolean(metadata={"description": "The server sent the feed and it parsed."})
    not_modified = fields.Boolean(metadata={"description": "304: nothing was parsed or stored."})
    new_articles = fields.Integer()
    updated = fields.Integer()
    errors = fields.Integer(metadata={"description": "1 when the refresh failed: see feed."})
    feed = fields.Nested(FeedSchema, metadata={"description": "The feed after the refresh."})


class SkippedOutlineSchema(Schema):
    url = fields.String()
    reason = fields.String()


class OpmlImportSchema(Schema):
    created = fields.Integer()
    updated = fields.Integer(
        metadata={"description": "Existing feeds that gained tags or a title."}
    )
    skipped = fields.List(
        fields.Nested(SkippedOutlineSchema),
        metadata={"description": "Outlines with unusable URLs; the rest were imported."},
    )
