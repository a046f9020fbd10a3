"""The web pages through Flask's test client: sessions, CSRF, isolation and the rule explained."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from urllib.parse import quote
from zoneinfo import ZoneInfo

import icalendar
import pytest
from werkzeug.test import EnvironBuilder

from core import passwords_db
from schedules.times import when
from tests.helpers import PASSWORD, PlannerRunner, ask, give, make_audience
from tests.web.conftest import sign_in
from tests.web.helpers import csrf_token_of, items, page_text, text_of

NEXT_YEAR = dt.date.today().year + 1


def at(month: int, day: int, time: str = "09:00") -> str:
    return f"{NEXT_YEAR}-{month:02d}-{day:02d}T{time}"


def ask_form(**fields: str) -> dict[str, str]:
    return {
        "kind": "ask",
        "type": "meeting_request",
        "title": "Invite: a 20-minute pricing review",
        "body": "Readers of the pricing series: want a short call?",
        "url": "https://example.com/pricing",
        "status": "scheduled",
        **fields,
    }


# ---------------------------------------------------------------- sessions and sign-in


def test_pages_redirect_to_sign_in_and_the_cookie_never_opens_the_api(app, browser):
    anonymous = app.test_client().get("/calendar")
    assert anonymous.status_code == 303
    assert anonymous.headers["Location"] == "/signin?next=/calendar"

    assert browser.get("/").status_code == 200
    # The signed-in cookie is no API credential, which is why the API needs no CSRF token.
    assert browser.get("/api/v1/audiences").status_code == 401


def test_session_cookie_is_httponly_lax_and_secure_over_https(app, rep):
    with app.extensions["planner_db"].writer() as session:
        passwords_db.set_password(session, "rep@acme.example", PASSWORD)
        session.commit()
    for base, secure in (("http://localhost", False), ("https://localhost", True)):
        client = app.test_client()
        page = text_of(client.get("/signin", base_url=base))
        token = csrf_token_of(page)
        response = client.post(
            "/signin",
            base_url=base,
            data={"email": "rep@acme.example", "password": PASSWORD, "csrf_token": token},
        )
        assert response.status_code == 303
        cookie = response.headers["Set-Cookie"]
        assert "HttpOnly" in cookie
        assert "SameSite=Lax" in cookie
        assert ("Secure" in cookie) is secure


def test_sign_in_goes_back_to_the_page_asked_for_but_never_off_site(app, rep):
    with app.extensions["planner_db"].writer() as session:
        passwords_db.set_password(session, "rep@acme.example", PASSWORD)
        session.commit()
    for asked, landed in (("/calendar", "/calendar"), ("//evil.example/x", "/")):
        client = app.test_client()
        page = text_of(client.get("/signin"))
        token = csrf_token_of(page)
        response = client.post(
            f"/signin?next={asked}",
            data={"email": "rep@acme.example", "password": PASSWORD, "csrf_token": token},
        )
        assert response.headers["Location"] == landed


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(client, rep):
    page = text_of(client.get("/signin"))
    token = csrf_token_of(page)
    for email in ("rep@acme.example", "nobody@acme.example"):
        response = client.post(
            "/signin", data={"email": email, "password": "not it at all", "csrf_token": token}
        )
        assert response.status_code == 422
        assert "do not match an account" in text_of(response)
        assert email in text_of(response)  # kept in the form
    assert client.get("/").status_code == 303


def test_five_failed_sign_ins_in_a_minute_slow_the_next_ones_down(app, rep):
    with app.extensions["planner_db"].writer() as session:
        passwords_db.set_password(session, "rep@acme.example", PASSWORD)
        session.commit()
    client = app.test_client()
    page = text_of(client.get("/signin"))
    token = csrf_token_of(page)

    def attempt(password: str, email: str = "rep@acme.example"):
        return client.post(
            "/signin", data={"email": email, "password": password, "csrf_token": token}
        )

    assert [attempt(f"guess number {n}").status_code for n in range(5)] == [422] * 5
    blocked = attempt(PASSWORD)  # even the right password waits: guessing must not pay
    assert blocked.status_code == 429
    assert 1 <= int(blocked.headers["Retry-After"]) <= 60
    assert "Too many failed sign-ins" in text_of(blocked)
    # The same address trying another account is slowed down too.
    assert attempt("whatever it is", "other@acme.example").status_code == 429
    # Another address guessing the same account as well.
    other = app.test_client()
    other_token = csrf_token_of(text_of(other.get("/signin")))
    response = other.post(
        "/signin",
        data={"email": "rep@acme.example", "password": PASSWORD, "csrf_token": other_token},
        environ_base={"REMOTE_ADDR": "192.0.2.7"},
    )
    assert response.status_code == 429


def replay(app, cookie: str):
    """Another client holding a copy of a session cookie, as a thief or a shared machine would."""
    client = app.test_client()
    client.set_cookie("session", cookie)
    return client


def test_sign_out_ends_the_session_on_the_server_too(app, browser, rep):
    copied = browser.client.get_cookie("session").value
    csrf = browser.token("/calendar")
    assert replay(app, copied).get("/").status_code == 200  # the copy works while signed in
    response = browser.post("/signout")
    assert response.status_code == 303
    assert browser.get("/").status_code == 303
    assert "You are signed out." in text_of(browser.get("/signin"))

    thief = replay(app, copied)
    home = thief.get("/")
    assert home.status_code == 303
    assert home.headers["Location"] == "/signin?next=/"
    rotate = thief.post("/calendar/subscription", data={"csrf_token": csrf})
    assert rotate.status_code == 303
    assert rotate.headers["Location"].startswith("/signin")
    assert rep.get("/api/v1/calendar/subscription").get_json()["url"] is None
    # Signing in again opens a new session, which the old copy does not share.
    assert sign_in(app, rep, browser.email).get("/").status_code == 200
    assert replay(app, copied).get("/").status_code == 303


def test_deactivating_a_user_ends_their_sessions_sign_in_and_tokens(app, client, browser, rep):
    assert browser.get("/").status_code == 200
    result = PlannerRunner(app).invoke(args=["users", "deactivate", browser.email])
    assert result.exit_code == 0, result.output
    assert "Deactivated rep@acme.example." in result.output
    assert browser.get("/").status_code == 303
    assert rep.get("/api/v1/audiences").status_code == 401
    token = csrf_token_of(text_of(client.get("/signin")))
    refused = client.post(
        "/signin", data={"email": browser.email, "password": PASSWORD, "csrf_token": token}
    )
    assert refused.status_code == 422
    unknown = PlannerRunner(app).invoke(args=["users", "deactivate", "nobody@acme.example"])
    assert unknown.exit_code != 0
    assert "No user with email" in unknown.output


def test_a_new_password_ends_sessions_opened_with_the_old_one(app, browser):
    assert browser.get("/").status_code == 200
    with app.extensions["planner_db"].writer() as session:
        passwords_db.set_password(session, browser.email, "a brand new passphrase")
        session.commit()
    assert browser.get("/").status_code == 303


def test_set_password_command_prompts_or_reads_stdin_and_refuses_short_ones(app, rep):
    runner = PlannerRunner(app)
    result = runner.invoke(
        args=["users", "set-password", "rep@acme.example"],
        input="long enough secret\nlong enough secret\n",
    )
    assert result.exit_code == 0, result.output
    assert "Password set for rep@acme.example." in result.output

    short = runner.invoke(
        args=["users", "set-password", "rep@acme.example", "--password-stdin"], input="short\n"
    )
    assert short.exit_code == 2
    assert "at least 12 characters" in short.output

    with app.extensions["planner_db"].reader() as session:
        assert passwords_db.authenticate(session, "rep@acme.example", "long enough secret")
        assert passwords_db.authenticate(session, "rep@acme.example", "short") is None


def test_demo_load_prints_a_password_that_signs_in(app):
    result = PlannerRunner(app).invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    password = re.search(r"Demo password: (\S+)", result.output)[1]
    again = PlannerRunner(app).invoke(args=["demo", "load"])
    assert f"Demo password: {password}" in again.output
    client = app.test_client()
    token = csrf_token_of(client.get("/signin").text)
    signed_in = client.post(
        "/signin",
        data={"email": "rep@demo.example", "password": password, "csrf_token": token},
        follow_redirects=True,
    )
    assert signed_in.status_code == 200 and "Sign out" in signed_in.text
    # The demo's give to come links to an article, so a new user sees the share actions.
    audience = re.search(r'href="(/audiences/\d+)"', signed_in.text)[1]
    month_to_come = dt.datetime.now(dt.UTC) + dt.timedelta(days=7)
    calendar = client.get(f"{audience}?start={month_to_come:%Y-%m}").text
    assert "Share on LinkedIn" in calendar
    assert "linkedin.com/sharing/share-offsite/?url=https%3A%2F%2Fwww.example.com" in calendar


# ---------------------------------------------------------------- CSRF and isolation


def test_forms_without_the_csrf_token_are_refused(browser, rep):
    audience = make_audience(rep)
    new_post = f"/audiences/{audience['id']}/posts/new"
    give_form = {"kind": "give", "type": "tip", "title": "A tip", "status": "draft"}

    for path, data in ((new_post, give_form), ("/calendar/subscription", {}), ("/signout", {})):
        response = browser.post(path, data, csrf=False)
        assert response.status_code == 400, path
        assert "This form has expired" in text_of(response)
    forged = browser.post(new_post, give_form, headers={"Origin": "https://evil.example"})
    assert forged.status_code == 403

    assert rep.get(f"/api/v1/audiences/{audience['id']}/posts").get_json()["total"] == 0
    assert rep.get("/api/v1/calendar/subscription").get_json()["url"] is None
    assert browser.get("/").status_code == 200  # still signed in
    # The bearer-token API takes no CSRF token.
    assert give(rep, audience["id"], at(3, 2))["id"]


@pytest.mark.options(sqlite_busy_timeout_ms=200)
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_form_sent_while_the_database_is_busy_gets_a_page_saying_nothing_was_saved(
    app, browser, rep, database_url
):
    audience = make_audience(rep)
    new_post = f"/audiences/{audience['id']}/posts/new"
    a_tip = {"kind": "give", "type": "tip", "title": "A tip", "status": "draft"}
    give_form = {**a_tip, "csrf_token": browser.token()}
    visitor = app.test_client()
    token = csrf_token_of(text_of(visitor.get("/signin")))
    signin_form = {"email": "rep@acme.example", "password": PASSWORD, "csrf_token": token}
    # Another process holds SQLite's write lock past the busy timeout.
    locker = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        for response in (browser.client.post(new_post, data=give_form),
                         visitor.post("/signin", data=signin_form)):  # fmt: skip
            assert response.status_code == 503
            assert response.mimetype == "text/html"
            assert int(response.headers["Retry-After"]) > 0
            page = text_of(response)
            assert "Busy for a moment" in page and "Nothing was saved" in page
            assert "Back button to keep what you typed" in page
        # The API keeps its problem+json.
        api = rep.post(f"/api/v1/audiences/{audience['id']}/posts", json=a_tip)
        assert (api.status_code, api.mimetype) == (503, "application/problem+json")
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    assert browser.client.post(new_post, data=give_form).status_code == 303


def test_a_form_sent_over_https_without_a_referer_is_accepted(browser, rep):
    """Pages send "Referrer-Policy: no-referrer", so an https form arrives without a Referer;
    only a missing token or another Origin refuses it."""
    response = browser.post("/calendar/subscription", base_url="https://localhost")
    assert response.status_code == 303
    assert rep.get("/api/v1/calendar/subscription").get_json()["url"] is not None
    forged = browser.post(
        "/calendar/subscription",
        base_url="https://localhost",
        headers={"Origin": "https://evil.example"},
    )
    assert forged.status_code == 403


def test_another_workspaces_pages_answer_404(rep, stranger):
    audience = make_audience(rep)
    post = give(rep, audience["id"], at(3, 2))
    pages = [
        f"/audiences/{audience['id']}",
        f"/audiences/{audience['id']}/posts/new",
        f"/audiences/{audience['id']}/calendar.ics",
        f"/posts/{post['id']}/edit",
    ]
    for path in pages:
        response = stranger.get(path)
        assert response.status_code == 404, path
        assert "CFOs" not in text_of(response)
    writes = [
        (f"/posts/{post['id']}/edit", ask_form()),
        (f"/posts/{post['id']}/cancel", {}),
        (f"/posts/{post['id']}/delete", {}),
        (f"/audiences/{audience['id']}/posts/new", ask_form()),
    ]
    for path, data in writes:
        assert stranger.post(path, data).status_code == 404, path
    assert rep.get(f"/api/v1/posts/{post['id']}").get_json()["status"] == "scheduled"
    assert "CFOs" not in text_of(stranger.get("/"))


# ---------------------------------------------------------------- planning


def test_home_shows_the_ratio_meter_next_open_slot_and_earliest_ask(browser, rep):
    audience = make_audience(rep)
    give(rep, audience["id"], at(3, 2))
    page = text_of(browser.get("/"))
    assert re.search(r'<meter id="meter-\d+" min="0" max="3"[^>]*value="1"', page)
    assert "1 of 3" in page
    assert "share 2 more before a new ask" in page
    assert "Next open slot" in page
    assert "Fill the next open slot" in page


def test_month_and_quarter_views_show_posts_and_open_slots(browser, rep):
    audience = make_audience(rep)  # second Tuesday of the month, 09:00 Berlin
    give(rep, audience["id"], at(3, 2), title="Five ways to free working capital")
    base = f"/audiences/{audience['id']}"

    march = text_of(browser.get(f"{base}?view=month&start={NEXT_YEAR}-03"))
    assert f"March {NEXT_YEAR}" in march
    assert "Five ways to free working capital" in march
    april = text_of(browser.get(f"{base}?view=month&start={NEXT_YEAR}-04"))
    assert "Open slot" in april and "plan a value post" in april  # March's slot is filled
    second_tuesday = next(
        d for d in (dt.date(NEXT_YEAR, 4, day) for day in range(8, 15)) if d.weekday() == 1
    )
    assert f"at={second_tuesday:%Y-%m-%d}T09:00" in april

    quarter = text_of(browser.get(f"{base}?view=quarter&start={NEXT_YEAR}-02"))
    assert f"Q1 {NEXT_YEAR}" in quarter
    assert "Week of" in quarter
    assert "Five ways to free working capital" in quarter


def test_a_refused_ask_explains_in_plain_words_and_keeps_what_was_typed(browser, rep):
    audience = make_audience(rep)
    give(rep, audience["id"], at(3, 2))
    form = ask_form(date=f"{NEXT_YEAR}-03-04", time="10:30")
    response = browser.post(f"/audiences/{audience['id']}/posts/new", form)

    assert response.status_code == 422
    page = text_of(response)
    assert (
        "Share 2 more value posts with <bdi>CFOs</bdi> first "
        "(only value posts from the 365 days before an ask count)."
    ) in page
    assert 'value="Invite: a 20-minute pricing review"' in page
    assert "Readers of the pricing series: want a short call?</textarea>" in page
    assert f'value="{NEXT_YEAR}-03-04"' in page and 'value="10:30"' in page
    assert 'value="https://example.com/pricing"' in page
    assert rep.get(f"/api/v1/audiences/{audience['id']}/posts").get_json()["total"] == 1


def test_an_ask_before_enough_gives_is_offered_the_first_date_that_passes(browser, rep):
    audience = make_audience(rep)
    for day in (2, 5, 10):
        give(rep, audience["id"], at(3, day))
    form = ask_form(date=f"{NEXT_YEAR}-03-04", time="10:30")
    page = text_of(browser.post(f"/audiences/{audience['id']}/posts/new", form))
    assert (
        "Share 2 more value posts with <bdi>CFOs</bdi> first (only value posts from the 365 days "
        "before an ask count), or choose a date on or after"
    ) in page
    assert "10 March" in page and "09:01" in page  # a minute after the third give, Berlin time

    created = browser.post(
        f"/audiences/{audience['id']}/posts/new", ask_form(date=f"{NEXT_YEAR}-03-10", time="09:01")
    )
    assert created.status_code == 303
    assert "Scheduled “Invite: a 20-minute pricing review”" in page_text(browser.get("/"))


def test_cancelling_a_give_an_ask_relies_on_is_refused_with_the_reason(browser, rep):
    audience = make_audience(rep)
    gives = [give(rep, audience["id"], at(3, day)) for day in (2, 5, 10)]
    assert ask(rep, audience["id"], at(3, 20), title="Pricing review").status_code == 201

    for action in ("cancel", "delete"):
        response = browser.post(f"/posts/{gives[0]['id']}/{action}")
        assert response.status_code == 422
        page = text_of(response)
        assert "This would leave your ask “<bdi>Pricing review</bdi>”" in page
        assert "with only 2 of the 3 value posts it needs" in page
    assert rep.get(f"/api/v1/posts/{gives[0]['id']}").get_json()["status"] == "scheduled"


def test_after_a_refused_cancel_or_delete_save_changes_saves_the_edit(browser, rep):
    """The refusal is shown at the action's address; a form without its own action then sent
    'Save changes' there, and the probe's edit deleted the post it was editing."""
    audience = make_audience(rep)
    gives = [give(rep, audience["id"], at(3, day)) for day in (2, 5, 10)]
    assert ask(rep, audience["id"], at(3, 20), title="Pricing review").status_code == 201
    post_id = gives[0]["id"]
    for action in ("cancel", "delete"):
        refused = browser.post(f"/posts/{post_id}/{action}")
        assert refused.status_code == 422
        actions = re.findall(r'<form method="post" action="([^"]+)"', text_of(refused))
        assert actions[0] == f"/posts/{post_id}/edit"  # the main form: Save changes
        edited = {"kind": "give", "type": "shared_article", "title": f"Edited after {action}",
                  "date": f"{NEXT_YEAR}-03-02", "time": "09:00", "status": "scheduled",
                  "csrf_token": csrf_token_of(text_of(refused))}  # fmt: skip
        assert browser.post(actions[0], data=edited).status_code == 303
        shown = rep.get(f"/api/v1/posts/{post_id}").get_json()
        assert (shown["title"], shown["status"]) == (f"Edited after {action}", "scheduled")
        # Reloading the refusal's address (a GET) goes back to the post, not to a 405 page;
        # delete's is its question, asked again.
        reloaded = browser.get(f"/posts/{post_id}/{action}")
        if action == "delete":
            assert reloaded.status_code == 200
            assert "Delete the post “Edited after delete”?" in page_text(reloaded)
            continue
        assert reloaded.status_code == 303
        assert reloaded.headers["Location"].endswith(f"/posts/{post_id}/edit")


