"""The database going away answers 503 problem+json with Retry-After, and the service recovers
by itself when it returns; real bugs stay 500."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import sqlite3
import subprocess
import threading
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import pytest
from flask import Flask
from sqlalchemy import event, literal, literal_column, make_url, select, text
from sqlalchemy.exc import OperationalError

from app import create_app
from app.problems import from_database_error
from core import migrations
from core.db import make_engine
from tests.conftest import PG_URL, make_caller
from tests.hardening.helpers import TcpRelay
from tests.helpers import ask


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


@contextlib.contextmanager
def read_only_file(path: str) -> Iterator[None]:
    """``path`` made unwritable as a restore with the wrong owner or a read-only mount would:
    immutable (``chattr +i``, which stops root too) when running as root, else mode 444."""
    if os.geteuid() == 0:
        made = subprocess.run(["chattr", "+i", path], capture_output=True, text=True)
        if made.returncode:
            pytest.skip(f"cannot make a file immutable here: {made.stderr.strip()}")
        undo = ["chattr", "-i", path]
    else:
        os.chmod(path, 0o444)
        undo = ["chmod", "644", path]
    try:
        yield
    finally:
        subprocess.run(undo, check=True)


def assert_health(app, database: str) -> dict:
    response = app.test_client().get("/healthz")
    body = response.get_json()
    assert body["database"] == database, body
    if database == "reachable":
        assert (response.status_code, body["status"]) == (200, "ok")
        return body
    assert (response.status_code, body["status"]) == (503, "degraded")
    assert body["detail"]
    assert int(response.headers["Retry-After"]) > 0
    return body


def test_a_read_only_sqlite_file_is_503_for_writes_and_in_healthz_until_writable(
    sqlite_url, tmp_path
):
    app = make_app(sqlite_url, tmp_path)
    rep = make_caller(app, "Acme Sales", "rep@acme.example")
    engine = app.extensions["planner_db"].engine
    with read_only_file(urlsplit(sqlite_url).path[1:]):
        engine.dispose()  # the file was made read-only before the service (re)started
        assert_503(rep.post("/api/v1/audiences", json={"name": "CFOs"}))
        assert rep.get("/api/v1/audiences").status_code == 200  # reads still work
        assert_health(app, "read-only")
    # The connections SQLite opened read-only are replaced, so the very next write succeeds.
    assert rep.post("/api/v1/audiences", json={"name": "CFOs"}).status_code == 201
    assert_health(app, "reachable")
    engine.dispose()


def test_a_full_sqlite_database_is_503_for_writes(sqlite_url, tmp_path):
    app = make_app(sqlite_url, tmp_path)
    rep = make_caller(app, "Acme Sales", "rep@acme.example")
    engine = app.extensions["planner_db"].engine

    def no_room(dbapi_connection, _record) -> None:
        # SQLite's own "database or disk is full" (SQLITE_FULL), as a full disk gives.
        pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    engine.dispose()
    event.listen(engine, "connect", no_room)
    for number in range(1000):  # until the pages left over in the file are used up
        response = rep.post("/api/v1/audiences", json={"name": f"Audience {number:04} " * 10})
        if response.status_code != 201:
            break
    assert_503(response)
    event.remove(engine, "connect", no_room)
    engine.dispose()


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
def test_a_statement_psycopg_refuses_to_send_is_a_logged_500_not_503(pg_url, tmp_path, caplog):
    """psycopg gives a statement of more than 65535 parameters no SQLSTATE, like a refused
    connection; the database is fine, so it is a bug to fix, not an outage to wait out."""
    app = make_app(pg_url, tmp_path)
    too_many = select(literal(1)).where(literal_column("1").in_(list(range(70_000))))
    engine = app.extensions["planner_db"].engine
    with engine.connect() as connection, pytest.raises(OperationalError) as refused:
        connection.execute(too_many)
    with app.test_request_context("/api/v1/team"):
        response = app.make_response(from_database_error(refused.value))
    assert response.status_code == 500
    assert response.mimetype == "application/problem+json"
    assert "Retry-After" not in response.headers
    assert any(r.exc_info and r.exc_info[1] is refused.value for r in caplog.records)
    engine.dispose()


@contextlib.contextmanager
def relayed_app(pg_url: str, tmp_path, **config) -> Iterator[tuple[TcpRelay, Flask]]:
    """An app whose PostgreSQL connections pass through a TcpRelay the test can cut or hold;
    the relay is released and stopped and the app's connections closed afterwards."""
    parts = urlsplit(pg_url)
    relay = TcpRelay(parts.hostname or "127.0.0.1", parts.port or 5432)
    relay.start()
    relayed = urlunsplit(parts._replace(netloc=f"{parts.username}@127.0.0.1:{relay.port}"))
    app = make_app(relayed, tmp_path, **config)
    try:
        yield relay, app
    finally:
        relay.release()
        relay.stop()
        app.extensions["planner_db"].engine.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_postgresql_going_away_is_503_and_coming_back_recovers(pg_url, tmp_path):
    with relayed_app(pg_url, tmp_path) as (relay, app):
        rep = make_caller(app, "Acme Sales", "rep@acme.example")
        assert rep.post("/api/v1/audiences", json={"name": "CFOs"}).status_code == 201
        relay.stop()
        assert_503(rep.get("/api/v1/audiences"))
        assert_503(rep.post("/api/v1/audiences", json={"name": "CTOs"}))
        relay.start()
        assert rep.get("/api/v1/audiences").get_json()["total"] == 1
        assert rep.post("/api/v1/audiences", json={"name": "CTOs"}).status_code == 201


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_postgresql_going_silent_on_open_connections_is_503_not_a_hang(pg_url, tmp_path):
    """A server that keeps its connections but stops answering (hung, or a proxy holding the
    bytes) held each request until gunicorn restarted the worker: libpq has no read timeout.
    With PLANNER_DB_ANSWER_TIMEOUT the request answers 503, and the service recovers."""
    with relayed_app(pg_url, tmp_path, DB_ANSWER_TIMEOUT=2) as (relay, app):
        rep = make_caller(app, "Acme Sales", "rep@acme.example")
        assert rep.post("/api/v1/audiences", json={"name": "CFOs"}).status_code == 201
        relay.hold()
        answers: list = []

        def ask() -> None:
            answers.append(rep.get("/api/v1/audiences"))
            answers.append(rep.post("/api/v1/audiences", json={"name": "CTOs"}))

        asking = threading.Thread(target=ask, daemon=True)
        asking.start()
        asking.join(timeout=60)  # a hang, not a speed: each waits the deadline, then connects
        assert len(answers) == 2, "still waiting for the silent database after 60 s"
        for answer in answers:
            assert_503(answer)
        relay.release()
        assert rep.get("/api/v1/audiences").get_json()["total"] == 1
        assert rep.post("/api/v1/audiences", json={"name": "CTOs"}).status_code == 201


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


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_read_only_postgresql_database_is_503_for_writes_and_in_healthz_until_writable(
    pg_url, tmp_path
):
    app = make_app(pg_url, tmp_path)
    rep = make_caller(app, "Acme Sales", "rep@acme.example")
    database = make_url(pg_url).database
    admin = make_engine(pg_url, isolation_level="AUTOCOMMIT")
    try:
        # As a standby, or an operator's ALTER DATABASE, would; new sessions start read-only.
        with admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{database}" '
                                    "SET default_transaction_read_only = on"))  # fmt: skip
        app.extensions["planner_db"].engine.dispose()
        assert_503(rep.post("/api/v1/audiences", json={"name": "CFOs"}))
        assert rep.get("/api/v1/audiences").status_code == 200
        assert_health(app, "read-only")
    finally:
        with admin.connect() as connection:
            connection.execute(text("SET default_transaction_read_only = off"))
            connection.execute(text(f'ALTER DATABASE "{database}" '
                                    "RESET default_transaction_read_only"))  # fmt: skip
        admin.dispose()
    # The refused write dropped the pool's read-only sessions: the next write gets a new one.
    assert rep.post("/api/v1/audiences", json={"name": "CFOs"}).status_code == 201
    assert_health(app, "reachable")
    app.extensions["planner_db"].engine.dispose()


