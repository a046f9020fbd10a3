"""Which strategy a bind gets, and what the statement-shaping ones do; no database server."""

from __future__ import annotations

from sqlalchemy import column, create_engine, select, table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core import dialects

ROWS = table("rows", column("id"))


def test_of_finds_the_strategy_from_an_engine_a_connection_or_a_session() -> None:
    engine = create_engine("sqlite://")
    with engine.connect() as connection, Session(engine) as session:
        assert dialects.of(engine) is dialects.of(connection) is dialects.of(session)
        assert dialects.of(engine) is dialects.SQLITE
    assert dialects.of(create_engine("postgresql+psycopg://planner@db/planner")) is (
        dialects.POSTGRESQL
    )


def test_only_postgresql_locks_rows() -> None:
    stmt = select(ROWS.c.id)
    assert dialects.SQLITE.for_update(stmt, skip_locked=True) is stmt
    locked = dialects.POSTGRESQL.for_update(stmt, skip_locked=True)
    assert str(locked.compile(dialect=postgresql.dialect())).endswith("FOR UPDATE SKIP LOCKED")
    # A row locked to take turns still lets others insert rows that refer to it.
    turns = dialects.POSTGRESQL.for_update(stmt, key_share=True)
    assert str(turns.compile(dialect=postgresql.dialect())).endswith("FOR NO KEY UPDATE")


def test_json_arrays_unnest_with_each_databases_own_function() -> None:
    for strategy, dialect, name in (
        (dialects.SQLITE, sqlite.dialect(), "json_each"),
        (dialects.POSTGRESQL, postgresql.dialect(), "json_array_elements_text"),
    ):
        values = strategy.json_array_elements(column("tags"))
        assert name in str(select(values.c.value).compile(dialect=dialect))