def test_the_rules_sentences_isolate_what_users_typed_and_escape_it(browser, rep):
    """An Arabic audience name, ask title and contact name each sit in <bdi> in the rules'
    sentences, as everywhere else on the pages; markup typed in them stays text."""
    audience = make_audience(rep, name="مدراء <R&D>")
    gives = [give(rep, audience["id"], at(3, day)) for day in (2, 5, 10)]
    assert ask(rep, audience["id"], at(3, 20), title="سعر <b>واضح</b>").status_code == 201
    form = ask_form(date=f"{NEXT_YEAR}-03-04", time="10:30")
    page = text_of(browser.post(f"/audiences/{audience['id']}/posts/new", form))
    assert "Share 2 more value posts with <bdi>مدراء &lt;R&amp;D&gt;</bdi> first" in page
    page = text_of(browser.post(f"/posts/{gives[0]['id']}/cancel"))
    assert "This would leave your ask “<bdi>سعر &lt;b&gt;واضح&lt;/b&gt;</bdi>” on" in page
    contact = rep.post("/api/v1/contacts", json={"name": "دانا حداد"}).get_json()
    page = text_of(browser.get(f"/contacts/{contact['id']}"))
    assert "Connect with <bdi>دانا</bdi> first: send a request with a personal note" in page


