"""0019 gives workspaces an articles version and audiences a feedback revision, on both
databases, from 0018 with data in it: both start at 0 and move with their writers; going back
keeps every row."""

from __future__ import annotations

import datetime as dt

from alembic import command

from core import migrations
from core.db import make_sessionmakers
from feeds import subscriptions_db
from schedules import feedback_db, suggestions_db
from tests.unit.conftest import upgrade_with_rows
from tests.unit.migration_helpers import WHEN, audience, user, workspace

NOW = dt.datetime(2026, 12, 8, tzinfo=dt.UTC)
ROWS = [
    workspace(1, "Team Co"),
    user(1, 1, "rep"),
    audience(1, 1),
    "INSERT INTO feeds (id, workspace_id, url, tags, enabled, error_count, next_check_at, "
    f"created_at) VALUES (1, 1, 'https://news.example/feed', '[]', true, 0, {WHEN}, {WHEN})",
    "INSERT INTO articles (id, workspace_id, canonical_url, title, published_at, summary_html, "
    "summary_text, tags, first_feed_id, content_hash, search_title, search_body, search_tags, "
    f"created_at, updated_at) VALUES (1, 1, 'https://news.example/1', 'Pricing', {WHEN}, '', "
    f"'', '[]', 1, 'h', 'pricing', '', '', {WHEN}, {WHEN})",
]


def test_both_start_at_zero_and_move_with_dismissals_verdicts_and_feeds(empty_engine):
    upgrade_with_rows(empty_engine, "0018", ROWS, "0019")
    assert versions(empty_engine) == (0, 0)
    migrations.upgrade(empty_engine, "head")  # today's code reads the rows as today's schema
    _, writer = make_sessionmakers(empty_engine)
    with writer() as session:
        suggestions_db.dismiss(session, 1, 1, 1, owner_id=1)
        feedback_db.record_feedback(session, 1, 1, 1, "useful", NOW)
        subscriptions_db.delete_feed(session, 1, 1)
        session.commit()
    assert versions(empty_engine) == (1, 2)


def versions(engine) -> tuple[int, int]:
    """(The workspace's suggestions_version, the audience's feedback_revision)."""
    with engine.connect() as connection:
        return (
            connection.exec_driver_sql("SELECT suggestions_version FROM workspaces").scalar(),
            connection.exec_driver_sql("SELECT feedback_revision FROM audiences").scalar(),
        )


def test_downgrading_keeps_every_row(empty_engine):
    upgrade_with_rows(empty_engine, "0018", ROWS, "0019")
    command.downgrade(migrations.config(empty_engine), "0018")
    with empty_engine.connect() as connection:
        counts = [
            connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar()
            for table in ("workspaces", "audiences", "feeds", "articles")
        ]
    assert counts == [1, 1, 1, 1]
