"""A body whose chunked encoding breaks while the app reads it is a 400 problem+json that closes
the connection, under ``planner serve`` (both worker classes) and ``planner run`` alike: for an
API route and for a page's form. gunicorn raises its parse error inside the app, which used to
answer a 500 on a kept-alive connection and log a traceback; the dev server answered its
generic 400, as an HTML page for a form.

Each case is sent over a raw socket, as no HTTP client sends such bodies.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator

import httpx
import pytest

from app.server_refusals import Refusal
from core import accounts_db, passwords_db
from core.db import make_engine, make_sessionmakers
from tests.cli.helpers import PLANNER
from tests.serving.helpers import DevServer, Server, send_until_closed
from tests.web.helpers import csrf_token_of

pytestmark = pytest.mark.gunicorn

EMAIL, PASSWORD = "rep@acme.example", "correct horse battery staple"
ROUTES = {
    "json": ("/api/v1/audiences", "application/json"),
    "form": ("/signin", "application/x-www-form-urlencoded"),
}
# (body after the headers, whether the client then stops sending): both servers' readers fail.
BROKEN = {
    "a chunk size that is not hex": ("zz\r\nabc\r\n0\r\n\r\n", False),
    "a chunk longer than its size": ("3\r\nabcdefgh\r\n0\r\n\r\n", False),
    "a body cut off inside a chunk": ("40\r\nemail=a", True),
    "a last chunk without its closing CRLF": ("5\r\nemail\r\n0\r\n", True),
}


@pytest.fixture(scope="module", params=["gthread", "sync", "planner run"])
def server(request, sqlite_template, tmp_path_factory) -> Iterator[tuple[str, Server, str]]:
    """A server with one rep who can sign in; yields its URL, the server and the rep's token."""
    if not PLANNER.exists():
        pytest.skip("the planner command is not installed beside this Python")
    folder = tmp_path_factory.mktemp("broken-bodies")
    shutil.copy(sqlite_template, folder / "planner.db")
    database_url = f"sqlite:///{folder / 'planner.db'}"
    engine = make_engine(database_url)
    with make_sessionmakers(engine)[1]() as session:
        _, token = accounts_db.create_user(session, "Acme Sales", EMAIL, "rep")
        passwords_db.set_password(session, EMAIL, PASSWORD)
        session.commit()
    engine.dispose()
    if request.param == "planner run":
        running = DevServer(database_url, folder)
    else:
        options = ("--worker-class", request.param)
        running = Server(database_url, folder, workers=1, options=options)
    try:
        yield running.wait_until_serving(), running, token
    finally:
        running.stop()


def chunked_request(path: str, content_type: str, token: str, body: str) -> str:
    return (
        f"POST {path} HTTP/1.1\r\nHost: planner\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: {content_type}\r\nTransfer-Encoding: chunked\r\n\r\n{body}"
    )


@pytest.mark.parametrize("route", ROUTES.values(), ids=list(ROUTES))
@pytest.mark.parametrize("body, stop_sending", BROKEN.values(), ids=list(BROKEN))
def test_a_broken_chunked_body_is_a_400_problem_that_closes_the_connection(
    server, route, body, stop_sending
):
    url, running, token = server
    path, content_type = route
    logged = len(running.lines)

    request = chunked_request(path, content_type, token, body)
    response, answer, after = send_until_closed(url, request, stop_sending=stop_sending)

    assert response.status == 400, answer[:300]
    assert response.getheader("Content-Type") == "application/problem+json"
    assert response.getheader("Connection") == "close"
    problem = json.loads(answer)
    assert problem["status"] == 400
    assert problem["detail"] == Refusal.CHUNKED.detail
    assert after == b""  # one answer, then the connection closed: nothing read as a request
    # A warning naming the broken body, not a traceback.
    said = "its chunked encoding is broken"
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not any(said in x for x in running.lines[logged:]):
        time.sleep(0.05)
    warnings = [x for x in running.lines[logged:] if said in x]
    assert warnings and "ERROR" not in warnings[0], running.output()
    assert not any("Traceback" in x for x in running.lines), running.output()


def in_two_chunks(text: str) -> Iterator[bytes]:
    """A generator body, which httpx sends with Transfer-Encoding: chunked."""
    data = text.encode()
    yield from (data[:9], data[9:])


def test_a_good_chunked_body_is_read_as_before(server):
    url, _, token = server
    with httpx.Client(base_url=url, timeout=10) as client:
        created = client.post(
            "/api/v1/audiences",
            content=in_two_chunks(json.dumps({"name": "Chunked", "timezone": "Europe/Berlin"})),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        token_field = csrf_token_of(client.get("/signin").text)
        form = f"csrf_token={token_field}&email={EMAIL}&password={PASSWORD.replace(' ', '+')}"
        signed_in = client.post(
            "/signin",
            content=in_two_chunks(form),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )

    assert created.request.headers["Transfer-Encoding"] == "chunked"
    assert created.status_code == 201, created.text
    assert created.json()["name"] == "Chunked"
    assert signed_in.request.headers["Transfer-Encoding"] == "chunked"
    assert signed_in.status_code == 303, signed_in.text
