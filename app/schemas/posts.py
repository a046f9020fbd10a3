from __future__ import annotations

import datetime as dt
from typing import Any

from marshmallow import Schema, fields, validate

from app.schemas.common import (
    Instant,
    OwnerQuerySchema,
    PageQuerySchema,
    RangeQuerySchema,
    RowId,
)
from core.db import utcnow
from feeds.urls import MAX_URL_LENGTH
from schedules.models import ASK_TYPES, GIVE_TYPES, POST_BODY_MAX, POST_TITLE_MAX, STATUSES
from schedules.posts import is_overdue
from schedules.times import local_iso

KINDS = ["give", "ask"]
ALL_TYPES = sorted({*GIVE_TYPES, *ASK_TYPES})


class PostSchema(Schema):
    id = fields.Integer(dump_only=True)
    audience_id = fields.Integer(dump_only=True)
    owner_id = RowId(
        metadata={
            "description": "The rep whose calendar the post is on, judged by the rule on that "
            "rep's own timeline (default: you). Admins may post for a rep or reassign a post."
        }
    )
    contact_id = fields.Integer(
        dump_only=True,
        allow_none=True,
        metadata={"description": "Set on a one-to-one ask: the contact it is aimed at."},
    )
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    type = fields.String(
        validate=validate.OneOf(ALL_TYPES),
        metadata={
            "description": f"give: {', '.join(GIVE_TYPES)}; ask: {', '.join(ASK_TYPES)}.",
        },
    )
    article_id = RowId(
        allow_none=True,
        metadata={
            "description": "The article this post shares (from the audience's suggestions). "
            "On create, title, url and body default to the article's title, link and summary."
        },
    )
    title = fields.String(
        validate=validate.Length(1, POST_TITLE_MAX),
        metadata={"description": "Required unless article_id gives one."},
    )
    body = fields.String(allow_none=True, validate=validate.Length(max=POST_BODY_MAX))
    url = fields.Url(
        allow_none=True, schemes={"http", "https"}, validate=validate.Length(max=MAX_URL_LENGTH)
    )
    scheduled_at = Instant(
        allow_none=True,
        validate=validate.Length(max=64),
        metadata={
            "description": "ISO 8601; a time without offset is read in the audience's zone. "
            "Answers are in UTC.",
            "example": "2025-03-11T09:00:00",
        },
    )
    status = fields.String(validate=validate.OneOf(STATUSES))
    scheduled_at_local = fields.String(dump_only=True, allow_none=True)
    sequence = fields.Integer(
        dump_only=True,
        metadata={
            "description": "Grows when the time or text changes, and a one-to-one ask's when "
            "its person's name or company does (calendar apps then replace their copy)."
        },
    )
    overdue = fields.Boolean(
        dump_only=True,
        metadata={
            "description": "Scheduled, and its time has passed without it being marked "
            "published: mark it published or move it."
        },
    )
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)

    def _serialize(self, obj: Any, *, many: bool = False) -> Any:
        """Each post's fields written out directly rather than through marshmallow's generic
        per-field dump: a month of posts is ~80 of them, and that dump was most of a listing's
        time. The fields above still say what is loaded and documented, and a test holds the
        answer's keys to them. ``obj``: Post objects or ``posts_db.PostRow`` values alike."""
        now = utcnow()
        if many:
            return [_post_dict(post, now) for post in obj]
        return _post_dict(obj, now)


def _post_dict(post: Any, now: dt.datetime) -> dict[str, Any]:
    when = post.scheduled_at
    return {
        "id": post.id,
        "audience_id": post.audience_id,
        "owner_id": post.owner_id,
        "contact_id": post.contact_id,
        "kind": post.kind,
        "type": post.type,
        "article_id": post.article_id,
        "title": post.title,
        "body": post.body,
        "url": post.url,
        "scheduled_at": when.isoformat() if when else None,
        "status": post.status,
        "sequence": post.sequence,
        "overdue": is_overdue(post.status, when, now),
        "created_at": post.created_at.isoformat(),
        "updated_at": post.updated_at.isoformat(),
        "scheduled_at_local": local_iso(when, post.audience.timezone) if when else None,
    }


class PostListSchema(Schema):
    items = fields.Nested(PostSchema, many=True)
    total = fields.Integer()


class PostQuerySchema(PageQuerySchema, RangeQuerySchema, OwnerQuerySchema):
    kind = fields.String(validate=validate.OneOf(KINDS))
    status = fields.String(validate=validate.OneOf(STATUSES))


class PostExportQuerySchema(RangeQuerySchema, OwnerQuerySchema):
    """A range on the workspace's clock when naive (posts of several audiences)."""