def test_editing_a_post_moves_it_and_cancelling_a_free_give_works(browser, rep):
    audience = make_audience(rep)
    post = give(rep, audience["id"], at(3, 2), title="Cash-flow checklist")
    form = text_of(browser.get(f"/posts/{post['id']}/edit"))
    assert 'value="Cash-flow checklist"' in form and f'value="{NEXT_YEAR}-03-02"' in form

    moved = browser.post(
        f"/posts/{post['id']}/edit",
        {"kind": "give", "type": "tip", "title": "Cash-flow checklist", "body": "",
         "url": "", "status": "scheduled", "date": f"{NEXT_YEAR}-03-09", "time": "08:15"},
    )  # fmt: skip
    assert moved.status_code == 303
    assert (
        rep.get(f"/api/v1/posts/{post['id']}")
        .get_json()["scheduled_at_local"]
        .startswith(f"{NEXT_YEAR}-03-09T08:15")
    )
    assert browser.post(f"/posts/{post['id']}/cancel").status_code == 303
    assert rep.get(f"/api/v1/posts/{post['id']}").get_json()["status"] == "cancelled"


def _status_selected(form: str) -> str:
    return re.search(r'<option value="(\w+)" selected>', form.split('id="status"')[1])[1]


def _notice_after(browser, response) -> str:
    """The page the rep lands on after a saved form, where its notice is shown."""
    assert response.status_code == 303, text_of(response)
    return page_text(browser.get(response.headers["Location"]))


