"""SQLite writers from several processes queue for their turn and all get it; a writer that dies
holding its turn, or keeps it too long, cannot wedge the others; readers never queue."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import shutil
import signal
import time

import pytest
from sqlalchemy import func, select

from app import create_app
from core import accounts_db
from core.db import make_engine, make_sessionmakers
from schedules import audiences_db, posts_db
from schedules.models import Audience, Post
from tests.conftest import make_caller
from tests.helpers import make_audience

WRITES_PER_PROCESS = 40
SPAWN = multiprocessing.get_context("spawn")
FIRST_DAY = dt.datetime(2030, 1, 1, 9, tzinfo=dt.UTC)


@pytest.fixture
def sqlite_url(tmp_path, sqlite_template) -> str:
    path = tmp_path / "planner.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


def _write_posts(url: str, audience_id: int, workspace_id: int, first_day: int, go) -> int:
    owner_id = 1  # the workspace's one rep (``_audience``)
    writer = make_sessionmakers(make_engine(url))[1]
    go.wait()
    for day in range(first_day, first_day + WRITES_PER_PROCESS):
        with writer() as session:
            at = (FIRST_DAY + dt.timedelta(days=day)).isoformat()
            fields = {"kind": "give", "title": f"Tip {day}", "scheduled_at": at}
            posts_db.create_post(session, workspace_id, audience_id, fields, owner_id)
            session.commit()
    return os.getpid()


def _hold_a_write(url: str, ready, release) -> None:
    """Begin a write transaction (taking the turn and SQLite's lock) and sit on it."""
    writer = make_sessionmakers(make_engine(url))[1]
    with writer() as session:
        audiences_db.create_audience(session, 1, name="Held")
        ready.set()
        release.wait(60)
        session.rollback()


def _app(url: str, tmp_path, busy_timeout_ms: int):
    app = create_app(
        {"DATABASE_URL": url, "SECRET_KEY": "t", "SQLITE_BUSY_TIMEOUT_MS": busy_timeout_ms}
    )
    app.instance_path = str(tmp_path / "instance")
    return app


def _audience(url: str) -> tuple[int, int]:
    writer = make_sessionmakers(make_engine(url))[1]
    with writer() as session:
        user, _ = accounts_db.create_user(session, "Acme Sales", "rep@acme.example", "rep")
        audience = audiences_db.create_audience(session, user.workspace_id, name="CFOs")
        session.commit()
        assert user.id == 1  # the owner the writers name
        return audience.id, user.workspace_id


def test_two_processes_writing_at_once_both_get_every_write_in(sqlite_url):
    audience_id, workspace_id = _audience(sqlite_url)
    go = SPAWN.Manager().Event()
    with SPAWN.Pool(2) as pool:
        pending = [
            pool.apply_async(_write_posts, (sqlite_url, audience_id, workspace_id, first, go))
            for first in (0, WRITES_PER_PROCESS)
        ]
        time.sleep(1)  # both processes started and waiting at the gate
        go.set()
        pids = {result.get(timeout=120) for result in pending}
    assert len(pids) == 2
    with make_sessionmakers(make_engine(sqlite_url))[0]() as session:
        assert session.scalar(select(func.count()).select_from(Post)) == 2 * WRITES_PER_PROCESS


def test_a_writer_killed_while_holding_its_turn_does_not_wedge_the_next(sqlite_url, tmp_path):
    app = create_app(
        {"DATABASE_URL": sqlite_url, "SECRET_KEY": "t", "SQLITE_BUSY_TIMEOUT_MS": 5000}
    )
    app.instance_path = str(tmp_path / "instance")
    rep = make_caller(app, "Acme Sales", "rep@acme.example")
    # Never set: a process killed while waiting on an Event would block set() for good.
    ready, release = SPAWN.Event(), SPAWN.Event()
    holder = SPAWN.Process(target=_hold_a_write, args=(sqlite_url, ready, release))
    holder.start()
    try:
        assert ready.wait(60)
        os.kill(holder.pid, signal.SIGKILL)
        holder.join(10)
        started = time.monotonic()
        assert rep.post("/api/v1/audiences", json={"name": "CFOs"}).status_code == 201
        assert time.monotonic() - started < 2  # not a busy timeout's worth of waiting
    finally:
        holder.kill()
        holder.join(10)
    with app.extensions["planner_db"].reader() as session:
        assert session.scalars(select(Audience.name)).all() == ["CFOs"]  # the held one is gone
    app.extensions["planner_db"].engine.dispose()


def test_a_turn_held_past_the_timeout_is_503_for_writers_only_and_passes_on(sqlite_url, tmp_path):
    app = _app(sqlite_url, tmp_path, busy_timeout_ms=300)
    rep = make_caller(app, "Acme Sales", "rep@acme.example")
    audience = make_audience(rep)
    ready, release = SPAWN.Event(), SPAWN.Event()
    holder = SPAWN.Process(target=_hold_a_write, args=(sqlite_url, ready, release))
    holder.start()
    try:
        assert ready.wait(60)
        refused = rep.post("/api/v1/audiences", json={"name": "COOs"})
        assert refused.status_code == 503, refused.get_data()[:300]
        assert int(refused.headers["Retry-After"]) > 0
        assert rep.get(f"/api/v1/audiences/{audience['id']}/posts").status_code == 200
    finally:
        release.set()
        holder.join(30)
    assert holder.exitcode == 0
    assert rep.post("/api/v1/audiences", json={"name": "COOs"}).status_code == 201
    app.extensions["planner_db"].engine.dispose()


def test_a_write_is_authenticated_and_its_body_checked_before_it_waits_for_its_turn(
    sqlite_url, tmp_path
):
    # The turn is taken when the view first needs it, not to read the caller's token, so no
    # writer waits on another one's authentication: a body that could never be written is
    # told so while another writer holds the turn; a valid one still waits, here in vain.
    app = _app(sqlite_url, tmp_path, busy_timeout_ms=300)
    rep = make_caller(app, "Acme Sales", "rep@acme.example")
    posts = f"/api/v1/audiences/{make_audience(rep)['id']}/posts"
    ready, release = SPAWN.Event(), SPAWN.Event()
    holder = SPAWN.Process(target=_hold_a_write, args=(sqlite_url, ready, release))
    holder.start()
    try:
        assert ready.wait(60)
        invalid = rep.post(posts, json={"kind": "give", "title": ""})
        assert invalid.status_code == 422, invalid.get_data()[:300]
        assert rep.post(posts, json={"kind": "give", "title": "A tip"}).status_code == 503
    finally:
        release.set()
        holder.join(30)
    assert rep.post(posts, json={"kind": "give", "title": "A tip"}).status_code == 201
    app.extensions["planner_db"].engine.dispose()


def test_a_writer_whose_connection_is_dropped_mid_transaction_hands_on_its_turn(sqlite_url):
    audience_id, workspace_id = _audience(sqlite_url)
    first = make_sessionmakers(make_engine(sqlite_url, sqlite_busy_timeout_ms=300))[1]
    second = make_sessionmakers(make_engine(sqlite_url, sqlite_busy_timeout_ms=300))[1]
    with first() as broken:
        audiences_db.lock_audience(broken, workspace_id, audience_id)
        broken.connection().invalidate()
        with second() as session:
            posts_db.create_post(
                session, workspace_id, audience_id, {"kind": "give", "title": "Tip"}, 1
            )
            session.commit()
    with second() as session:
        assert session.scalar(select(func.count()).select_from(Post)) == 1