@pytest.mark.parametrize(
    ("newer", "remedy"),
    [(False, "run 'planner db upgrade'"), (True, "a newer version upgraded it")],
    ids=["behind", "newer"],
)
def test_a_database_not_at_this_versions_schema_is_503_in_healthz(tmp_path, newer, remedy):
    # Serving refuses such a database at start; a backup restored under a running service
    # leaves it so too (planner db restore, before the upgrade it asks for), and a newer
    # version's upgrade leaves a revision this one does not know, which no upgrade here fixes.
    url = f"sqlite:///{tmp_path / 'other.db'}"
    engine = make_engine(url)
    migrations.upgrade(engine, "head-1")
    if newer:
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = 'f00dfeed0001'"))
    revision = migrations.current(engine)
    engine.dispose()
    app = make_app(url, tmp_path)
    detail = assert_health(app, "unmigrated")["detail"]
    assert remedy in detail
    assert ("planner db upgrade" in detail) is not newer
    assert revision not in detail  # the answer is public; the log has the revisions
    app.extensions["planner_db"].engine.dispose()


def test_an_unreachable_database_is_503_with_retry_after_in_healthz(tmp_path):
    app = make_app("postgresql://planner@127.0.0.1:9/planner", tmp_path)  # 9 refuses
    assert_health(app, "unreachable")
    app.extensions["planner_db"].engine.dispose()


