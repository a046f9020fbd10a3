"""Feeds, the articles they deliver, and which feed delivered which article.

An article is identified by its canonical URL within a workspace, so a story syndicated by two
subscribed feeds is read, planned and shared once. Each feed still keeps its own entry rows
(``FeedEntry``), keyed by the entry's id within that feed: that is what tells a feed's new
entries from ones it has delivered before, and what each feed's entry count means.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from core.db import Base, UTCDateTime, utcnow
from feeds import semantic
from feeds.analysis import search_fields
from feeds.urls import MAX_URL_LENGTH

# Limits of what a feed and an article hold, stated once: the parser clips to them, the
# subscription checks and the API schemas refuse longer values.
FEED_TITLE_MAX = 500
FEED_TAG_MAX = 64
FEED_TAGS_MAX = 20
FEED_ERROR_MAX = 2000
FEED_ETAG_MAX = 1024
FEED_LAST_MODIFIED_MAX = 128
ARTICLE_TITLE_MAX = 1000
ARTICLE_AUTHOR_MAX = 500
ARTICLE_SUMMARY_TEXT_MAX = 1000
ARTICLE_TAG_MAX = 100
ARTICLE_TAGS_MAX = 20
ENTRY_KEY_MAX = 255


class Feed(Base):
    """A subscription plus the state of its polling schedule.

    ``etag`` and ``last_modified`` are stored verbatim because HTTP validators must be echoed
    back byte for byte; one that could not be (not printable ASCII), or longer than its column,
    is not stored. ``ttl_minutes`` is the feed's own ``<ttl>``, kept so that a run of 304
    answers (which carry no body) still honours it.
    """

    __tablename__ = "feeds"
    __table_args__ = (
        UniqueConstraint("workspace_id", "url"),
        Index("ix_feeds_due", "enabled", "next_check_at"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(String(MAX_URL_LENGTH))
    title: Mapped[str | None] = mapped_column(String(FEED_TITLE_MAX), default=None)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    etag: Mapped[str | None] = mapped_column(String(FEED_ETAG_MAX), default=None)
    last_modified: Mapped[str | None] = mapped_column(String(FEED_LAST_MODIFIED_MAX), default=None)
    last_fetched_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    last_status: Mapped[str | None] = mapped_column(String(32), default=None)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    next_check_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    interval_minutes: Mapped[int | None] = mapped_column(Integer, default=None)
    ttl_minutes: Mapped[int | None] = mapped_column(Integer, default=None)
    disabled_reason: Mapped[str | None] = mapped_column(String(500), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Article(Base):
    """One readable item, whichever feeds delivered it.

    ``canonical_url`` is NULL for the rare entry without a link; such articles are never merged
    across feeds (NULLs are distinct under a unique constraint on both databases).
    """

    __tablename__ = "articles"
    __table_args__ = (
        UniqueConstraint("workspace_id", "canonical_url"),
        # Covers the suggestion window's per-feed count (feeds.search_db.feed_volumes) as well as
        # every range of a workspace's articles by date.
        Index(
            "ix_articles_workspace_published_feed", "workspace_id", "published_at", "first_feed_id"
        ),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    canonical_url: Mapped[str | None] = mapped_column(String(MAX_URL_LENGTH), default=None)
    title: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str | None] = mapped_column(String(ARTICLE_AUTHOR_MAX), default=None)
    published_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    summary_html: Mapped[str] = mapped_column(Text, default="")
    summary_text: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    # SET NULL: unsubscribing from a feed must not delete articles already planned or shared.
    first_feed_id: Mapped[int | None] = mapped_column(
        ForeignKey("feeds.id", ondelete="SET NULL"), index=True, default=None
    )
    content_hash: Mapped[str] = mapped_column(String(64))
    # Analysed words of the title, the summary and the tags (feeds.analysis), kept current by
    # the listener below; the full-text indexes of migration 0005 index title and summary.
    search_title: Mapped[str] = mapped_column(Text, default="", server_default="")
    search_body: Mapped[str] = mapped_column(Text, default="", server_default="")
    search_tags: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    meaning: Mapped[ArticleVector | None] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )


class ArticleVector(Base):
    """An article's meaning vector (feeds.semantic), none without the model. Apart from the
    article, so that the suggestion window's scans of articles stay over compact rows, and
    ranking reads only its few hundred candidates' vectors, by key."""

    __tablename__ = "article_vectors"

    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    vector: Mapped[bytes] = mapped_column(LargeBinary)


@event.listens_for(Article, "before_insert")
@event.listens_for(Article, "before_update")
def _analyse_for_search(_mapper: Any, _connection: Any, article: Article) -> None:
    """Every ORM write keeps the search columns in step with the text, whoever writes it."""
    article.search_title, article.search_body, article.search_tags = search_fields(
        article.title or "", article.tags or (), article.summary_text or ""
    )


@event.listens_for(Session, "before_flush")
def _embed_for_ranking(session: Session, _context: Any, _instances: Any) -> None:
    """Every ORM write of an article's text keeps its meaning vector in step, in one batch;
    a flush that changes no article's title or summary costs a scan of the session's changes."""
    changed = [
        a
        for a in (*session.new, *session.dirty)
        if isinstance(a, Article) and (a in session.new or _text_changed(a))
    ]
    if not changed:
        return
    texts = [semantic.article_text(a.title or "", a.summary_text or "") for a in changed]
    for article, vector in zip(changed, semantic.embed(texts), strict=True):
        if vector is None:
            article.meaning = None
        elif article.meaning is None:
            article.meaning = ArticleVector(vector=vector)
        else:
            article.meaning.vector = vector


def _text_changed(article: Article) -> bool:
    attrs = inspect(article).attrs
    return attrs.title.history.has_changes() or attrs.summary_text.history.has_changes()


class FeedEntry(Base):
    __tablename__ = "feed_entries"
    __table_args__ = (UniqueConstraint("feed_id", "entry_key"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"))
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    entry_key: Mapped[str] = mapped_column(String(ENTRY_KEY_MAX))
    first_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    article: Mapped[Article] = relationship()
