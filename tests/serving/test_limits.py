"""Requests gunicorn used to refuse itself, in HTML, get the app's problem+json under serve.

Past gunicorn's own ceilings (a 1 MiB request line, 32 KiB per header) and for requests that are
not HTTP at all, gunicorn still answers itself: docs/operations.md says so, and the last case here
shows where that line is.
"""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import httpx
import pytest

from app import serving
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


def test_past_gunicorns_own_ceiling_gunicorn_answers_itself(url):
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as client:
        padding = "y" * (serving.LIMIT_REQUEST_FIELD_SIZE + 1)
        client.sendall(f"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: {padding}\r\n\r\n".encode())
        answer = client.recv(65536)
    assert answer.startswith(b"HTTP/1.1 431 ")
    assert b"Content-Type: text/html" in answer
