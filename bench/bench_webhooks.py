"""Webhook throughput: events delivered per second from the outbox to a local receiver.

Events are written to the outbox in committed batches (as changes would write them), then
``planner worker``'s delivery runner fans them out and sends each one, signed with
standardwebhooks, through the SSRF-vetting client to a receiver on 127.0.0.1 that answers
200 at once; every delivery is a claim transaction, an HTTP POST and an outcome transaction.
No target: the figure says how many events a worker sends per second here.

Run: .venv/bin/python bench/bench_webhooks.py [--database-url postgresql://...] [--events N]
[--workers N] [--json] (the run's workspace is deleted at the end).
"""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
import threading
import time
from pathlib import Path

from sqlalchemy import func, select
from werkzeug import Request, Response
from werkzeug.serving import make_server
from workspaces import drop_workspace

from app.runtime import open_database
from app.webhook_jobs import DeliveryRunner
from core import accounts_db, migrations
from core.db import make_engine
from feeds.fetch_policy import FetchPolicy
from schedules.webhooks import endpoints_db, outbox_db
from schedules.webhooks.models import EVENT_TYPES, WebhookDelivery

BATCH = 100


def receiver() -> tuple[str, list[int], threading.Thread]:
    received = [0]
    lock = threading.Lock()

    @Request.application
    def answer(request: Request) -> Response:
        request.get_data()
        with lock:
            received[0] += 1
        return Response("ok")

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    server = make_server("127.0.0.1", 0, answer, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return f"http://127.0.0.1:{server.server_port}/hooks", received, thread


def run(url: str, events: int, workers: int) -> dict:
    migrations.upgrade(make_engine(url))
    db = open_database({"DATABASE_URL": url})
    policy = FetchPolicy(allow_private=True)
    hook_url, received, _thread = receiver()
    with db.writer() as session:
        run_id = time.time_ns()
        user, _token = accounts_db.create_user(
            session, f"Bench {run_id}", f"bench-{run_id}@hooks.example", "admin"
        )
        workspace_id = user.workspace_id
        endpoint = endpoints_db.create_endpoint(
            session, workspace_id, {"url": hook_url, "events": list(EVENT_TYPES)}, policy
        )
        session.commit()
    try:
        started = time.perf_counter()
        for first in range(0, events, BATCH):
            with db.writer() as session:
                for n in range(first, min(first + BATCH, events)):
                    data = {"post": {"id": n, "title": f"Post {n}"}, "link": f"/api/v1/posts/{n}"}
                    outbox_db.record(session, workspace_id, "post.scheduled", data)
                session.commit()
        written = time.perf_counter() - started
        runner = DeliveryRunner(db.writer, policy, workers)
        started = time.perf_counter()
        runner.run()
        sent = time.perf_counter() - started
        with db.reader() as session:
            delivered = session.scalar(
                select(func.count()).where(
                    WebhookDelivery.endpoint_id == endpoint.id,
                    WebhookDelivery.delivered_at.is_not(None),
                )
            )
    finally:
        drop_workspace(db.writer, workspace_id)
        db.engine.dispose()
    return {
        "events": events,
        "workers": workers,
        "delivered": delivered,
        "received": received[0],
        "outbox_write_per_s": events / written,
        "delivered_per_s": delivered / sent,
        "deliver_s": sent,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--json", action="store_true", help="end with one JSON result line")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        database = "PostgreSQL" if url.startswith("postgres") else "SQLite"
        result = run(url, args.events, args.workers)
    print(
        f"{database}: {result['delivered']:,} of {result['events']:,} events delivered "
        f"({result['received']:,} received) by {result['workers']} threads in "
        f"{result['deliver_s']:.2f} s: {result['delivered_per_s']:,.0f} events/s; "
        f"outbox written at {result['outbox_write_per_s']:,.0f} events/s"
    )
    if args.json:
        print(json.dumps({"bench": "webhooks", "database": database, **result}))


if __name__ == "__main__":
    main()