def test_editing_a_cancelled_ask_says_it_is_cancelled_and_keeps_it_so(browser, rep):
    """The probe's steps: the form showed Draft (no Cancelled choice), and saving a typo fix
    made the ask a draft again under a notice saying "Scheduled". As the API's PATCH without a
    status, an edit keeps the status; choosing another status is the explicit restore."""
    audience = make_audience(rep)
    for day in (2, 5, 10):
        give(rep, audience["id"], at(3, day))
    post = ask(rep, audience["id"], at(3, 20, "10:00"), title="Pricng review").get_json()
    assert browser.post(f"/posts/{post['id']}/cancel").status_code == 303

    form = page_text(browser.get(f"/posts/{post['id']}/edit"))
    assert "This post is cancelled" in form
    assert _status_selected(form) == "cancelled"
    typed = {**ask_form(title="Pricing review", url=""), "status": _status_selected(form),
             "date": f"{NEXT_YEAR}-03-20", "time": "10:00"}  # fmt: skip
    landed = _notice_after(browser, browser.post(f"/posts/{post['id']}/edit", typed))
    assert "Scheduled “" not in landed
    assert "Saved “Pricing review”; it stays cancelled, off the calendar." in landed
    shown = rep.get(f"/api/v1/posts/{post['id']}").get_json()
    assert (shown["title"], shown["status"]) == ("Pricing review", "cancelled")

    restored = browser.post(f"/posts/{post['id']}/edit", {**typed, "status": "scheduled"})
    assert "Scheduled “Pricing review” for" in _notice_after(browser, restored)
    assert rep.get(f"/api/v1/posts/{post['id']}").get_json()["status"] == "scheduled"
    # Only a cancelled post's form offers Cancelled: cancelling is the button's, which says so.
    form = page_text(browser.get(f"/posts/{post['id']}/edit"))
    assert "This post is cancelled" not in form
    assert 'value="cancelled"' not in form.split('id="status"')[1].split("</select>")[0]


