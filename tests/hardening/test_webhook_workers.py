"""Webhook delivery by real ``planner worker`` processes: a worker SIGKILLed mid-delivery
leaves the delivery to be sent after restart, and two workers on PostgreSQL send each event
once.

The killed worker's lease on its delivery lasts 15 s; the test moves ``claimed_until`` back
instead of waiting, which is all the lease running out does.
"""

from __future__ import annotations

import collections
import threading
import time

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import select, update
from werkzeug import Request, Response

from core.db import utcnow
from schedules.webhooks import outbox_db
from schedules.webhooks.models import PING, WebhookDelivery
from tests.cli.helpers import planner
from tests.conftest import make_caller

pytestmark = pytest.mark.options(FEEDS_ALLOW_PRIVATE=True)


def endpoint_for(app, threaded_server: HTTPServer) -> tuple[int, int]:
    admin = make_caller(app, "Acme Sales", "rep@acme.example")
    created = admin.post("/api/v1/webhooks", json={"url": threaded_server.url_for("/hooks")})
    assert created.status_code == 201, created.get_json()
    return admin.workspace_id, created.get_json()["id"]


def ping(writer, workspace_id: int, endpoint_id: int, count: int) -> None:
    with writer() as session:
        for n in range(count):
            outbox_db.record(session, workspace_id, PING, {"n": n}, endpoint_id=endpoint_id)
        session.commit()


def run_worker(database_url: str, *args: str) -> None:
    process = planner("worker", "--once", *args, database_url=database_url)
    _out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err


def test_a_worker_killed_mid_delivery_leaves_it_to_be_sent_after_restart(
    app, database_url, writer, threaded_server
):
    workspace_id, endpoint_id = endpoint_for(app, threaded_server)
    stalled, release = threading.Event(), threading.Event()
    ids: list[str] = []

    def stall_first(request: Request) -> Response:
        ids.append(request.headers["webhook-id"])
        if len(ids) == 1:
            stalled.set()
            release.wait(30)
        return Response("ok")

    threaded_server.expect_request("/hooks", method="POST").respond_with_handler(stall_first)
    ping(writer, workspace_id, endpoint_id, 1)
    app.extensions["planner_db"].engine.dispose()
    worker = planner("worker", "--once", "--workers", "1", database_url=database_url)
    try:
        assert stalled.wait(60), "the worker never reached the receiver"
        worker.kill()  # SIGKILL: no handler, no cleanup, no commit
        worker.wait(10)
    finally:
        release.set()
    with writer() as session:
        [delivery] = session.scalars(select(WebhookDelivery)).all()
        assert (delivery.attempts, delivery.delivered_at) == (1, None)
        assert delivery.claimed_until > utcnow()  # leased to the dead worker
    run_worker(database_url)
    assert len(ids) == 1  # the lease holds against a second worker meanwhile
    with writer() as session:
        session.execute(update(WebhookDelivery).values(claimed_until=utcnow()))
        session.commit()
    run_worker(database_url)
    with writer() as session:
        [delivery] = session.scalars(select(WebhookDelivery)).all()
        assert delivery.attempts == 2 and delivery.delivered_at is not None
    assert ids == [ids[0], ids[0]]  # the same webhook-id, for the receiver to drop the repeat


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_workers_on_postgresql_deliver_each_event_once(
    app, database_url, writer, threaded_server
):
    workspace_id, endpoint_id = endpoint_for(app, threaded_server)
    hits: collections.Counter[str] = collections.Counter()
    lock = threading.Lock()

    def slow_ok(request: Request) -> Response:
        with lock:
            hits[request.headers["webhook-id"]] += 1
        time.sleep(0.02)  # long enough that both workers are sending at once
        return Response("ok")

    threaded_server.expect_request("/hooks", method="POST").respond_with_handler(slow_ok)
    ping(writer, workspace_id, endpoint_id, 60)
    app.extensions["planner_db"].engine.dispose()
    started = time.monotonic()
    workers = [
        planner("worker", "--once", "--workers", "3", database_url=database_url) for _ in "ab"
    ]
    for worker in workers:
        _out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err
    assert len(hits) == 60
    assert set(hits.values()) == {1}
    assert time.monotonic() - started < 60
