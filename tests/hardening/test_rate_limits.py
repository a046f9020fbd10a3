"""Failed token attempts are limited per address, chosen work per workspace; 429 says when to
come back. Counters live in memory, or in Redis when configured."""

from __future__ import annotations

import uuid

import pytest
import redis

from app import create_app
from app.ratelimits import FEED_REFRESH_LIMIT, per_workspace
from tests.conftest import make_caller

REDIS_URL = "redis://127.0.0.1:6379/0"
ATTACKER = {"REMOTE_ADDR": "203.0.113.7"}
NEIGHBOUR = {"REMOTE_ADDR": "198.51.100.20"}


def _redis_or_skip() -> str:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis rate-limit storage not tested: {REDIS_URL} unreachable ({exc})")
    return REDIS_URL


@pytest.fixture(params=["memory", "redis"])
def limited_app(request, database_url, tmp_path):
    storage = "memory://" if request.param == "memory" else _redis_or_skip()
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test",
            "RATELIMIT_STORAGE_URI": storage,
            # Each test counts in its own keys, so runs sharing one Redis never meet.
            "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
            "PLANNER_AUTH_FAILURE_LIMIT": "3/minute",
            FEED_REFRESH_LIMIT: "2/minute",
        }
    )

    @app.post("/api/v1/limited-work")
    @per_workspace(FEED_REFRESH_LIMIT)
    def limited_work():
        return {"done": True}

    app.instance_path = str(tmp_path / "instance")
    yield app
    app.extensions["planner_db"].engine.dispose()


def assert_429(response) -> None:
    assert response.status_code == 429
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 60


def test_failed_tokens_are_limited_per_address(limited_app):
    user = make_caller(limited_app, "Acme Sales", "rep@acme.example")
    guesser = limited_app.test_client()
    wrong = {"Authorization": "Bearer vp_guess"}
    for _ in range(3):
        assert (
            guesser.get("/api/v1/audiences", headers=wrong, environ_base=ATTACKER).status_code
            == 401
        )
    assert_429(guesser.get("/api/v1/audiences", headers=wrong, environ_base=ATTACKER))
    # Blocked before the token is looked at, so a lucky guess would learn nothing either ...
    assert_429(user.get("/api/v1/audiences", environ_base=ATTACKER))
    # ... while the same user elsewhere, and health checks from the address, carry on.
    assert user.get("/api/v1/audiences", environ_base=NEIGHBOUR).status_code == 200
    assert guesser.get("/healthz", environ_base=ATTACKER).status_code == 200


def test_successful_requests_spend_nothing(limited_app):
    user = make_caller(limited_app, "Acme Sales", "rep@acme.example")
    for _ in range(10):
        assert user.get("/api/v1/audiences", environ_base=ATTACKER).status_code == 200
    for _ in range(3):
        assert (
            user.get(
                "/api/v1/audiences", headers={"Authorization": "Bearer nope"}, environ_base=ATTACKER
            ).status_code
            == 401
        )


def test_workspace_limit_counts_every_user_of_the_workspace_and_no_other(limited_app):
    first = make_caller(limited_app, "Acme Sales", "rep@acme.example")
    second = make_caller(limited_app, "Acme Sales", "boss@acme.example")
    other = make_caller(limited_app, "Globex Sales", "rep@globex.example")
    assert first.post("/api/v1/limited-work").status_code == 200
    assert second.post("/api/v1/limited-work", environ_base=NEIGHBOUR).status_code == 200
    assert_429(first.post("/api/v1/limited-work"))
    assert other.post("/api/v1/limited-work").status_code == 200


def test_limits_can_be_switched_off(database_url, tmp_path):
    app = create_app(
        {"DATABASE_URL": database_url, "SECRET_KEY": "t", "RATELIMIT_ENABLED": False,
         "PLANNER_AUTH_FAILURE_LIMIT": "1/minute"}
    )  # fmt: skip
    client = app.test_client()
    for _ in range(5):
        assert (
            client.get("/api/v1/audiences", headers={"Authorization": "Bearer x"}).status_code
            == 401
        )
    app.extensions["planner_db"].engine.dispose()


def test_a_malformed_limit_fails_at_start_up(database_url):
    with pytest.raises(ValueError):
        create_app(
            {"DATABASE_URL": database_url, "SECRET_KEY": "t", FEED_REFRESH_LIMIT: "lots/hour"}
        )
