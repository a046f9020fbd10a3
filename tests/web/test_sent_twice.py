"""A form that creates something, sent again with Back and Save or a retry, makes nothing new:
it goes to what the first send made, with a note."""

from __future__ import annotations

import datetime as dt
import re
import threading

import httpx
import pytest

from tests.helpers import PASSWORD, make_audience
from tests.web.browser import NEEDS_CHROMIUM, SQLITE_ONLY, sign_in
from tests.web.helpers import (
    ask_form,
    csrf_token_of,
    fair_history,
    items,
    local_today,
    page_text,
)
from tests.web.test_audience_pages import audience_form

NOTE = "This form was saved before, so sending it again added nothing: here is what it saved."


def form_key_of(page: str) -> str:
    found = re.search(r'name="form_key" value="([^"]+)"', page)
    assert found, "no form key on the page"
    return found[1]


def form_key(browser, page: str) -> str:
    return form_key_of(page_text(browser.get(page)))


def sent_twice(browser, page: str, action: str, form: dict[str, str]):
    """Send the form rendered at ``page`` twice, as Back and Save would: the same inputs, the
    same key."""
    keyed = {**form, "form_key": form_key(browser, page)}
    first = browser.post(action, keyed)
    assert first.status_code == 303, page_text(first)
    again = browser.post(action, keyed)
    assert again.status_code == 303
    assert again.headers["Location"] == first.headers["Location"]
    assert NOTE in page_text(browser.get(again.headers["Location"]))
    return first


@pytest.fixture
def audience(rep) -> dict:
    return make_audience(rep)


def test_a_new_post_sent_twice_is_saved_once(browser, rep, audience):
    new = f"/audiences/{audience['id']}/posts/new"
    soon = (local_today() + dt.timedelta(days=3)).isoformat()
    form = {"kind": "give", "type": "tip", "title": "Back button give", "body": "",
            "url": "", "date": soon, "time": "10:00", "status": "scheduled"}  # fmt: skip
    first = sent_twice(browser, new + "?kind=give", new, form)
    # Chromium's Back may fetch the form anew (a new key) and put back what was typed.
    refetched = browser.post(new, {**form, "form_key": form_key(browser, new)})
    assert refetched.headers["Location"] == first.headers["Location"]
    other = browser.post(new, {**form, "title": "Another give", "form_key": form_key(browser, new)})
    assert other.status_code == 303
    posts = items(rep, f"/api/v1/audiences/{audience['id']}/posts")
    assert sorted(p["title"] for p in posts) == ["Another give", "Back button give"]


def test_a_new_audience_contact_touch_and_ask_sent_twice_are_saved_once(browser, rep, audience):
    sent_twice(browser, "/audiences/new", "/audiences/new", audience_form(name="Heads of FP&A"))
    assert [a["name"] for a in items(rep, "/api/v1/audiences")].count("Heads of FP&A") == 1

    person = {"name": "Erin Okafor", "company": "Initech", "relationship": "none"}
    sent_twice(browser, "/contacts/new", "/contacts/new", person)
    assert [c["name"] for c in items(rep, "/api/v1/contacts")].count("Erin Okafor") == 1

    contact = fair_history(rep, audience)
    page = f"/contacts/{contact['id']}"
    touches = len(items(rep, f"/api/v1/contacts/{contact['id']}/touches"))
    yesterday = (local_today() - dt.timedelta(days=1)).isoformat()  # touches are in the past
    form = {"touch_kind": "commented", "touch_date": yesterday, "touch_time": "08:00"}
    sent_twice(browser, page, f"{page}/touches", form)
    assert len(items(rep, f"/api/v1/contacts/{contact['id']}/touches")) == touches + 1

    ask = ask_form(local_today() + dt.timedelta(days=1), "11:30")
    sent_twice(browser, f"{page}/asks/new", f"{page}/asks/new", ask)
    asks = items(rep, f"/api/v1/audiences/{audience['id']}/posts?kind=ask")
    assert [a["title"] for a in asks] == [ask["title"]]


def test_a_key_sent_with_a_refused_form_still_saves_once_corrected(browser, rep, audience):
    new = f"/audiences/{audience['id']}/posts/new"
    key = form_key(browser, new)
    form = {"kind": "give", "type": "tip", "title": "", "body": "", "url": "",
            "date": "", "time": "", "status": "draft", "form_key": key}  # fmt: skip
    assert browser.post(new, form).status_code == 422
    assert browser.post(new, {**form, "title": "Fixed"}).status_code == 303
    assert [p["title"] for p in items(rep, f"/api/v1/audiences/{audience['id']}/posts")] == [
        "Fixed"
    ]


