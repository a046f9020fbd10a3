"""0015 gives posts the revision a kept calendar is brought up to date by, 0 for the posts
already there, on both databases, from 0014 with data in it; and goes back keeping the posts."""

from __future__ import annotations

from alembic import command

from core import migrations
from core.db import make_sessionmakers, utcnow
from schedules import calendar_db, posts_db
from tests.unit.conftest import upgrade_with_rows
from tests.unit.migration_helpers import TEAM_POSTS_ROWS, indexes

NOW = utcnow()


def _calendar(session, cache=None, now=NOW) -> bytes:
    audiences = calendar_db.audiences_for_export(session, 1, [1])
    options = calendar_db.ExportOptions(owner_id=2)
    return calendar_db.build(session, 1, audiences, options, now, cache).render(now)


def test_existing_posts_start_at_revision_0_and_a_kept_calendar_sees_the_next_change(
    empty_engine,
):
    upgrade_with_rows(empty_engine, "0014", TEAM_POSTS_ROWS, "0015")
    assert "ix_posts_audience_revision" in indexes(empty_engine)
    with empty_engine.connect() as connection:
        revisions = connection.exec_driver_sql("SELECT DISTINCT revision FROM posts").all()
    assert [tuple(row) for row in revisions] == [(0,)]
    migrations.upgrade(empty_engine, "head")  # today's code reads the rows as today's schema
    reader, writer = make_sessionmakers(empty_engine)
    cache = calendar_db.EventCache(2**20)
    with reader() as session:
        assert b"SUMMARY:Give: T5\r\n" in _calendar(session, cache)
    with writer() as session:
        posts_db.update_post(session, 1, 5, {"title": "Renamed"})
        session.commit()
    with reader() as session:
        kept = _calendar(session, cache)
        assert b"SUMMARY:Give: Renamed\r\n" in kept
        assert kept == _calendar(session)


def test_downgrading_drops_the_revision_and_keeps_the_posts(empty_engine):
    upgrade_with_rows(empty_engine, "0014", TEAM_POSTS_ROWS, "0015")
    command.downgrade(migrations.config(empty_engine), "0014")
    assert "ix_posts_audience_revision" not in indexes(empty_engine)
    with empty_engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM posts").scalar() == 12
