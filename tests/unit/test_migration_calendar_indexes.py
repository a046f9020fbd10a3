"""0012 makes the calendar's version read, a rep's and the team's, an index-only read, on both
databases, from 0011 with data in it, and 0011 comes back on the way down."""

from __future__ import annotations

import datetime as dt
import re

from alembic import command
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from core import dialects, migrations
from schedules import calendar_db
from tests.unit.conftest import upgrade_with_rows
from tests.unit.migration_helpers import TEAM_POSTS_ROWS, indexes

NEW = {"ix_posts_audience_calendar", "ix_posts_audience_owner_calendar"}
OLD = {"ix_posts_audience_scheduled_at", "ix_posts_audience_owner_scheduled_at"}


def _calendar_plan(engine: Engine, owner_id: int | None) -> tuple[list[int], str]:
    """The posts of the calendar and how the database reads their versions."""
    statements = []

    def keep(conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.lstrip().startswith("SELECT posts.id") and " CASE " in statement:
            statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        with Session(engine) as session:
            audiences = calendar_db.audiences_for_export(session, 1, [1])
            options = calendar_db.ExportOptions(owner_id=owner_id)
            now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
            body = calendar_db.build(session, 1, audiences, options, now).render(now)
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    [(statement, parameters)] = statements
    with engine.begin() as connection:
        if dialects.of(engine) is dialects.SQLITE:
            rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            plan = " ".join(row[-1] for row in rows)
        else:  # a dozen rows: only a planner told that reading the table is dear picks an index
            connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
            connection.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
            rows = connection.exec_driver_sql(f"EXPLAIN {statement}", parameters)
            plan = " ".join(row[0] for row in rows)
    return [int(id_) for id_ in re.findall(rb"UID:post-(\d+)@", body)], plan


def test_a_reps_calendar_and_the_teams_are_read_from_the_index_alone(empty_engine):
    # To the head: the calendar is rendered by today's models.
    upgrade_with_rows(empty_engine, "0011", TEAM_POSTS_ROWS)
    assert indexes(empty_engine) >= NEW and not OLD & indexes(empty_engine)
    readers = {
        dialects.SQLITE: "USING COVERING INDEX {}",
        dialects.POSTGRESQL: "Index Only Scan using {} on posts",
    }[dialects.of(empty_engine)]
    rep_ids, rep_plan = _calendar_plan(empty_engine, 2)
    team_ids, team_plan = _calendar_plan(empty_engine, None)
    assert rep_ids == [1, 3, 5, 7, 9, 11]  # scheduled, published, cancelled; no drafts
    assert team_ids == [1, 2, 3, 5, 6, 7, 9, 10, 11]
    assert readers.format("ix_posts_audience_owner_calendar") in rep_plan, rep_plan
    assert readers.format("ix_posts_audience_calendar") in team_plan, team_plan
    assert "TEMP B-TREE" not in rep_plan + team_plan and "Sort" not in rep_plan + team_plan


def test_downgrading_brings_back_the_indexes_of_0011_and_keeps_the_posts(empty_engine):
    upgrade_with_rows(empty_engine, "0011", TEAM_POSTS_ROWS, "0012")
    command.downgrade(migrations.config(empty_engine), "0011")
    assert indexes(empty_engine) >= OLD and not NEW & indexes(empty_engine)
    with empty_engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM posts").scalar() == 12
