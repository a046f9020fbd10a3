"""Feeds and articles written straight to the database, for suggestion tests; each marks the
workspace's suggestion lists stale, as a refresh or a subscription does
(core.accounts_db.touch_suggestions)."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from sqlalchemy.orm import Session

from core.accounts_db import touch_suggestions
from feeds.models import Article, Feed, FeedEntry

NOW = dt.datetime.now(dt.UTC)


def add_feed(session: Session, workspace_id: int, title: str) -> Feed:
    slug = title.lower().replace(" ", "-")
    feed = Feed(workspace_id=workspace_id, url=f"https://{slug}.example/feed", title=title)
    session.add(feed)
    touch_suggestions(session, workspace_id)
    session.flush()
    return feed


def add_article(
    session: Session,
    feed: Feed,
    title: str,
    *,
    days_old: float = 1,
    summary: str = "",
    tags: tuple[str, ...] = (),
    url: str | None = None,
    now: dt.datetime = NOW,
    **extra: Any,
) -> Article:
    url = url or f"{feed.url.removesuffix('/feed')}/{hashlib.sha1(title.encode()).hexdigest()[:10]}"
    article = Article(
        workspace_id=feed.workspace_id,
        canonical_url=url,
        title=title,
        summary_text=summary,
        summary_html=f"<p>{summary}</p>",
        tags=list(tags),
        published_at=now - dt.timedelta(days=days_old),
        first_feed_id=feed.id,
        content_hash=hashlib.sha256(f"{title}{summary}".encode()).hexdigest(),
        **extra,
    )
    session.add(article)
    session.add(FeedEntry(feed_id=feed.id, article=article, entry_key=url))
    touch_suggestions(session, feed.workspace_id)
    session.flush()
    return article
