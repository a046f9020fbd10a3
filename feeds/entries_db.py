"""Storing a parsed feed's entries: articles and this feed's entry rows, in bulk."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from core import dialects
from core.accounts_db import touch_suggestions
from core.db import in_chunks, turn_lock
from core.models import Workspace
from feeds import semantic
from feeds.analysis import search_fields
from feeds.models import Article, ArticleVector, Feed, FeedEntry
from feeds.parser import ParsedEntry, ParsedFeed


def lock_workspace_articles(session: Session, workspace_id: int) -> None:
    """Serialise storing entries within a workspace until the caller commits.

    Two feeds of one workspace often carry the same story; refreshed at once on PostgreSQL,
    both would see no article with its URL and both insert one, and the second would fail the
    unique constraint, losing that feed's whole refresh. Locking the workspace row (taken
    after the network I/O, so held only while writing) makes the second wait and then find the
    first's article. SQLite needs nothing: its writer transactions are already serial. A
    key-share lock, like every turn lock (``core.db.turn_lock``): rows referring to the
    workspace (a contact created meanwhile) are not held up by a refresh.
    """
    session.execute(
        turn_lock(session, select(Workspace.id).where(Workspace.id == workspace_id), "workspace")
    )


def store_entries(
    session: Session, feed: Feed, parsed: ParsedFeed, now: dt.datetime
) -> tuple[int, int]:
    """Upsert articles and this feed's entry rows; returns (new articles, updated articles).

    A known entry (same key in this feed) updates its article when its content hash changed.
    A new entry links to an existing article with the same canonical URL (delivered by
    another feed, or earlier under another key) or creates one.

    New rows go in as two bulk INSERTs (articles, then entry rows) rather than as ORM objects:
    a first refresh stores every entry of the feed, and the unit of work's per-object
    bookkeeping cost more than parsing the feed. Bulk inserts skip mapper events, so the
    search columns are filled here from the same :func:`search_fields`, and the meaning
    vectors from :mod:`feeds.semantic` in one batch.
    """
    entries: dict[str, ParsedEntry] = {}
    for entry in parsed.entries:
        entries.setdefault(entry.key, entry)  # an entry repeated within a feed counts once
    feed_keys = select(FeedEntry.entry_key, FeedEntry.article_id).where(
        FeedEntry.feed_id == feed.id
    )
    known: dict[str, int] = {
        key: article_id
        for stmt in in_chunks(feed_keys, FeedEntry.entry_key, list(entries))
        for key, article_id in session.execute(stmt)
    }
    by_id = {
        article.id: article
        # With their vectors: an edited article's is renewed (feeds.models) without a query each.
        for stmt in in_chunks(
            select(Article).options(selectinload(Article.meaning)),
            Article.id,
            list(set(known.values())),
        )
        for article in session.scalars(stmt)
    }
    urls = list({e.url for key, e in entries.items() if e.url and key not in known})
    in_workspace = select(Article.canonical_url, Article.id).where(
        Article.workspace_id == feed.workspace_id
    )
    # Canonical URL -> article id, or -> position in ``new_rows`` for articles created here.
    by_url: dict[str, int] = {
        url: article_id
        for stmt in in_chunks(in_workspace, Article.canonical_url, urls)
        for url, article_id in session.execute(stmt)
    }
    edited: list[tuple[Article, ParsedEntry]] = []
    new_rows: list[dict[str, Any]] = []
    links: list[tuple[str, int, bool]] = []  # (entry key, article id or new row, is new row)
    created: dict[str, int] = {}
    for key, entry in entries.items():
        if key in known:
            article = by_id[known[key]]
            if article.content_hash != entry.content_hash:
                edited.append((article, entry))
        elif entry.url in by_url:
            links.append((key, by_url[entry.url], False))
        elif entry.url in created:
            links.append((key, created[entry.url], True))
        else:
            if entry.url:
                created[entry.url] = len(new_rows)
            links.append((key, len(new_rows), True))
            new_rows.append(_article_row(feed, entry, now))
    ids = insert_articles(session, new_rows)
    dialect = dialects.of(session)
    if links:
        entry_rows = [
            {
                "feed_id": feed.id,
                "article_id": ids[target] if is_new else target,
                "entry_key": key,
                "first_seen_at": now,
            }
            for key, target, is_new in links
        ]
        dialect.insert_rows(session, FeedEntry, entry_rows)
    # After the inserts, so an edited entry whose link moved to a URL that a new entry of this
    # same refresh also carries finds that article and keeps its own URL.
    for article, entry in edited:
        _update_article(session, article, entry, now)
    return len(new_rows), len(edited)


def insert_articles(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Insert article rows in bulk (their canonical URLs distinct) with their meaning vectors,
    embedded in one batch (none without the model); their ids, in order."""
    if not rows:
        return []
    ids = dialects.of(session).insert_returning_ids(session, Article, rows, unique="canonical_url")
    _store_vectors(session, ids, [(row["title"], row["summary_text"]) for row in rows])
    return ids