def test_a_postgresql_that_accepts_and_then_says_nothing_is_503_not_a_hang(tmp_path):
    """A hung server (or a firewall that drops its packets) takes the connection and never
    answers: without a connect timeout every request waited out the whole outage, /healthz
    too, and no 503 came."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    held: list[socket.socket] = []
    threading.Thread(target=lambda: held.extend(iter(lambda: silent.accept()[0], None)),
                     daemon=True).start()  # fmt: skip
    app = make_app(f"postgresql://planner@127.0.0.1:{silent.getsockname()[1]}/planner", tmp_path)
    answers: list = []

    def ask() -> None:
        answers.append(app.test_client().get("/healthz"))
        bearer = {"Authorization": "Bearer some-token"}  # reading it needs the database
        answers.append(app.test_client().get("/api/v1/audiences", headers=bearer))

    asking = threading.Thread(target=ask, daemon=True)
    asking.start()
    asking.join(timeout=60)  # a hang, not a speed: each answer comes after the connect timeout
    try:
        assert len(answers) == 2, "still waiting for the silent database after 60 s"
        health, api = answers
        assert health.status_code == 503 and health.get_json()["database"] == "unreachable"
        assert_503(api)
    finally:
        app.extensions["planner_db"].engine.dispose()
        silent.close()
        for connection in held:
            connection.close()


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_refusal_is_recorded_though_its_connection_is_killed_while_recording(pg_url, tmp_path):
    """The coaching record of a refused ask is written after the answer, on the request's
    connection; a connection dropped just then (a failover, a pooler restart) lost it."""
    app = make_app(pg_url, tmp_path)
    engine = app.extensions["planner_db"].engine
    rep = make_caller(app, "Acme Sales", "rep@acme.example")
    audience = rep.post("/api/v1/audiences", json={"name": "CFOs"}).get_json()
    admin = make_engine(pg_url)
    killed: list[int] = []

    def kill_first_recording(conn, cursor, statement, *args) -> None:
        if statement.startswith("INSERT INTO ask_refusals") and not killed:
            killed.append(cursor.connection.info.backend_pid)
            with admin.begin() as connection:
                connection.execute(text("SELECT pg_terminate_backend(:pid)"),
                                   {"pid": killed[0]})  # fmt: skip

    event.listen(engine, "before_cursor_execute", kill_first_recording)
    try:
        refused = ask(rep, audience["id"], "2031-01-07T09:00:00Z")
    finally:
        event.remove(engine, "before_cursor_execute", kill_first_recording)
    assert refused.status_code == 409, refused.get_json()
    assert killed
    with app.extensions["planner_db"].reader() as session:
        recorded = session.scalars(select(literal_column("rule")).select_from(
            text("ask_refusals"))).all()  # fmt: skip
    assert recorded == ["give_before_ask"]
    admin.dispose()
    engine.dispose()
