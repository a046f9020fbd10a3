"""What a post's status means at a given moment, in one place for the API, pages and ICS."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, Select, and_

from schedules.models import Post


def is_overdue(status: str, scheduled_at: dt.datetime | None, now: dt.datetime) -> bool:
    """A scheduled post whose time has passed without being marked published.

    It needs the rep: mark it published (it went out) or move it. Drafts, published and
    cancelled posts are never overdue.
    """
    return status == "scheduled" and scheduled_at is not None and scheduled_at < now


def overdue_clause(now: dt.datetime) -> ColumnElement[bool]:
    """``is_overdue`` as SQL, for queries that must not load the posts to ask it."""
    return and_(Post.status == "scheduled", Post.scheduled_at < now)


def mine_within(
    query: Select, owner_id: int | None, start: dt.datetime | None, end: dt.datetime | None
) -> Select:
    """``query`` kept to one rep's posts (None: the team's) scheduled in [start, end)."""
    if owner_id is not None:
        query = query.where(Post.owner_id == owner_id)
    if start is not None:
        query = query.where(Post.scheduled_at >= start)
    if end is not None:
        query = query.where(Post.scheduled_at < end)
    return query
