"""Web fixtures: users with passwords, test clients signed in through the real form, and the
chromium pages the browser tests drive."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from core import passwords_db
from tests.articles import add_article, add_feed
from tests.conftest import UserClient, make_caller
from tests.helpers import PASSWORD, make_audience
from tests.web.browser import CHROMIUM, CHROMIUM_ARGS, PHONE, SUGGESTED, open_page
from tests.web.helpers import csrf_token_of


@dataclass
class Browser:
    """A test client with one user's session cookie, that sends the page's CSRF token."""

    client: Any
    api: UserClient
    email: str

    def token(self, path: str = "/") -> str:
        return csrf_token_of(self.client.get(path).get_data(as_text=True))

    def get(self, path: str, **kwargs: Any):
        return self.client.get(path, **kwargs)

    def post(self, path: str, data: dict[str, str] | None = None, csrf: bool = True, **kw: Any):
        form = dict(data or {})
        if csrf:
            form["csrf_token"] = self.token()
        return self.client.post(path, data=form, **kw)


def sign_in(app, caller: UserClient, email: str) -> Browser:
    with app.extensions["planner_db"].writer() as session:
        passwords_db.set_password(session, email, PASSWORD)
        session.commit()
    client = app.test_client()
    page = client.get("/signin").get_data(as_text=True)
    token = csrf_token_of(page)
    response = client.post(
        "/signin", data={"email": email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    return Browser(client, caller, email)


@pytest.fixture
def browser(app, rep) -> Browser:
    return sign_in(app, rep, "rep@acme.example")


@pytest.fixture
def stranger(app, outsider) -> Browser:
    return sign_in(app, outsider, "rep@globex.example")


@pytest.fixture
def second_rep(app) -> UserClient:
    return make_caller(app, "Acme Sales", "second@acme.example")


@pytest.fixture(scope="module")
def chromium() -> Iterator:
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install -e '.[test]'")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, request):
    yield from open_page(chromium, request, viewport={"width": 1280, "height": 900})


@pytest.fixture
def phone(chromium, request):
    yield from open_page(chromium, request, viewport=PHONE, is_mobile=True, has_touch=True)


@pytest.fixture
def planner(app, rep, live_server) -> dict:
    """A rep with a password and one audience (second Tuesday, 09:00 Berlin, keyword
    "pricing"), and two articles from a followed feed that match it, over HTTP."""
    with app.extensions["planner_db"].writer() as session:
        passwords_db.set_password(session, "rep@acme.example", PASSWORD)
        feed = add_feed(session, rep.workspace_id, "CFO Weekly")
        for title, days_old in SUGGESTED:
            add_article(session, feed, title, days_old=days_old, summary="What pricing taught us.")
        session.commit()
    return {"url": live_server.url(), "audience": make_audience(rep, name="CFOs")}
