"""Every response carries the browser defences; /docs runs without inline script; no token is
ever written to a log."""

from __future__ import annotations

import logging
import re

import pytest

from core import accounts_db
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


def test_docs_page_has_no_inline_script_and_serves_swagger_ui_itself(client):
    response = client.get("/docs")
    policy = assert_defended(response)
    assert "https:" not in policy, "/docs loads nothing from another origin"
    html = response.get_data(as_text=True)
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts and all('src="' in attrs and not body.strip() for attrs, body in scripts)
    assets = re.findall(r'<(?:script|link)[^>]*(?:src|href)="([^"]+)"', html)
    assert len(assets) == 3, assets  # Swagger UI's script and style sheet, and our start-up
    for src in assets:
        assert src.startswith("/"), f"{src} is not served by the app"
        served = client.get(src)
        assert served.status_code == 200
        if src.endswith(".js"):
            assert "SwaggerUIBundle" in served.get_data(as_text=True)


def test_no_token_reaches_the_logs(app, rep, caplog):
    """Wrong and right tokens, a new user's token and a server error: none is ever logged."""
    caplog.set_level(logging.DEBUG)
    with app.extensions["planner_db"].writer() as session:
        _, new_token = accounts_db.create_user(session, "Acme Sales", "new@acme.example", "rep")
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


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("/api/v1/audiences", {"GET", "HEAD", "POST", "OPTIONS"}),
        ("/api/v1/calendar.ics", {"GET", "HEAD", "OPTIONS"}),
        ("/api/v1/calendar/subscription", {"GET", "HEAD", "POST", "DELETE", "OPTIONS"}),
    ],
)
def test_options_is_204_with_allow_and_no_body(rep, url, allowed):
    """Not Flask's empty text/html 200: an API client reads the Allow header and nothing else."""
    response = rep.options(url)
    assert response.status_code == 204
    assert set(response.headers["Allow"].split(", ")) == allowed
    assert response.data == b"" and "Content-Type" not in response.headers
    assert_defended(response)


def test_options_on_admin_routes_is_204_for_a_rep_too_and_says_nothing_of_ids(rep, colleague):
    """OPTIONS names the methods and nothing else, for any member: the admins-only check is for
    what a route does, and the answer is the same whether the id is a user or webhook or not."""
    me = colleague.get("/api/v1/me").get_json()["id"]
    for url, allowed in (
        ("/api/v1/users", {"GET", "HEAD", "POST", "OPTIONS"}),
        (f"/api/v1/users/{me}", {"GET", "HEAD", "PATCH", "OPTIONS"}),
        ("/api/v1/users/99999", {"GET", "HEAD", "PATCH", "OPTIONS"}),
        ("/api/v1/webhooks/99999", {"GET", "HEAD", "PATCH", "DELETE", "OPTIONS"}),
        ("/api/v1/webhooks", {"GET", "HEAD", "POST", "OPTIONS"}),
        ("/api/v1/team", {"GET", "HEAD", "OPTIONS"}),
    ):
        for caller in (colleague, rep):
            response = caller.options(url)
            assert response.status_code == 204, (url, response.get_json())
            assert set(response.headers["Allow"].split(", ")) == allowed, url
            assert response.data == b""
    assert colleague.get("/api/v1/users").status_code == 403  # what the routes do stays admins'


@pytest.mark.options(PLANNER_AUTH_FAILURE_LIMIT="1000/minute")  # one 401 a route, below
def test_options_on_every_api_route_is_204_with_allow_for_a_rep_and_401_without_a_token(
    app, client, colleague
):
    """Every route, so a new one (or a new admins-only blueprint) keeps the rule: a rep is
    answered with the route's methods whatever the id, and no token is still a 401."""
    allowed: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            allowed.setdefault(rule.rule, set()).update(rule.methods)
    assert "/api/v1/webhooks/<int:webhook_id>/deliveries" in allowed
    for path, methods in allowed.items():
        url = re.sub(r"<[^>]+>", "99999", path)
        response = colleague.options(url)
        assert response.status_code == 204, (url, response.get_json())
        assert set(response.headers["Allow"].split(", ")) == methods, url
        assert response.data == b""
        assert client.options(url).status_code == 401, url
    assert colleague.options("/api/v1/no-such-route").status_code == 404