def test_the_notice_after_saving_says_the_status_saved(browser, rep):
    """Saving a draft said "Scheduled “…” for …" though nothing was scheduled."""
    audience = make_audience(rep)
    new = f"/audiences/{audience['id']}/posts/new"
    base = {"kind": "give", "type": "tip", "body": "", "url": ""}
    yesterday = dt.datetime.now(dt.UTC).astimezone(ZoneInfo("Europe/Berlin")).date()
    yesterday -= dt.timedelta(days=1)
    cases = [
        ({"title": "Draft give with date", "status": "draft", "date": f"{NEXT_YEAR}-02-03",
          "time": "10:00"},
         "Saved “Draft give with date” as a draft (planned for {at})."),
        ({"title": "Undated draft", "status": "draft", "date": "", "time": ""},
         "Saved “Undated draft” as a draft."),
        ({"title": "Shared yesterday", "status": "published", "date": yesterday.isoformat(),
          "time": "08:30"},
         "Recorded “Shared yesterday” as published on {at}."),
        ({"title": "Planned give", "status": "scheduled", "date": f"{NEXT_YEAR}-02-10",
          "time": "09:00"},
         "Scheduled “Planned give” for {at}."),
    ]  # fmt: skip
    for fields, notice in cases:
        landed = _notice_after(browser, browser.post(new, {**base, **fields}))
        saved = items(rep, f"/api/v1/audiences/{audience['id']}/posts?status={fields['status']}")
        post = next(p for p in saved if p["title"] == fields["title"])
        moment = post["scheduled_at"]
        at_ = when(dt.datetime.fromisoformat(moment), "Europe/Berlin") if moment else None
        assert notice.format(at=at_) in landed
        if fields["status"] != "scheduled":
            assert "Scheduled “" not in landed