def embed_missing(session: Session, after_id: int = 0, batch: int = 500) -> tuple[int, int]:
    """Meaning vectors for up to ``batch`` articles past ``after_id`` that have none (stored
    before the semantic extra was installed, or before migration 0016); answers the last
    article id looked at (0 when none was left) and how many vectors were stored."""
    rows = session.execute(
        select(Article.id, Article.workspace_id, Article.title, Article.summary_text)
        .outerjoin(ArticleVector)
        .where(ArticleVector.article_id.is_(None), Article.id > after_id)
        .order_by(Article.id)
        .limit(batch)
    ).all()
    stored = _store_vectors(
        session, [r.id for r in rows], [(r.title, r.summary_text) for r in rows]
    )
    if stored:  # the meaning factor weighs them from now on
        touch_suggestions(session, *{r.workspace_id for r in rows})
    return (rows[-1].id if rows else 0), stored


def _store_vectors(session: Session, ids: list[int], texts: list[tuple[str, str]]) -> int:
    """Embed (title, summary) of these articles in one batch and store the vectors; how many
    (none without the model, nor for a text without a token)."""
    embedded = semantic.embed([semantic.article_text(title, summary) for title, summary in texts])
    vectors = [
        {"article_id": id_, "vector": vector}
        for id_, vector in zip(ids, embedded, strict=True)
        if vector is not None
    ]
    if vectors:
        dialects.of(session).insert_rows(session, ArticleVector, vectors)
    return len(vectors)


def _article_row(feed: Feed, entry: ParsedEntry, now: dt.datetime) -> dict[str, Any]:
    search_title, search_body, search_tags = search_fields(
        entry.title, entry.tags, entry.summary_text
    )
    return {
        "workspace_id": feed.workspace_id,
        "canonical_url": entry.url,
        "published_at": entry.published,
        "first_feed_id": feed.id,
        "created_at": now,
        "search_title": search_title,
        "search_body": search_body,
        "search_tags": search_tags,
        **_entry_fields(entry, now),
    }


def _entry_fields(entry: ParsedEntry, now: dt.datetime) -> dict[str, Any]:
    """The article columns an edited entry replaces."""
    return {
        "title": entry.title,
        "author": entry.author,
        "summary_html": entry.summary_html,
        "summary_text": entry.summary_text,
        "tags": list(entry.tags),
        "content_hash": entry.content_hash,
        "updated_at": now,
    }


def _update_article(
    session: Session, article: Article, entry: ParsedEntry, now: dt.datetime
) -> None:
    """Apply an edited entry. ``published_at`` stays as first seen, so an edit does not
    resurface an old story; the URL moves only if no other article already has it."""
    for column, value in _entry_fields(entry, now).items():
        setattr(article, column, value)
    if entry.url and entry.url != article.canonical_url:
        clash = session.scalar(
            select(Article.id).where(
                Article.workspace_id == article.workspace_id,
                Article.canonical_url == entry.url,
            )
        )
        if clash is None:
            article.canonical_url = entry.url
