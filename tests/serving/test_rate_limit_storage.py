"""Rate limits under several workers: counted apart in memory (and said so), together in Redis."""

from __future__ import annotations

import random

import httpx
import pytest
import redis

from tests.cli.helpers import PLANNER
from tests.serving.helpers import Server

# The counters live in the limiter's store, not the database: one database is enough.
pytestmark = [
    pytest.mark.gunicorn,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]
REDIS_URL = "redis://127.0.0.1:6379/0"
LIMIT = 5


@pytest.fixture
def serve(database_url, tmp_path, monkeypatch):
    if not PLANNER.exists():
        pytest.skip("the planner command is not installed beside this Python")
    running: list[Server] = []

    def start(workers: int, **environ: str) -> tuple[str, Server]:
        for name, value in environ.items():
            monkeypatch.setenv(name, value)
        running.append(Server(database_url, tmp_path, workers=workers))
        return running[-1].wait_until_serving(), running[-1]

    yield start
    for server in running:
        server.stop()


def test_several_workers_counting_in_memory_warn_at_start_up_and_in_healthz(serve):
    url, server = serve(2)
    assert any("Warning: Rate limits are counted per worker" in x for x in server.lines)
    warnings = httpx.get(f"{url}/healthz", timeout=10).json()["warnings"]
    assert len(warnings) == 1
    assert "PLANNER_RATELIMIT_STORAGE_URI" in warnings[0]


def test_with_redis_the_failed_token_limit_holds_across_three_workers(serve):
    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping()
    except redis.RedisError as error:
        pytest.skip(f"Redis at {REDIS_URL} unreachable: {error}")
    url, server = serve(
        3,
        PLANNER_RATELIMIT_STORAGE_URI=REDIS_URL,
        PLANNER_AUTH_FAILURE_LIMIT=f"{LIMIT}/minute",
        PLANNER_PROXY_FIX="1",
    )
    assert not any("Rate limits are counted per worker" in x for x in server.lines)
    assert httpx.get(f"{url}/healthz", timeout=10).json()["warnings"] == []
    # An address of its own, so no other run sharing this Redis counts into the same key.
    address = "10." + ".".join(str(random.randrange(1, 255)) for _ in range(3))
    statuses = []
    for _ in range(4 * LIMIT):  # a new connection each time, so every worker takes some
        response = httpx.get(
            f"{url}/api/v1/audiences", timeout=10,
            headers={"Authorization": "Bearer vp_wrong", "X-Forwarded-For": address},
        )  # fmt: skip
        statuses.append(response.status_code)
    assert statuses[:LIMIT] == [401] * LIMIT
    assert set(statuses[LIMIT:]) == {429}, statuses