def test_invalid_fields_are_named_next_to_their_inputs(browser, rep):
    audience = make_audience(rep)
    response = browser.post(
        f"/audiences/{audience['id']}/posts/new",
        ask_form(title="", url="not a link", date=f"{NEXT_YEAR}-03-04", time=""),
    )
    assert response.status_code == 422
    page = text_of(response)
    assert re.search(r'id="time-error">Pick a time as well as a date', page)
    fixed_time = browser.post(
        f"/audiences/{audience['id']}/posts/new",
        ask_form(title="", url="not a link", status="draft"),
    )
    page = text_of(fixed_time)
    assert 'id="title-error"' in page and 'id="url-error"' in page
    assert 'aria-invalid="true" aria-describedby="url-error"' in page


@pytest.mark.parametrize(
    ("path", "schema"),
    [("/contacts/new", "Contact"), ("/audiences/new", "Audience"),
     ("/audiences/{id}/posts/new", "Post")],
)  # fmt: skip
def test_a_form_s_inputs_take_as_much_as_the_api_does_and_no_more(app, browser, rep, path, schema):
    """A browser stops typing at maxlength: longer than the API takes, the form is refused only
    once sent (the contact form's email took 320 to the API's 254); shorter, it cuts in silence."""
    audience = make_audience(rep)
    page = text_of(browser.get(path.format(id=audience["id"])))
    limits = dict(
        re.findall(r'<(?:input|textarea) id="\w+" name="(\w+)"[^>]* maxlength="(\d+)"', page)
    )
    properties = app.extensions["planner_api"].spec.to_dict()["components"]["schemas"][schema][
        "properties"
    ]
    assert limits and len(limits) == page.count("maxlength="), page  # every limited input read
    assert {name: int(n) for name, n in limits.items()} == {
        name: properties[name]["maxLength"] for name in limits
    }


# ---------------------------------------------------------------- calendar and settings


def test_calendar_downloads_and_subscription_link_rotation(app, browser, rep):
    audience = make_audience(rep)
    post = give(rep, audience["id"], at(3, 2), title="Cash-flow checklist")

    download = browser.get("/calendar/value-planner.ics")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"] == 'attachment; filename="value-planner.ics"'
    events = icalendar.Calendar.from_ical(download.data).walk("VEVENT")
    assert f"post-{post['id']}@value-planner" in [str(e["UID"]) for e in events]
    one = browser.get(f"/audiences/{audience['id']}/calendar.ics")
    assert one.headers["Content-Disposition"] == 'attachment; filename="cfos.ics"'

    assert "Create a subscription link" in text_of(browser.get("/calendar"))
    assert browser.post("/calendar/subscription").status_code == 303
    first = re.search(r'id="subscription" type="text" readonly value="([^"]+)"',
                      text_of(browser.get("/calendar")))[1]  # fmt: skip
    anonymous = app.test_client()
    assert anonymous.get(first).status_code == 200
    browser.post("/calendar/subscription")
    page = text_of(browser.get("/calendar"))
    assert "the old one no longer works" in page
    assert first not in page
    assert anonymous.get(first).status_code == 404
    browser.post("/calendar/subscription/off")
    assert "Create a subscription link" in text_of(browser.get("/calendar"))