def test_every_keyed_form_refused_for_a_field_saves_once_corrected_with_the_same_key(
    browser, rep, audience
):
    """A refused send must leave its key unclaimed: the corrected send of the same form (the
    same key) is saved, not sent to a twin's answer."""
    contact = fair_history(rep, audience)
    page = f"/contacts/{contact['id']}"
    yesterday = (local_today() - dt.timedelta(days=1)).isoformat()
    cases = [  # the page, the refused inputs, the corrected ones
        ("/audiences/new", audience_form(name=" "), audience_form(name="Heads of FP&A")),
        ("/contacts/new", {"name": " ", "relationship": "none"},
         {"name": "Erin Okafor", "relationship": "none"}),
        (f"{page}/touches", {"touch_kind": "commented", "touch_date": "", "touch_time": "08:00"},
         {"touch_kind": "commented", "touch_date": yesterday, "touch_time": "08:00"}),
        (f"{page}/asks/new", ask_form(local_today() + dt.timedelta(days=1), "25:00"),
         ask_form(local_today() + dt.timedelta(days=1), "11:30")),
    ]  # fmt: skip
    for action, wrong, right in cases:
        key = form_key(browser, page if action.endswith("/touches") else action)
        assert browser.post(action, {**wrong, "form_key": key}).status_code == 422, action
        saved = browser.post(action, {**right, "form_key": key})
        assert saved.status_code == 303, action
        assert NOTE not in page_text(browser.get(saved.headers["Location"])), action
    assert "Heads of FP&A" in [a["name"] for a in items(rep, "/api/v1/audiences")]
    assert "Erin Okafor" in [c["name"] for c in items(rep, "/api/v1/contacts")]
    assert len(items(rep, f"/api/v1/contacts/{contact['id']}/touches")) == 3
    asks = items(rep, f"/api/v1/audiences/{audience['id']}/posts?kind=ask")
    assert [a["title"] for a in asks] == [ask_form(local_today())["title"]]


def test_each_rendering_of_a_new_form_has_its_own_key_and_edit_forms_none(browser, audience):
    new = f"/audiences/{audience['id']}/posts/new"
    assert form_key(browser, new) != form_key(browser, new)
    assert 'name="form_key"' not in page_text(browser.get(f"/audiences/{audience['id']}/settings"))


@NEEDS_CHROMIUM
@SQLITE_ONLY
def test_back_then_save_in_chromium_saves_the_post_once(page, planner, rep):
    url, audience = planner["url"], planner["audience"]["id"]
    sign_in(page, url)
    page.goto(f"{url}/audiences/{audience}/posts/new?kind=give")
    page.get_by_label("Title").fill("Back button give")
    page.get_by_label("Date").fill((local_today() + dt.timedelta(days=3)).isoformat())
    page.get_by_label("Time").fill("10:00")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Scheduled “Back button give”").wait_for()

    page.go_back()
    assert page.get_by_label("Title").input_value() == "Back button give"
    page.get_by_role("button", name="Save").click()

    page.get_by_text(NOTE).wait_for()
    posts = items(rep, f"/api/v1/audiences/{audience}/posts")
    assert [p["title"] for p in posts] == ["Back button give"]


def test_a_twin_sent_with_the_cookie_from_before_the_first_answer_is_saved_once(browser, rep):
    """A double click or a duplicated tab: the second send carries the session cookie the
    first one's answer has not yet replaced."""
    page = page_text(browser.get("/contacts/new"))
    form = {"name": "Erin Okafor", "relationship": "none", "form_key": form_key_of(page),
            "csrf_token": csrf_token_of(page)}  # fmt: skip
    before = browser.client.get_cookie("session").value
    first = browser.client.post("/contacts/new", data=form)
    browser.client.set_cookie("session", before)
    again = browser.client.post("/contacts/new", data=form)

    assert [c["name"] for c in items(rep, "/api/v1/contacts")] == ["Erin Okafor"]
    assert (first.status_code, again.status_code) == (303, 303)
    assert again.headers["Location"] == first.headers["Location"]


def test_twins_sent_at_the_same_moment_are_saved_once(planner, rep):
    url = planner["url"]
    with httpx.Client(base_url=url, timeout=60) as client:
        signin = client.get("/signin").text
        credentials = {"email": "rep@acme.example", "password": PASSWORD}
        client.post("/signin", data={**credentials, "csrf_token": csrf_token_of(signin)})
        page = client.get("/contacts/new").text
        cookies = dict(client.cookies)
    form = {"name": "Erin Okafor", "relationship": "none", "form_key": form_key_of(page),
            "csrf_token": csrf_token_of(page)}  # fmt: skip
    racers = 4
    barrier = threading.Barrier(racers)
    answers: list[httpx.Response] = []

    def send() -> None:
        with httpx.Client(base_url=url, timeout=60, cookies=cookies) as twin:
            barrier.wait()
            answers.append(twin.post("/contacts/new", data=form))

    threads = [threading.Thread(target=send) for _ in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [c["name"] for c in items(rep, "/api/v1/contacts")] == ["Erin Okafor"]
    assert {(a.status_code, a.headers["Location"]) for a in answers} == {
        (303, f"/contacts/{items(rep, '/api/v1/contacts')[0]['id']}")
    }
