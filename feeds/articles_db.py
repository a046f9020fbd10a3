"""Article queries of a workspace: the article list's filters and each feed's entry count."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import ColumnElement, exists, func, or_, select
from sqlalchemy.orm import Session

from core import dialects
from core.db import in_chunks
from feeds.models import Article, Feed, FeedEntry
from feeds.subscriptions_db import get_feed


def feed_article_counts(session: Session, feed_ids: Sequence[int]) -> dict[int, int]:
    """Entries each feed has delivered, which is what a feed's article count means: an
    article syndicated by two feeds counts for both."""
    counts = select(FeedEntry.feed_id, func.count()).group_by(FeedEntry.feed_id)
    return {
        feed_id: n
        for stmt in in_chunks(counts, FeedEntry.feed_id, list(feed_ids))
        for feed_id, n in session.execute(stmt)
    }


def list_articles(
    session: Session,
    workspace_id: int,
    *,
    feed_id: int | None = None,
    tag: str | None = None,
    since: dt.datetime | None = None,
    q: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Article], int]:
    """Newest first, with the total before paging.

    ``feed_id`` matches every article the feed delivered, not only those it delivered first.
    ``tag`` matches an article's own categories or a tag of any feed that delivered it, so an
    OPML folder works as a filter. ``q`` is a case-insensitive substring of title or summary.
    """
    where: list[ColumnElement[bool]] = [Article.workspace_id == workspace_id]
    if feed_id is not None:
        get_feed(session, workspace_id, feed_id)
        where.append(
            Article.id.in_(select(FeedEntry.article_id).where(FeedEntry.feed_id == feed_id))
        )
    if tag:
        where.append(_tagged(session, workspace_id, tag))
    if since is not None:
        where.append(Article.published_at >= since)
    if q and q.strip():
        pattern = "%" + _escape_like(q.strip()) + "%"
        where.append(
            or_(
                Article.title.ilike(pattern, escape="\\"),
                Article.summary_text.ilike(pattern, escape="\\"),
            )
        )
    total = session.scalar(select(func.count()).select_from(Article).where(*where)) or 0
    page = session.scalars(
        select(Article)
        .where(*where)
        .order_by(Article.published_at.desc(), Article.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(page), total


def _tagged(session: Session, workspace_id: int, tag: str) -> ColumnElement[bool]:
    wanted = tag.strip().casefold()
    # A workspace has tens of feeds, not millions: matching their tags here keeps the SQL the
    # same on both databases.
    feed_ids = [
        feed_id
        for feed_id, tags in session.execute(
            select(Feed.id, Feed.tags).where(Feed.workspace_id == workspace_id)
        )
        if any(str(t).casefold() == wanted for t in tags or ())
    ]
    values = dialects.of(session).json_array_elements(Article.tags)
    own = exists(select(1).select_from(values).where(func.lower(values.c.value) == wanted))
    via_feed = Article.id.in_(select(FeedEntry.article_id).where(FeedEntry.feed_id.in_(feed_ids)))
    return or_(own, via_feed) if feed_ids else own


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
