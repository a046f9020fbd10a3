"""Requests within gunicorn's limits and past the app's get the app's own problem+json under
serve, which names what is too long.

Past gunicorn's own limits, gunicorn refuses them before the app, in problem+json too
(test_serve_refusals.py).
"""

from __future__ import annotations

import httpx
import pytest

from app.security import MAX_HEADER_BYTES, MAX_URL_BYTES
from tests.cli.helpers import PLANNER
from tests.serving.helpers import Server

# gunicorn and the app decide these before any database work: one database is enough.
pytestmark = [
    pytest.mark.gunicorn,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]


@pytest.fixture
def url(database_url, tmp_path):
    if not PLANNER.exists():
        pytest.skip("the planner command is not installed beside this Python")
    running = Server(database_url, tmp_path, workers=1)
    try:
        yield running.wait_until_serving()
    finally:
        running.stop()


def assert_problem(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, response.text[:300]
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == status


def test_an_8_kib_query_string_is_a_414_problem_json(url):
    assert_problem(httpx.get(f"{url}/api/v1/audiences?q={'x' * 8192}", timeout=10), 414)
    assert_problem(httpx.get(f"{url}/healthz?{'x' * (MAX_URL_BYTES + 1)}", timeout=10), 414)
    # Up to the limit the request goes through as before (here: to authentication).
    within = httpx.get(f"{url}/api/v1/audiences?q={'x' * 8000}", timeout=10)
    assert_problem(within, 401)


def test_an_over_long_header_is_a_431_problem_json(url):
    headers = {"X-Padding": "y" * (MAX_HEADER_BYTES + 10)}
    assert_problem(httpx.get(f"{url}/healthz", headers=headers, timeout=10), 431)
    cookie = {"Cookie": "session=" + "z" * 9000}
    assert_problem(httpx.get(f"{url}/", headers=cookie, timeout=10), 431)
