"""Web fixtures: users with passwords, and test clients signed in through the real form."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest

from core import passwords_db
from tests.conftest import UserClient, make_caller

PASSWORD = "correct horse battery"


@dataclass
class Browser:
    """A test client with one user's session cookie, that sends the page's CSRF token."""

    client: Any
    api: UserClient
    email: str

    def token(self, path: str = "/") -> str:
        page = self.client.get(path).get_data(as_text=True)
        found = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert found, f"no CSRF token on {path}"
        return found[1]

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
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
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
