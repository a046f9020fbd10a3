"""PostgreSQL backends terminated under gunicorn: the answer a view made is the answer sent.

A backend that dies after the view has answered makes only the request's clean-up (the ROLLBACK
at teardown) fail; the client must still get the view's answer, and the failure shows in
/metrics. One that dies while the view is waiting on the database is an outage: 503
problem+json with Retry-After, and the next request is served.
"""

from __future__ import annotations

import threading
import time
import uuid
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
from sqlalchemy import text

from core import accounts_db
from core.db import make_engine
from tests.cli.helpers import PLANNER
from tests.conftest import PG_URL
from tests.hardening.helpers import TcpRelay
from tests.serving.helpers import Server

pytestmark = [pytest.mark.gunicorn, pytest.mark.postgres]
TERMINATE_SQL = (
    "SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity "
    "WHERE application_name = :name AND state = :state"
)


class RollbackTrap(TcpRelay):
    """A relay that, when armed, terminates the app's backend just before the next ROLLBACK
    reaches it: the view has answered by then, and only the clean-up meets the dead backend."""

    def __init__(self, target_host: str, target_port: int, admin, name: str) -> None:
        super().__init__(target_host, target_port)
        self.admin, self.name = admin, name
        self.armed = threading.Event()
        self.sprung = 0

    def _forward(self, source, sink) -> None:
        try:
            while data := source.recv(65536):
                if b"ROLLBACK" in data and self.armed.is_set():
                    self.armed.clear()
                    pids = terminate(self.admin, self.name, "idle in transaction")
                    # Counted before the wait: the app may see its connection close meanwhile.
                    self.sprung += len(pids)
                    wait_until_gone(self.admin, pids)
                sink.sendall(data)
        except OSError:
            pass


@pytest.fixture
def pg(pg_engine, database_url):
    if database_url != PG_URL:
        pytest.skip("PostgreSQL only")
    if not PLANNER.exists():
        pytest.skip("the planner command is not installed beside this Python")
    admin = make_engine(PG_URL)
    yield admin
    admin.dispose()


def terminate(admin, name: str, state: str) -> list[int]:
    """Terminate the app's backends in ``state``; their connections close soon after."""
    with admin.begin() as connection:
        return [row.pid for row in connection.execute(
            text(TERMINATE_SQL), {"name": name, "state": state})]  # fmt: skip


def wait_until_gone(admin, pids: list[int]) -> None:
    deadline = time.monotonic() + 5
    while pids and time.monotonic() < deadline:
        with admin.connect() as connection:
            alive = connection.execute(
                text("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(:pids)"),
                {"pids": pids},
            ).scalar_one()
        if not alive:
            return
        time.sleep(0.02)


def app_url(name: str, port: int | None = None) -> str:
    parts = urlsplit(PG_URL)
    if port is not None:
        parts = parts._replace(netloc=f"{parts.username}@127.0.0.1:{port}")
    sep = "&" if parts.query else ""
    return urlunsplit(parts._replace(query=f"{parts.query}{sep}application_name={name}"))


def metric(url: str, name: str) -> float:
    for line in httpx.get(f"{url}/metrics", timeout=10).text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError(f"{name} not in /metrics")


def make_token(admin) -> str:
    from sqlalchemy.orm import Session

    with Session(admin) as session:
        _, token = accounts_db.create_user(session, "Acme Sales", "rep@acme.example", "rep")
        session.commit()
    return token


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_backend_terminated_after_the_view_answered_still_sends_the_views_answer(
    pg, tmp_path, monkeypatch
):
    monkeypatch.setenv("PLANNER_METRICS_PUBLIC", "1")
    headers = {"Authorization": f"Bearer {make_token(pg)}"}
    name = f"planner-test-{uuid.uuid4().hex[:12]}"
    parts = urlsplit(PG_URL)
    trap = RollbackTrap(parts.hostname or "127.0.0.1", parts.port or 5432, pg, name)
    trap.start()
    running = Server(app_url(name, trap.port), tmp_path, workers=1)
    try:
        url = running.wait_until_serving()
        with httpx.Client(base_url=url, headers=headers, timeout=30) as http:
            created = http.post("/api/v1/audiences", json={"name": "CFOs"})
            assert created.status_code == 201, created.text
            trap.armed.set()
            listed = http.get("/api/v1/audiences")
            assert trap.sprung == 1, "no backend was terminated: the test proved nothing"
            assert listed.status_code == 200, listed.text
            assert listed.headers["content-type"].startswith("application/json")
            assert [a["name"] for a in listed.json()["items"]] == ["CFOs"]
            # A committed PATCH whose view reads again after its commit (a contact's answer
            # derives its stage from the history): the backend dies before the clean-up, and
            # the client still gets the 200 for the change it made (a 500 here made a
            # retrying client write twice).
            contact = http.post("/api/v1/contacts", json={"name": "Dana"}).json()
            trap.armed.set()
            renamed = http.patch(f"/api/v1/contacts/{contact['id']}", json={"name": "Dana W"})
            assert trap.sprung == 2, "the PATCH left no clean-up to fail: the test proved nothing"
            assert renamed.status_code == 200, renamed.text
            assert renamed.json()["name"] == "Dana W"
            stored = http.get(f"/api/v1/contacts/{contact['id']}").json()
            assert stored["name"] == "Dana W"
            # The failure is counted where monitoring looks, and the service carries on.
            assert metric(url, "planner_db_cleanup_errors_total") == 2
            assert http.get("/api/v1/audiences").status_code == 200
        assert any("Closing the request's database session failed" in x for x in running.lines)
    finally:
        running.stop()
        trap.stop()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_backend_terminated_while_the_view_waits_on_it_is_503_problem_json(pg, tmp_path):
    headers = {"Authorization": f"Bearer {make_token(pg)}"}
    name = f"planner-test-{uuid.uuid4().hex[:12]}"
    running = Server(app_url(name), tmp_path, workers=1)
    try:
        url = running.wait_until_serving()
        with httpx.Client(base_url=url, headers=headers, timeout=30) as http:
            audience = http.post("/api/v1/audiences", json={"name": "CFOs"}).json()["id"]
            answers: list[httpx.Response] = []
            with pg.connect() as holder:
                # Hold the audience's row lock, so the post's write waits inside its view.
                holder.execute(
                    text("SELECT id FROM audiences WHERE id = :id FOR UPDATE"), {"id": audience}
                )
                writing = threading.Thread(target=lambda: answers.append(http.post(
                    f"/api/v1/audiences/{audience}/posts",
                    json={"kind": "give", "type": "tip", "title": "Lost",
                          "scheduled_at": "2030-01-01T09:00:00Z"})))  # fmt: skip
                writing.start()
                deadline = time.monotonic() + 10
                while not (killed := terminate(pg, name, "active")) and time.monotonic() < deadline:
                    time.sleep(0.05)
                assert killed, "the write never waited on the lock: the test proved nothing"
                wait_until_gone(pg, killed)
                holder.rollback()
            writing.join(timeout=30)
            response = answers[0]
            assert response.status_code == 503, response.text
            assert response.headers["content-type"] == "application/problem+json"
            assert response.json()["type"] == "/problems/database-unavailable"
            assert int(response.headers["Retry-After"]) > 0
            posts = http.get(f"/api/v1/audiences/{audience}/posts").json()
            assert posts["total"] == 0
            again = http.post(f"/api/v1/audiences/{audience}/posts", json={
                "kind": "give", "type": "tip", "title": "Kept",
                "scheduled_at": "2030-01-01T09:00:00Z"})  # fmt: skip
            assert again.status_code == 201, again.text
    finally:
        running.stop()
