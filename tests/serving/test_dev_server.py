"""``planner run`` answers in problem+json also the requests its server refuses before Flask
sees them, which Python's http.server would answer with an HTML page (or, for a request line it
cannot read, with no status line at all).

Each case is sent over a raw socket, as no HTTP client sends such requests.
"""

from __future__ import annotations

import http.client
import json
import shutil
from collections.abc import Iterator

import httpx
import pytest

from tests.cli.helpers import PLANNER
from tests.serving.helpers import REFUSED_ALIKE, DevServer, exchange, send_until_closed

# Past http.server's limits: 64 KiB a line, 100 headers.
LONG = 70_000

REFUSED = {
    "a 70,000-byte request target": (
        f"GET /{'x' * LONG} HTTP/1.1\r\nHost: x\r\n\r\n",
        414,
        "request line is limited to 65536 bytes",
    ),
    **REFUSED_ALIKE,
    "a request line of four words": ("GET / x HTTP/1.1\r\n\r\n", 400, "request line is not"),
    "an HTTP/0.9 POST": ("POST /\r\n\r\n", 400, "request line is not"),
    "a 70,000-byte header line": (
        f"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: {'y' * LONG}\r\n\r\n",
        431,
        "header line is limited to 65536 bytes",
    ),
}


@pytest.fixture(scope="module")
def url(sqlite_template, tmp_path_factory) -> Iterator[str]:
    """One server for the module: these requests never reach the database."""
    if not PLANNER.exists():
        pytest.skip("the planner command is not installed beside this Python")
    folder = tmp_path_factory.mktemp("dev-server")
    shutil.copy(sqlite_template, folder / "planner.db")
    running = DevServer(f"sqlite:///{folder / 'planner.db'}", folder)
    try:
        yield running.wait_until_serving()
    finally:
        running.stop()


@pytest.mark.parametrize("request_text, status, says", REFUSED.values(), ids=list(REFUSED))
def test_refused_before_flask_is_answered_in_problem_json(url, request_text, status, says):
    response, body = exchange(url, request_text)

    assert response.status == status, body[:300]
    # The reason phrase is the status's own, never the request echoed back.
    assert response.reason == http.HTTPStatus(status).phrase
    assert response.getheader("Content-Type") == "application/problem+json"
    assert response.getheader("Connection") == "close"
    problem = json.loads(body)
    assert problem["status"] == status
    assert problem["title"] == http.HTTPStatus(status).phrase
    assert says in problem["detail"]


def test_a_head_request_gets_the_problems_headers_without_its_body(url):
    request = f"HEAD /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: {'y' * LONG}\r\n\r\n"
    response, body = exchange(url, request)

    assert response.status == 431
    assert response.getheader("Content-Type") == "application/problem+json"
    assert int(response.getheader("Content-Length")) > 0
    assert body == b""


def test_requests_flask_sees_are_answered_as_before(url):
    assert httpx.get(f"{url}/healthz", timeout=10).json()["status"] == "ok"
    # Past the app's own limit and within http.server's: the app's 414, as under planner serve.
    too_long = httpx.get(f"{url}/healthz?{'x' * 9000}", timeout=10)
    assert too_long.status_code == 414
    assert too_long.headers["content-type"] == "application/problem+json"
    assert "path and query string" in too_long.json()["detail"]


@pytest.mark.parametrize("path", ["/api/v1/audiences", "/signin"])
def test_a_body_cut_short_of_its_content_length_is_a_400_problem(url, path):
    """The chunked encoding's breaks have their own test (test_broken_chunked_bodies.py);
    here the server meets the end of the stream before the length announced."""
    request = (
        f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded"
        "\r\nContent-Length: 100\r\n\r\nemail=a"
    )
    response, body, after = send_until_closed(url, request, stop_sending=True)

    assert response.status == 400, body[:300]
    # A problem for a page's form too, not its HTML error page.
    assert response.getheader("Content-Type") == "application/problem+json"
    assert response.getheader("Connection") == "close"
    assert json.loads(body)["status"] == 400
    assert after == b""