def test_only_admins_change_workspace_settings(app, browser, second_rep):
    form = {"timezone": "Europe/Paris", "connect_enabled": "on", "connect_weekday": "3",
            "connect_time": "07:30", "connect_minutes": "45"}  # fmt: skip
    rep = sign_in(app, second_rep, "second@acme.example")
    refused = rep.post("/settings", form)
    assert refused.status_code == 403  # as the audience forms answer a rep's change
    assert "Only a workspace admin" in text_of(refused)

    # The workspace's first user is its admin.
    assert browser.post("/settings", {**form, "connect_time": "7 o'clock"}).status_code == 422
    assert browser.post("/settings", form).status_code == 303
    workspace = browser.api.get("/api/v1/workspace").get_json()
    assert workspace["timezone"] == "Europe/Paris"
    assert workspace["connecting_hour"] == {
        "enabled": True, "weekday": 3, "time": "07:30", "duration_minutes": 45
    }  # fmt: skip


# ---------------------------------------------------------------- feeds

RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Working capital weekly</title>
<link>https://example.com/</link><description>d</description>
<item><title>Five ways to free cash</title><link>https://example.com/a</link></item>
</channel></rss>"""


@pytest.mark.options(FEEDS_ALLOW_PRIVATE=True)
def test_feeds_page_adds_a_feed_and_refreshes_it_showing_status_and_errors(browser, httpserver):
    httpserver.expect_request("/feed.xml").respond_with_data(
        RSS, content_type="application/rss+xml"
    )
    good = httpserver.url_for("/feed.xml")
    broken = httpserver.url_for("/gone-wrong.xml")
    httpserver.expect_request("/gone-wrong.xml").respond_with_data("oops", status=500)

    assert browser.post("/feeds", {"url": "not a url"}).status_code == 422
    for url in (good, broken):
        assert browser.post("/feeds", {"url": url}).status_code == 303
    duplicate = browser.post("/feeds", {"url": good})
    assert duplicate.status_code == 422
    assert "already subscribes" in text_of(duplicate)

    page = text_of(browser.get("/feeds"))
    ids = re.findall(r'action="/feeds/(\d+)/refresh"', page)
    assert len(ids) == 2 and "not fetched yet" in page
    for feed_id in ids:
        assert browser.post(f"/feeds/{feed_id}/refresh").status_code == 303
    page = text_of(browser.get("/feeds"))
    assert "Working capital weekly" in page
    assert page.count('<td data-label="Status">ok</td>') == 1
    assert page.count('<td data-label="Status">error</td>') == 1
    assert "HTTP 500" in page  # the broken feed's last error, in plain sight


def test_a_past_date_is_refused_on_the_audiences_clock_as_typed(browser, rep):
    audience = make_audience(rep)  # Europe/Berlin
    form = {"kind": "give", "type": "tip", "title": "Too late", "body": "", "url": "",
            "date": "0001-01-01", "time": "09:00", "status": "scheduled"}  # fmt: skip
    page = page_text(browser.post(f"/audiences/{audience['id']}/posts/new", form))
    assert (
        "A scheduled post must be in the future, and Mon 1 January 1, 09:00 (Europe/Berlin) "
        "has passed" in page
    )
    yesterday = dt.date.today() - dt.timedelta(days=1)
    page = page_text(
        browser.post(
            f"/audiences/{audience['id']}/posts/new", {**form, "date": yesterday.isoformat()}
        )
    )
    year = "" if yesterday.year == dt.date.today().year else f" {yesterday.year}"
    assert f"{yesterday:%a} {yesterday.day} {yesterday:%B}{year}, 09:00 (Europe/Berlin)" in page


# ---------------------------------------------------------------- unknown addresses

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.mark.parametrize("path", ["/audiences//{id}", "/audiences/{id}//", "/nothing-here"])
def test_a_page_address_no_route_takes_is_the_pages_own_404(browser, rep, path):
    audience = make_audience(rep)
    response = browser.get(path.format(id=audience["id"]), headers={"Accept": BROWSER_ACCEPT})
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "<h1>Not found</h1>" in text_of(response)
    # A program asking for anything gets the problem document, as before.
    assert browser.get(path.format(id=audience["id"])).mimetype == "application/problem+json"


@pytest.mark.parametrize("path", ["/api/v1//audiences", "/api//v1/audiences", "/api/v1/nothing"])
def test_the_api_never_answers_html_even_to_a_browser(browser, path):
    response = browser.get(path, headers={"Accept": BROWSER_ACCEPT})
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_an_api_address_with_doubled_leading_slashes_is_still_the_apis(app):
    """Sent straight to the WSGI app: the test client would read ``//api`` as a host name."""
    environ = EnvironBuilder(path="/", headers={"Accept": BROWSER_ACCEPT}).get_environ()
    environ["PATH_INFO"] = "//api/v1/nothing"
    answered = {}
    app.wsgi_app(environ, lambda status, headers, *_: answered.update(headers))
    assert answered["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize(
    "path", ["/audiences/{id}/settings?x=%00", "/?q=%00", "/contacts?stage=%00"]
)
def test_a_nul_in_a_page_s_query_is_the_pages_422_and_the_api_keeps_its_problem(browser, rep, path):
    audience = make_audience(rep)
    response = browser.get(path.format(id=audience["id"]), headers={"Accept": BROWSER_ACCEPT})
    assert response.status_code == 422
    assert response.mimetype == "text/html"
    page = page_text(response)
    assert "<h1>Not valid</h1>" in page and "NUL character (%00)" in page
    api = rep.get(f"/api/v1/audiences/{audience['id']}?x=%00")
    assert api.status_code == 422
    assert api.get_json()["errors"] == [
        {"field": "x", "location": "query", "message": "NUL characters are not allowed."}
    ]


