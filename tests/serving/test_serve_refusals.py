"""``planner serve`` answers in problem+json also the requests gunicorn refuses before Flask
sees them, which gunicorn would answer with its own HTML page: past its limits, and requests
that are not HTTP/1.x. Worded as ``planner run`` words the same refusals (test_dev_server.py).

Each case is sent over a raw socket, as no HTTP client sends such requests; both worker classes
``planner serve`` offers are run.
"""

from __future__ import annotations

import http.client
import json
import logging
import os
import shutil
import socket
from collections.abc import Iterator

import httpx
import pytest
from gunicorn import glogging
from gunicorn.config import Config

from app import serving
from app.serve_worker import ThreadWorker
from tests.cli.helpers import PLANNER
from tests.serving.helpers import REFUSED_ALIKE, Server, exchange

pytestmark = pytest.mark.gunicorn

# Past gunicorn's limits under planner serve: 8190 bytes the request line, 32 KiB a header
# line, 100 headers.
LONG_TARGET = "x" * (serving.LIMIT_REQUEST_LINE + 1)
LONG_HEADER = "y" * (serving.LIMIT_REQUEST_FIELD_SIZE + 1000)

REFUSED = {
    "an 8,191-byte request target": (
        f"GET /{LONG_TARGET} HTTP/1.1\r\nHost: x\r\n\r\n",
        414,
        "request line is limited to 8190 bytes",
    ),
    "a 33,000-byte header line": (
        f"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: {LONG_HEADER}\r\n\r\n",
        431,
        "header line is limited to 32768 bytes",
    ),
    **REFUSED_ALIKE,
    "a lower-case method": ("get /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 400, "request line is not"),
    "a header name with a space": (
        "GET /healthz HTTP/1.1\r\nHost: x\r\nBad Name: 1\r\n\r\n",
        400,
        "header line is not a name",
    ),
    "two Content-Lengths": (
        "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        400,
        "Content-Length",
    ),
    "a transfer coding gunicorn does not implement": (
        "POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: br\r\n\r\n",
        501,
        "chunked",
    ),
    "an expectation other than 100-continue": (
        "GET /healthz HTTP/1.1\r\nHost: x\r\nExpect: a-miracle\r\n\r\n",
        417,
        "100-continue",
    ),
}


@pytest.fixture(scope="module", params=["gthread", "sync"])
def url(request, sqlite_template, tmp_path_factory) -> Iterator[str]:
    """One server per worker class: these requests never reach the database."""
    if not PLANNER.exists():
        pytest.skip("the planner command is not installed beside this Python")
    folder = tmp_path_factory.mktemp("serve")
    shutil.copy(sqlite_template, folder / "planner.db")
    options = ("--worker-class", request.param)
    running = Server(f"sqlite:///{folder / 'planner.db'}", folder, workers=1, options=options)
    try:
        yield running.wait_until_serving()
    finally:
        running.stop()


def assert_problem(response: http.client.HTTPResponse, body: bytes, status: int) -> dict:
    assert response.status == status, body[:300]
    assert response.reason == http.HTTPStatus(status).phrase
    assert response.getheader("Content-Type") == "application/problem+json"
    assert response.getheader("Connection") == "close"
    problem = json.loads(body)
    assert problem["status"] == status
    assert problem["title"] == http.HTTPStatus(status).phrase
    return problem


@pytest.mark.parametrize("request_text, status, says", REFUSED.values(), ids=list(REFUSED))
def test_refused_by_gunicorn_is_answered_in_problem_json(url, request_text, status, says):
    response, body = exchange(url, request_text)

    problem = assert_problem(response, body, status)
    assert says in problem["detail"]


def test_requests_gunicorn_reads_are_answered_as_before(url):
    with httpx.Client(timeout=10) as client:
        for _ in range(2):  # kept alive: the second request comes on the same connection
            answer = client.get(f"{url}/healthz")
            assert answer.status_code == 200
            assert answer.json()["status"] == "ok"
        # Within gunicorn's limits and past the app's: the app's own 431, naming the header.
        too_long = client.get(f"{url}/healthz", headers={"X-Padding": "y" * 9000})
    assert too_long.status_code == 431
    assert too_long.headers["content-type"] == "application/problem+json"
    assert "X-Padding" in too_long.json()["detail"]


def test_an_encoded_slash_in_a_path_is_404_under_gunicorn(url):
    """gunicorn hands the app the decoded path; the raw one (RAW_URI) still shows the %2F."""
    with httpx.Client(timeout=10) as client:
        answer = client.get(f"{url}/api/v1/audiences/1%2Fratio")
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"
    assert "%2F" in answer.json()["detail"]


def test_an_error_that_escaped_the_app_is_a_500_problem_without_its_traceback(tmp_path):
    """gunicorn hands the worker any exception raised before the answer's first byte (a broken
    response iterator, a header the app should not have sent): the client gets a 500, the log
    the traceback."""
    config = Config()
    worker = ThreadWorker(0, os.getpid(), [], None, 30, config, glogging.Logger(config))
    logged: list[logging.LogRecord] = []
    catcher = logging.Handler()
    catcher.emit = logged.append
    worker.log.error_log.addHandler(catcher)
    server_side, client_side = socket.socketpair()
    with server_side, client_side:
        try:
            raise RuntimeError("secret internals")
        except RuntimeError as error:
            worker.handle_error(None, server_side, ("127.0.0.1", 50000), error)
        server_side.close()
        response = http.client.HTTPResponse(client_side, method="GET")
        response.begin()
        body = response.read()

    problem = assert_problem(response, body, 500)
    assert "logged" in problem["detail"]
    assert b"secret" not in body and b"Traceback" not in body
    assert any(r.exc_info and r.exc_info[1].args == ("secret internals",) for r in logged)
