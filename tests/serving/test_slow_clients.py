"""Clients that stall half-way through a request must not stop the service.

Each stalled connection holds one gthread thread (never the worker's main thread, which keeps
accepting and sending gunicorn its heartbeat) until the client timeout closes it. So the test
stalls more connections than there are workers, but fewer than one worker's threads: wherever
the kernel hands them, every worker keeps a thread for /healthz.
"""

from __future__ import annotations

import contextlib
import socket
import time
from urllib.parse import urlsplit

import httpx
import pytest

from app import settings
from tests.cli.helpers import PLANNER
from tests.serving.helpers import Server

pytestmark = pytest.mark.gunicorn
WORKERS = 2


def stall(url: str, count: int) -> list[socket.socket]:
    """Half-sent requests: headers without their end, and a body shorter than announced."""
    parts = urlsplit(url)
    stalled = []
    for number in range(count):
        client = socket.create_connection((parts.hostname, parts.port), timeout=5)
        if number % 2:
            client.sendall(b"GET /healthz HTTP/1.1\r\nHost: planner\r\nX-Slow: ")
        else:
            client.sendall(
                b"POST /api/v1/audiences HTTP/1.1\r\nHost: planner\r\n"
                b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
            )
        stalled.append(client)
    return stalled


def healthz_seconds(url: str) -> float:
    started = time.monotonic()
    response = httpx.get(f"{url}/healthz", timeout=5)
    assert response.status_code == 200, response.text
    return time.monotonic() - started


@pytest.fixture
def serve(database_url, tmp_path):
    if not PLANNER.exists():
        pytest.skip("the planner command is not installed beside this Python")
    running: list[Server] = []

    def start(*options: str) -> tuple[str, Server]:
        running.append(Server(database_url, tmp_path, workers=WORKERS, options=options))
        return running[-1].wait_until_serving(), running[-1]

    yield start
    for server in running:
        server.stop()


def test_more_stalled_clients_than_workers_leave_healthz_answering_within_a_second(serve):
    url, _ = serve()
    stalled = stall(url, settings.DEFAULT_THREADS - 2)
    try:
        time.sleep(0.5)  # every stalled connection has been accepted and is being read
        assert len(stalled) > WORKERS
        assert max(healthz_seconds(url) for _ in range(10)) < 1
    finally:
        for client in stalled:
            client.close()


def test_silent_clients_lose_their_threads_after_the_client_timeout(serve):
    url, server = serve("--threads", "1", "--client-timeout", "1")
    body_stalled, headers_stalled = stalled = stall(url, WORKERS)
    try:
        # One thread per worker, both held: they come free after a second, not never.
        time.sleep(2.5)
        answer = body_stalled.recv(65536)
        assert answer.startswith(b"HTTP/1.1 400 "), answer
        assert b"application/problem+json" in answer
        assert headers_stalled.recv(1) == b""  # closed without a word: no request was read
        assert max(healthz_seconds(url) for _ in range(2 * WORKERS)) < 1
        # One line per silent client, not gunicorn's error with a traceback.
        assert any("Closed a silent client's connection" in x for x in server.lines)
        assert not any("Traceback" in x for x in server.lines), server.output()
    finally:
        for client in stalled:
            with contextlib.suppress(OSError):
                client.close()