def test_a_page_address_with_a_non_numeric_id_is_the_sites_own_404(app, browser):
    """Every page route taking a row id: a word there matches no route at all."""
    paths = {
        re.sub(r"<int:\w+>", "abc", rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("web.") and "<int:" in rule.rule
    }
    assert "/contacts/abc" in paths
    for path in sorted(paths):
        response = browser.get(path, headers={"Accept": BROWSER_ACCEPT})
        assert response.status_code == 404, path
        page = page_text(response)
        assert "<h1>Not found</h1>" in page and "There is nothing here." in page, path
        assert "requested URL" not in page, path


def test_error_pages_are_titled_in_words_not_status_codes(app, browser, colleague):
    sam = sign_in(app, colleague, "sam@acme.example")
    for client, path, status, title in (
        (sam, "/team", 403, "Not allowed"),
        (browser, "/contacts/abc", 404, "Not found"),
        (browser, "/contacts?stage=nope", 400, "Not valid"),
        (browser, "/?q=%00", 422, "Not valid"),
    ):
        response = client.get(path, headers={"Accept": BROWSER_ACCEPT})
        assert response.status_code == status, path
        page = page_text(response)
        assert f"<h1>{title}</h1>" in page, path
        assert f"<title>{title} · Value Planner</title>" in page, path
        assert "Something is not right" not in page


def test_deleting_a_post_asks_first_without_javascript(browser, rep):
    audience = make_audience(rep)
    post = give(rep, audience["id"], at(3, 2), title="Cash-flow checklist")
    form = text_of(browser.get(f"/posts/{post['id']}/edit"))
    # The post form links to the question; no form there deletes in one click.
    assert f'action="/posts/{post["id"]}/delete"' not in form
    assert f'href="/posts/{post["id"]}/delete"' in form

    confirm = browser.get(f"/posts/{post['id']}/delete")
    assert confirm.status_code == 200
    page = page_text(confirm)
    assert "Delete the post “Cash-flow checklist”?" in page
    assert "This cannot be undone." in page
    assert f'href="/posts/{post["id"]}/edit"' in page  # Keep it
    assert rep.get(f"/api/v1/posts/{post['id']}").status_code == 200  # not yet

    deleted = browser.post(f"/posts/{post['id']}/delete")
    assert deleted.status_code == 303
    assert "Deleted “Cash-flow checklist”." in page_text(browser.get(deleted.headers["Location"]))
    assert rep.get(f"/api/v1/posts/{post['id']}").status_code == 404


@pytest.mark.parametrize(
    ("name", "fallback", "kept"),
    [
        ("مديرو المشتريات", "calendar.ics", "مديرو-المشتريات.ics"),
        ("مديرو المشتريات <i>x</i> 🚚", "calendar.ics", "مديرو-المشتريات-i-x-i-🚚.ics"),
        ("Café owners", "cafe-owners.ics", "café-owners.ics"),
    ],
)
def test_a_calendar_download_keeps_a_non_latin_audience_name(browser, rep, name, fallback, kept):
    audience = make_audience(rep, name=name)
    response = browser.get(f"/audiences/{audience['id']}/calendar.ics")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == (
        f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(kept, safe='')}"
    )
