"""A form sent after the session changed elsewhere: signed in again (the CSRF token renewed) or
signed out on another device. Nothing is saved unasked, and nothing typed is lost unsaid."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import unquote

import pytest

from tests.helpers import PASSWORD, make_audience
from tests.web.conftest import sign_in
from tests.web.helpers import csrf_token_of, items, local_today, page_text

TYPED = {"kind": "give", "type": "tip", "title": "Long text I typed for ten minutes",
         "body": "precious body text", "url": "", "time": "09:00", "status": "scheduled",
         "date": (local_today() + dt.timedelta(days=3)).isoformat()}  # fmt: skip


@pytest.fixture
def audience(rep) -> dict:
    return make_audience(rep)


def hidden_of(page: str) -> dict[str, str]:
    """The hidden inputs of the page's main form (its first, after the header's sign-out)."""
    main = page.split("<main", 1)[1]
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', main))


def posts(rep, audience) -> list[str]:
    return [p["title"] for p in items(rep, f"/api/v1/audiences/{audience['id']}/posts")]


def test_a_form_sent_after_signing_in_again_elsewhere_is_offered_back_to_save(
    app, rep, browser, audience
):
    new = f"/audiences/{audience['id']}/posts/new?kind=give"
    opened = hidden_of(page_text(browser.get(new)))  # tab A opens the form
    assert browser.post("/signout").status_code == 303  # tab B signs out, then in again
    page = page_text(browser.client.get("/signin"))
    browser.client.post(
        "/signin",
        data={"email": "rep@acme.example", "password": PASSWORD, "csrf_token": csrf_token_of(page)},
    )

    sent = browser.client.post(new, data={**opened, **TYPED})

    assert sent.status_code == 400
    page = page_text(sent)
    assert "Nothing was saved: you signed in again since this page was opened" in page
    assert "precious body text" in page and "Long text I typed for ten minutes" in page
    assert posts(rep, audience) == []
    form = hidden_of(page)
    assert form["csrf_token"] != opened["csrf_token"] and form["title"] == TYPED["title"]
    action = re.search(r'<form method="post" action="([^"]+)" class="stack"', page)[1]
    assert unquote(action.replace("&amp;", "&")) == new
    again = browser.client.post(action.replace("&amp;", "&"), data=form)
    assert again.status_code == 303
    assert posts(rep, audience) == [TYPED["title"]]


def test_a_form_sent_after_signing_out_elsewhere_says_it_was_not_saved_and_comes_back(
    app, rep, browser, audience
):
    new = f"/audiences/{audience['id']}/posts/new?kind=give"
    token = csrf_token_of(page_text(browser.get(new)))
    other_device = sign_in(app, rep, "rep@acme.example")
    assert other_device.post("/signout").status_code == 303  # ends every session

    sent = browser.client.post(new, data={**TYPED, "csrf_token": token})

    assert sent.status_code == 303
    signin = sent.headers["Location"]
    assert signin.startswith("/signin?next=") and unquote(signin.split("next=")[1]) == new
    page = page_text(browser.client.get(signin))
    assert "You were signed out (perhaps on another device), so what you sent was not" in page
    back = browser.client.post(
        signin,
        data={"email": "rep@acme.example", "password": PASSWORD, "csrf_token": csrf_token_of(page)},
    )
    assert back.status_code == 303 and back.headers["Location"] == new
    assert posts(rep, audience) == []


def test_an_action_sent_signed_out_says_so_and_signs_in_to_the_home_page(
    app, rep, browser, audience
):
    token = csrf_token_of(page_text(browser.get("/")))
    sign_in(app, rep, "rep@acme.example").post("/signout")
    dismiss = f"/audiences/{audience['id']}/suggestions/1/dismiss"  # no page at its address
    sent = browser.client.post(dismiss, data={"csrf_token": token})
    assert sent.headers["Location"] == "/signin"
    assert "what you sent was not saved" in page_text(browser.client.get("/signin"))


def test_a_plan_sent_signed_out_signs_in_to_the_suggestions_it_was_sent_from(
    app, rep, browser, audience
):
    suggestions = f"/audiences/{audience['id']}/suggestions?days=3650"
    token = csrf_token_of(page_text(browser.get(suggestions)))
    sign_in(app, rep, "rep@acme.example").post("/signout")
    plan = f"/audiences/{audience['id']}/plan?days=3650"  # the action of its Plan button
    signin = browser.client.post(plan, data={"csrf_token": token}).headers["Location"]
    page = page_text(browser.client.get(signin))
    assert "what you sent was not saved" in page
    back = browser.client.post(
        signin,
        data={"email": "rep@acme.example", "password": PASSWORD, "csrf_token": csrf_token_of(page)},
    )
    assert unquote(back.headers["Location"]) == plan
    assert browser.client.get(plan).headers["Location"] == suggestions
    assert items(rep, f"/api/v1/audiences/{audience['id']}/posts?status=draft") == []


def test_signing_out_again_in_another_tab_just_lands_on_sign_in(app, rep, browser):
    """Nothing was sent to lose, so no "not saved" warning: the tab lands on the sign-in page."""
    token = csrf_token_of(page_text(browser.get("/")))  # a second tab, still showing Sign out
    assert browser.post("/signout").status_code == 303  # the first tab signs out
    sent = browser.client.post("/signout", data={"csrf_token": token})
    assert sent.status_code == 303 and sent.headers["Location"] == "/signin"
    page = page_text(browser.client.get("/signin"))
    assert "was not saved" not in page


def test_a_post_forged_with_someone_elses_token_is_not_offered_back(
    app, rep, browser, stranger, audience
):
    """Any signed token passes for a stale one; only the user's own mark on the form does not."""
    theirs = re.findall(
        r'name="(csrf_token|form_user)" value="([^"]+)"', page_text(stranger.get("/"))
    )
    assert len(dict(theirs)) == 2
    forged = {**dict(theirs), **TYPED}
    sent = browser.client.post(f"/audiences/{audience['id']}/posts/new", data=forged)
    assert sent.status_code == 400
    assert "This form has expired" in page_text(sent)
    assert "precious body text" not in page_text(sent)


def test_the_sign_in_form_itself_never_echoes_a_password(app, client):
    sent = client.post("/signin", data={"email": "rep@acme.example", "password": "hunter2"})
    assert sent.status_code == 400
    assert "hunter2" not in page_text(sent)
