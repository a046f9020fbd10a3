"""Webhook delivery by real ``planner worker`` processes: a worker SIGKILLed mid-delivery
leaves the delivery to be sent after restart, a receiver that hangs holds back no other
endpoint's deliveries, and two workers on PostgreSQL send each event once.

The killed worker's lease on its delivery lasts 15 s; the test moves ``claimed_until`` back
instead of waiting, which is all the lease running out does.
"""

from __future__ import annotations

import collections
import threading
import time

import pytest
from sqlalchemy import select, update
from werkzeug import Request, Response

from app.webhook_jobs import LEASE
from core.db import utcnow
from schedules.webhooks import deliveries_db, outbox_db
from schedules.webhooks.models import PING, WebhookDelivery, WebhookEndpoint
from tests.cli.helpers import planner
from tests.conftest import make_caller

pytestmark = pytest.mark.options(FEEDS_ALLOW_PRIVATE=True)


def endpoint_for(
    app, url: str, team: str = "Acme Sales", email: str = "rep@acme.example"
) -> tuple[int, int]:
    admin = make_caller(app, team, email)
    created = admin.post("/api/v1/webhooks", json={"url": url})
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
    workspace_id, endpoint_id = endpoint_for(app, threaded_server.url_for("/hooks"))
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


def test_a_hanging_receiver_delays_its_own_deliveries_not_another_workspace_s(
    app, database_url, writer, threaded_server
):
    hanging = endpoint_for(app, threaded_server.url_for("/hangs"))
    elsewhere = endpoint_for(
        app, threaded_server.url_for("/fast"), "Globex Sales", "rep@globex.example"
    )
    stalled, fast, release = threading.Event(), threading.Event(), threading.Event()

    def hang(_request: Request) -> Response:
        stalled.set()
        release.wait(30)  # longer than the worker waits (10 s): it gives up first
        return Response("late")

    def answer(_request: Request) -> Response:
        fast.set()
        return Response("ok")

    threaded_server.expect_request("/hangs", method="POST").respond_with_handler(hang)
    threaded_server.expect_request("/fast", method="POST").respond_with_handler(answer)
    ping(writer, *hanging, 4)  # more than the worker has threads (two, and one more)
    app.extensions["planner_db"].engine.dispose()
    worker = planner("worker", "--interval", "0.2", "--workers", "2", database_url=database_url)
    try:
        assert stalled.wait(60), "the worker never reached the hanging receiver"
        ping(writer, *elsewhere, 1)  # written while a send hangs
        assert fast.wait(30), "the other workspace's event never arrived"
        with writer() as session:
            tried = session.scalars(
                select(WebhookDelivery.last_error).where(
                    WebhookDelivery.endpoint_id == hanging[1], WebhookDelivery.attempts > 0
                )
            ).all()
        # It arrived while the hanging receiver held the two sends it may have at once, before
        # either timed out.
        assert tried == [None, None]
    finally:
        release.set()
        worker.terminate()
        _out, err = worker.communicate(timeout=60)
    assert worker.returncode == 0, err


def test_a_failing_endpoint_is_sent_one_delivery_at_a_time(app, writer, threaded_server):
    failing = endpoint_for(app, threaded_server.url_for("/down"))
    healthy = endpoint_for(app, threaded_server.url_for("/up"), "Globex Sales", "a@globex.example")
    ping(writer, *failing, 2)
    ping(writer, *healthy, 1)

    def next_claimed(sending: dict[int, int]) -> int:
        with writer() as session:
            claim = deliveries_db.claim(session, utcnow(), LEASE, sending, per_endpoint=3)
            session.rollback()  # looked at, not leased
        return claim.endpoint_id

    with writer() as session:
        assert deliveries_db.dispatch_due(session, utcnow()) == 3
        session.commit()
    # One send in flight to the first endpoint: while it answers, its next one may go too.
    assert next_claimed({failing[1]: 1}) == failing[1]
    with writer() as session:
        session.get(WebhookEndpoint, failing[1]).failing_since = utcnow()
        session.commit()
    assert next_claimed({failing[1]: 1}) == healthy[1]  # failing: one at a time


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_workers_on_postgresql_deliver_each_event_once(
    app, database_url, writer, threaded_server
):
    workspace_id, endpoint_id = endpoint_for(app, threaded_server.url_for("/hooks"))
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
