"""What the serving tests share: ``planner serve`` and ``planner run`` as real processes, and
random post times."""

from __future__ import annotations

import datetime as dt
import http.client
import io
import os
import random
import re
import socket
import subprocess
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from tests.cli.helpers import PLANNER

WORKERS = 3
START_DEADLINE_S = 30


class Server:
    """A `planner serve` process; its stderr is collected so a failure shows the server's side."""

    # The line on stderr that says where the server listens.
    LISTENING = re.compile(r"Listening at: (http://127\.0\.0\.1:\d+)")

    def __init__(
        self, database_url: str, cwd: Path, workers: int = WORKERS, options: tuple = ()
    ) -> None:
        self._start(
            database_url,
            cwd,
            ["serve", "--bind", "127.0.0.1:0", "--workers", str(workers), *options],
        )

    def _start(self, database_url: str, cwd: Path, arguments: list[str]) -> None:
        env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
        env.update(DATABASE_URL=database_url, PLANNER_SECRET_KEY="test", PLANNER_WORKERS="9")
        self.command = f"planner {arguments[0]}"
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [str(PLANNER), *arguments],
            env=env,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line.rstrip("\n"))

    def output(self) -> str:
        return "\n".join(self.lines[-60:])

    def wait_until_serving(self) -> str:
        deadline = time.monotonic() + START_DEADLINE_S
        url = None
        while time.monotonic() < deadline and self.process.poll() is None:
            found = [self.LISTENING.search(x) for x in self.lines]
            url = url or next((m.group(1) for m in found if m), None)
            if url and self._healthy(url):
                return url
            time.sleep(0.1)
        raise AssertionError(f"{self.command} did not come up:\n{self.output()}")

    def wait_for_booted_workers(self, expected: int) -> int:
        """Workers boot one after another; the first may answer /healthz before the last logs."""
        deadline = time.monotonic() + START_DEADLINE_S
        while time.monotonic() < deadline and self.process.poll() is None:
            booted = sum("Booting worker" in x for x in self.lines)
            if booted >= expected:
                return booted
            time.sleep(0.1)
        return sum("Booting worker" in x for x in self.lines)

    @staticmethod
    def _healthy(url: str) -> bool:
        try:
            return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.reader.join(timeout=5)


class DevServer(Server):
    """A `planner run` process: Werkzeug's development server, on a free port."""

    LISTENING = re.compile(r"Running on (http://127\.0\.0\.1:\d+)")

    def __init__(self, database_url: str, cwd: Path) -> None:
        self._start(database_url, cwd, ["run", "--host", "127.0.0.1", "--port", "0"])


# Requests every server refuses before the app, worded alike (app/server_refusals.py): case
# name -> (raw request, status, words of the detail). Each server's tests add its own limits.
MANY_HEADERS = "".join(f"X-Padding-{n}: 1\r\n" for n in range(120))
REFUSED_ALIKE = {
    "a request line that is one word": ("GARBAGE\r\n\r\n", 400, "request line is not"),
    "a version that is not HTTP's": ("GET / FOO/1.1\r\nHost: x\r\n\r\n", 400, "HTTP/1.x"),
    "HTTP/2.0": ("GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505, "HTTP/1.0 and HTTP/1.1"),
    "120 headers": (
        f"GET /healthz HTTP/1.1\r\nHost: x\r\n{MANY_HEADERS}\r\n",
        431,
        "100 headers",
    ),
}


def exchange(url: str, request: str) -> tuple[http.client.HTTPResponse, bytes]:
    """Send ``request`` as it is, over a raw socket (no HTTP client sends a malformed request),
    and read the answer, up to the server closing the connection."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as client:
        client.sendall(request.encode("latin-1"))
        response = http.client.HTTPResponse(client, method=request.split(" ")[0])
        response.begin()  # raises BadStatusLine for an answer without a status line
        return response, response.read()


class Received(io.BytesIO):
    """What a server sent on a connection up to closing it, as http.client reads a socket; kept
    open once the answer is read, for what follows it."""

    def makefile(self, *_args, **_kwargs) -> Received:
        return self

    def close(self) -> None:
        pass


def send_until_closed(
    url: str, request: str, *, stop_sending: bool = False
) -> tuple[http.client.HTTPResponse, bytes, bytes]:
    """Send ``request`` as it is, then nothing more if ``stop_sending``; the answer, its body and
    what the server sent after it. A server that keeps the connection open fails it with a
    timeout."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as client:
        client.sendall(request.encode("latin-1"))
        if stop_sending:
            client.shutdown(socket.SHUT_WR)
        received = b""
        while data := client.recv(65536):
            received += data
    sent = Received(received)
    response = http.client.HTTPResponse(sent, method=request.split(" ")[0])  # type: ignore[arg-type]
    response.begin()
    return response, response.read(), sent.read()


def random_time(rng: random.Random) -> str:
    moment = dt.datetime(2053, 1, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=rng.randrange(525_600))
    return moment.isoformat()
