"""The database going away answers 503 problem+json with Retry-After, and the service recovers
by itself when it returns; real bugs stay 500."""

from __future__ import annotations

import shutil
import sqlite3
import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest
from sqlalchemy import text

from app import create_app
from core.db import make_engine
from tests.conftest import PG_URL, make_caller
from tests.hardening.helpers import TcpRelay


def assert_503(response) -> None:
    assert response.status_code == 503, response.get_data()[:300]
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["type"] == "/problems/database-unavailable"
    assert int(response.headers["Retry-After"]) > 0


def make_app(url: str, tmp_path, **config):
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "t", **config})
    app.instance_path = str(tmp_path / "instance")
    return app


@pytest.fixture
def sqlite_url(tmp_path, sqlite_template) -> str:
    path = tmp_path / "planner.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


def test_a_locked_sqlite_file_is_503_for_writes_until_released(sqlite_url, tmp_path):
    app = make_app(sqlite_url, tmp_path, SQLITE_BUSY_TIMEOUT_MS=200)
    rep = make_caller(app, "Acme Sales", "rep@acme.example")
    # Another process (a migration, an admin's shell) holds the write lock past the timeout.
    locker = sqlite3.connect(urlsplit(sqlite_url).path[1:], isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        assert_503(rep.post("/api/v1/audiences", json={"name": "CFOs"}))
        assert_503(rep.delete("/api/v1/audiences/1"))
        # WAL: readers are not blocked by a writer, so the calendar can still be read.
        assert rep.get("/api/v1/audiences").status_code == 200
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    assert rep.post("/api/v1/audiences", json={"name": "CFOs"}).status_code == 201
    assert rep.get("/api/v1/audiences").get_json()["total"] == 1
    app.extensions["planner_db"].engine.dispose()


def test_a_real_bug_in_the_database_layer_stays_500(sqlite_url, tmp_path):
    app = make_app(sqlite_url, tmp_path)
    rep = make_caller(app, "Acme Sales", "rep@acme.example")
    with app.extensions["planner_db"].engine.begin() as connection:
        connection.execute(text("DROP TABLE posts"))  # code and schema out of step: a bug
    audience = rep.post("/api/v1/audiences", json={"name": "CFOs"}).get_json()
    response = rep.get(f"/api/v1/audiences/{audience['id']}/posts")
    assert response.status_code == 500
    assert response.mimetype == "application/problem+json"
    assert "Retry-After" not in response.headers
    app.extensions["planner_db"].engine.dispose()


@pytest.fixture
def pg_url(pg_engine, database_url) -> str:
    if database_url != PG_URL:
        pytest.skip("PostgreSQL only")
    return PG_URL


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_postgresql_going_away_is_503_and_coming_back_recovers(pg_url, tmp_path):
    parts = urlsplit(pg_url)
    relay = TcpRelay(parts.hostname or "127.0.0.1", parts.port or 5432)
    relay.start()
    relayed = urlunsplit(parts._replace(netloc=f"{parts.username}@127.0.0.1:{relay.port}"))
    app = make_app(relayed, tmp_path)
    try:
        rep = make_caller(app, "Acme Sales", "rep@acme.example")
        assert rep.post("/api/v1/audiences", json={"name": "CFOs"}).status_code == 201
        relay.stop()
        assert_503(rep.get("/api/v1/audiences"))
        assert_503(rep.post("/api/v1/audiences", json={"name": "CTOs"}))
        relay.start()
        assert rep.get("/api/v1/audiences").get_json()["total"] == 1
        assert rep.post("/api/v1/audiences", json={"name": "CTOs"}).status_code == 201
    finally:
        relay.stop()
        app.extensions["planner_db"].engine.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_terminated_postgresql_connections_are_replaced_unnoticed(pg_url, tmp_path):
    name = f"planner-test-{uuid.uuid4().hex[:12]}"
    sep = "&" if "?" in pg_url else "?"
    app = make_app(f"{pg_url}{sep}application_name={name}", tmp_path)
    rep = make_caller(app, "Acme Sales", "rep@acme.example")
    assert rep.get("/api/v1/audiences").status_code == 200
    admin = make_engine(pg_url)
    with admin.begin() as connection:
        killed = connection.execute(
            text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                 "WHERE application_name = :name"),
            {"name": name},
        ).scalar_one()  # fmt: skip
    admin.dispose()
    assert killed >= 1
    assert rep.get("/api/v1/audiences").status_code == 200
    assert rep.post("/api/v1/audiences", json={"name": "CFOs"}).status_code == 201
    app.extensions["planner_db"].engine.dispose()
