"""Migration 0006 keeps every row, id and link, and from then on ids are never handed out twice.

On SQLite it rebuilds every table (AUTOINCREMENT cannot be added otherwise): links from other
tables must survive the drops, and articles' full-text triggers must come back with the index.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from feeds.models import Feed
from feeds.search_db import search
from tests.articles import add_article
from tests.unit.conftest import upgrade_with_rows

NOW = dt.datetime(2026, 2, 20, 12, tzinfo=dt.UTC)
STAMP = "'2026-01-01 00:00:00'"
OLD_ROWS = [
    f"INSERT INTO workspaces (name, timezone, created_at, connect_enabled, connect_weekday, "
    f"connect_time, connect_minutes, updated_at) VALUES ('Old Co', 'UTC', {STAMP}, true, 1, "
    f"'08:00', 60, {STAMP})",
    f"INSERT INTO users (workspace_id, email, role, created_at) "
    f"VALUES (1, 'pat@old.example', 'rep', {STAMP})",
    f"INSERT INTO audiences (workspace_id, name, description, keywords, exclude_keywords, "
    f"timezone, cadence, gives_per_ask, min_days_between_asks, revision, created_at, updated_at) "
    f"VALUES (1, 'CFOs', '', '[]', '[]', 'UTC', '{{}}', 3, 30, 0, {STAMP}, {STAMP})",
    *[
        f"INSERT INTO posts (audience_id, kind, type, title, body, scheduled_at, status, sequence, "
        f"created_at, updated_at) VALUES (1, 'give', 'tip', 'Tip {n}', '', "
        f"'2026-0{n}-06 09:00:00', 'scheduled', 0, {STAMP}, {STAMP})"
        for n in (1, 2, 3)
    ],
    f"INSERT INTO contacts (workspace_id, audience_id, name, company, title, decision_maker, "
    f"relationship, notes, created_at, updated_at) VALUES (1, 1, 'Pat', '', '', false, 'none', "
    f"'', {STAMP}, {STAMP})",
    f"INSERT INTO touches (contact_id, kind, at, post_id, note, created_at) "
    f"VALUES (1, 'helped', {STAMP}, 2, '', {STAMP})",
    f"INSERT INTO feeds (workspace_id, url, tags, enabled, error_count, next_check_at, "
    f"created_at) VALUES (1, 'https://x.example/feed', '[]', true, 0, {STAMP}, {STAMP})",
    "INSERT INTO articles (workspace_id, canonical_url, title, published_at, summary_html, "
    "summary_text, tags, first_feed_id, content_hash, created_at, updated_at, search_title, "
    "search_body) VALUES (1, 'https://x.example/a', 'Prices', '2026-02-19 00:00:00', '', '', "
    f"'[]', 1, 'h', {STAMP}, {STAMP}, 'price', '')",
    f"INSERT INTO feed_entries (feed_id, article_id, entry_key, first_seen_at) "
    f"VALUES (1, 1, 'a', {STAMP})",
    "UPDATE posts SET article_id = 1 WHERE id = 3",
]
KEPT = {
    "SELECT id, title FROM posts ORDER BY id": [(1, "Tip 1"), (2, "Tip 2"), (3, "Tip 3")],
    "SELECT id, post_id FROM touches": [(1, 2)],
    "SELECT id, audience_id FROM contacts": [(1, 1)],
    "SELECT article_id FROM posts WHERE id = 3": [(1,)],
    "SELECT feed_id, article_id FROM feed_entries": [(1, 1)],
    "SELECT id, first_feed_id FROM articles": [(1, 1)],
}
NEW_POST = (
    "INSERT INTO posts (audience_id, owner_id, kind, type, title, body, status, sequence, "
    f"created_at, updated_at) VALUES (1, 1, 'give', 'tip', 'New', '', 'draft', 0, {STAMP}, "
    f"{STAMP})"
)


def _newest_post(connection) -> int:
    connection.exec_driver_sql(NEW_POST)
    return connection.exec_driver_sql("SELECT max(id) FROM posts").scalar()


def test_upgrading_keeps_ids_links_and_search_and_then_never_reuses_an_id(empty_engine):
    upgrade_with_rows(empty_engine, "0005", OLD_ROWS)

    with empty_engine.begin() as connection:
        for query, rows in KEPT.items():
            assert [tuple(row) for row in connection.exec_driver_sql(query)] == rows, query
        connection.exec_driver_sql("DELETE FROM posts WHERE id = 3")
        assert _newest_post(connection) == 4
        connection.exec_driver_sql("DELETE FROM posts WHERE id = 4")
        assert _newest_post(connection) == 5

    since = dt.datetime(2026, 2, 1, tzinfo=dt.UTC)
    with Session(empty_engine) as session:
        assert [m.article_id for m in search(session, 1, ["price"], since=since)] == [1]
        feed = session.get(Feed, 1)
        added = add_article(session, feed, "Churn and retention", now=NOW)
        session.commit()
        assert [m.article_id for m in search(session, 1, ["churn"], since=since)] == [added.id]
