"""planner serve for real: 3 gunicorn workers, 20 client threads, 1,000 mixed requests.

On PostgreSQL and on one SQLite file alike, no request may fail (a 409 refusal is an answer,
a 5xx or a dropped connection is not), every ask left scheduled must still be covered by the
give-before-ask rule, and /metrics must add up the counts of all three workers.
"""

from __future__ import annotations

import json
import random
import re
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import accounts_db
from schedules.models import Post
from schedules.rule import Entry, Policy, violations
from tests.cli.helpers import PLANNER
from tests.serving.helpers import WORKERS, Server, random_time

pytestmark = pytest.mark.gunicorn

THREADS = 20
REQUESTS_PER_THREAD = 50
AUDIENCES = 4
POLICY = {"gives_per_ask": 2, "min_days_between_asks": 7}


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[tuple[str, Server]]:
    if not PLANNER.exists():
        pytest.skip(f"the planner command is not installed beside {sys.executable}")
    running = Server(database_url, tmp_path)
    try:
        yield running.wait_until_serving(), running
    finally:
        running.stop()


def test_three_workers_serve_a_thousand_mixed_requests_without_error_or_uncovered_ask(
    server, writer, engine
):
    url, running = server
    with writer() as session:
        _, rep_token = accounts_db.create_user(session, "Acme Sales", "rep@acme.example", "rep")
        _, admin_token = accounts_db.create_user(
            session, "Acme Sales", "boss@acme.example", "admin"
        )
        session.commit()
    headers = {"Authorization": f"Bearer {rep_token}"}
    audience_ids = []
    for index in range(AUDIENCES):
        body = {"name": f"Audience {index}", "timezone": "Europe/Berlin", "policy": POLICY}
        created = httpx.post(f"{url}/api/v1/audiences", json=body, headers=headers, timeout=30)
        assert created.status_code == 201, created.text
        audience_ids.append(created.json()["id"])

    outcomes: Counter[tuple[str, int]] = Counter()
    failures: list[str] = []
    lock = threading.Lock()

    def client(seed: int) -> None:
        rng = random.Random(seed)
        my_gives: list[int] = []
        with httpx.Client(base_url=url, headers=headers, timeout=30) as http:
            for _ in range(REQUESTS_PER_THREAD):
                audience = rng.choice(audience_ids)
                roll = rng.random()
                try:
                    if roll < 0.3:
                        action, expected = "list", {200}
                        response = http.get(f"/api/v1/audiences/{audience}/posts?limit=50")
                    elif roll < 0.65 or (roll >= 0.9 and not my_gives):
                        action, expected = "give", {201}
                        response = http.post(
                            f"/api/v1/audiences/{audience}/posts",
                            json={"kind": "give", "type": "shared_article", "title": "Give",
                                  "scheduled_at": random_time(rng)},
                        )  # fmt: skip
                        if response.status_code == 201:
                            my_gives.append(response.json()["id"])
                    elif roll < 0.9:
                        action, expected = "ask", {201, 409}
                        response = http.post(
                            f"/api/v1/audiences/{audience}/posts",
                            json={"kind": "ask", "type": "meeting_request", "title": "Ask",
                                  "scheduled_at": random_time(rng)},
                        )  # fmt: skip
                    else:
                        action, expected = "delete", {204, 409}
                        give_id = my_gives.pop(rng.randrange(len(my_gives)))
                        response = http.delete(f"/api/v1/posts/{give_id}")
                except httpx.HTTPError as error:
                    with lock:
                        failures.append(f"{type(error).__name__}: {error}")
                    continue
                with lock:
                    outcomes[action, response.status_code] += 1
                    if response.status_code not in expected:
                        failures.append(f"{action} {response.status_code} {response.text[:300]}")

    threads = [threading.Thread(target=client, args=(seed,)) for seed in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not any(t.is_alive() for t in threads), "the load did not finish in time"
    assert failures == [], f"{failures[:10]}\n{running.output()}"
    assert sum(outcomes.values()) == THREADS * REQUESTS_PER_THREAD
    assert outcomes["ask", 201] > 0 and outcomes["ask", 409] > 0, outcomes

    with Session(engine) as session:
        for audience_id in audience_ids:
            rows = session.execute(
                select(Post.scheduled_at, Post.id, Post.kind).where(
                    Post.audience_id == audience_id, Post.status.in_(("scheduled", "published"))
                )
            ).all()
            timeline = [Entry(at, post_id, kind) for at, post_id, kind in rows]
            policy = Policy(POLICY["gives_per_ask"], POLICY["min_days_between_asks"])
            assert violations(timeline, policy) == [], f"audience {audience_id}"

    # Each worker counted only what it served; /metrics must show all of it, whichever answers.
    scraped = httpx.get(f"{url}/metrics", headers={"Authorization": f"Bearer {admin_token}"})
    assert scraped.status_code == 200, scraped.text
    samples = {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(scraped.text)
        for s in family.samples
    }
    posts_route = "/api/v1/audiences/<int:audience_id>/posts"
    created = samples.get(
        (
            "planner_http_requests_total",
            frozenset({"method": "POST", "endpoint": posts_route, "status": "201"}.items()),
        ),
        0.0,
    )
    assert created == outcomes["give", 201] + outcomes["ask", 201]
    refused = outcomes["ask", 409] + outcomes["delete", 409]
    assert samples.get(("planner_asks_refused_total", frozenset()), 0.0) == refused
    served_by = {json.loads(x)["request_id"] for x in running.lines if x.startswith("{")}
    assert len(served_by) >= THREADS * REQUESTS_PER_THREAD, "a request was not logged"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_stopping_the_server_removes_the_metrics_directory_it_made(server):
    _, running = server
    [directory] = [
        Path(m.group(1)) for x in running.lines if (m := re.search(r"Metrics directory: (\S+)", x))
    ]
    assert directory.is_dir() and any(directory.glob("*.db"))
    assert running.wait_for_booted_workers(WORKERS) >= WORKERS
    running.stop()
    assert running.process.returncode == 0, running.output()
    assert sum("Booting worker" in x for x in running.lines) == WORKERS  # option over variable
    assert not directory.exists()
