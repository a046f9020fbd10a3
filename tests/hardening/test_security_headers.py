"""Every response carries the browser defences; /docs runs without inline script; no token is
ever written to a log."""

from __future__ import annotations

import logging
import re

import pytest

from core import accounts
from tests.helpers import make_audience


def assert_defended(response) -> str:
    headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "no-referrer"
    policy = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    return policy


@pytest.mark.parametrize(
    ("method", "url", "status"),
    [
        ("get", "/api/v1/audiences", 200),
        ("post", "/api/v1/audiences", 422),
        ("get", "/api/v1/audiences/999", 404),
        ("get", "/no/such/page", 404),
        ("get", "/healthz", 200),
        ("get", "/openapi.json", 200),
    ],
)
def test_api_answers_forbid_loading_anything(rep, method, url, status):
    response = getattr(rep, method)(url, json={})
    assert response.status_code == status
    assert assert_defended(response).startswith("default-src 'none'")


def test_unauthenticated_answers_are_defended_too(client):
    assert_defended(client.get("/api/v1/audiences"))


def test_docs_page_has_no_inline_script_and_pins_swagger_ui(client):
    response = client.get("/docs")
    policy = assert_defended(response)
    html = response.get_data(as_text=True)
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts and all('src="' in attrs and not body.strip() for attrs, body in scripts)
    for src in re.findall(r'<script[^>]*src="([^"]+)"', html):
        if src.startswith("https://"):
            assert re.search(r"@\d+\.\d+\.\d+/", src), "CDN files must be pinned for SRI"
            assert f'{src}"\n            integrity="sha384-' in html
            assert "script-src 'self' https://cdn.jsdelivr.net" in policy
        else:
            served = client.get(src)
            assert served.status_code == 200
            assert "SwaggerUIBundle" in served.get_data(as_text=True)


def test_no_token_reaches_the_logs(app, rep, caplog):
    """Wrong and right tokens, a new user's token and a server error: none is ever logged."""
    caplog.set_level(logging.DEBUG)
    with app.extensions["planner_db"].writer() as session:
        _, new_token = accounts.create_user(session, "Acme Sales", "new@acme.example", "rep")
        session.commit()
    client = app.test_client()
    wrong = rep.token[:-4] + "AAAA"
    for token in (wrong, rep.token, new_token):
        client.get("/api/v1/audiences", headers={"Authorization": f"Bearer {token}"})
        client.get("/api/v1/audiences?token=" + token)
    make_audience(rep)
    logged = caplog.text + "".join(str(r.__dict__) for r in caplog.records)
    assert caplog.records, "nothing was logged, so the test proves nothing"
    for token in (wrong, rep.token, new_token):
        assert token not in logged
