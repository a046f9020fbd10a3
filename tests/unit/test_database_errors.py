"""Which database errors mean the database is away (the callers answer 503, retry later) and
which are bugs (500): psycopg gives neither a refused connection nor a refused statement a
SQLSTATE."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, literal, literal_column, select
from sqlalchemy.exc import OperationalError

from core.db import is_unavailable, make_engine

# More parameters than PostgreSQL's protocol carries (65535): psycopg refuses to send it.
TOO_MANY_PARAMETERS = select(literal(1)).where(literal_column("1").in_(list(range(70_000))))


def test_a_statement_the_driver_refuses_to_send_is_a_bug_not_an_outage(engine: Engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("psycopg's limit; SQLite's is the build's")
    with engine.connect() as connection, pytest.raises(OperationalError) as refused:
        connection.execute(TOO_MANY_PARAMETERS)
    assert getattr(refused.value.orig, "sqlstate", None) is None
    assert not is_unavailable(refused.value)
    with engine.connect() as connection:  # and the connection was fine all along
        assert connection.scalar(select(literal(1))) == 1


def test_a_refused_connection_is_an_outage():
    engine = make_engine("postgresql://planner@127.0.0.1:9/planner")  # port 9 refuses
    with pytest.raises(OperationalError) as refused:
        engine.connect()
    engine.dispose()
    assert getattr(refused.value.orig, "sqlstate", None) is None
    assert is_unavailable(refused.value)
