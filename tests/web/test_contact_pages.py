"""Contact pages through Flask's test client: stages, the forms, refusals explained, isolation."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from schedules.times import when
from tests.helpers import give, make_audience, statements_run
from tests.web.conftest import sign_in
from tests.web.helpers import (
    BERLIN,
    add_contact,
    ask_form,
    berlin,
    fair_history,
    local_today,
    page_text,
    touch,
)

STOCK_NOTE = "Hi Dana, I'd like to add you to my professional network on LinkedIn."
PERSONAL_NOTE = "Dana, your talk on rolling forecasts at FinOps Berlin changed how I plan."


def stage_of(caller, contact) -> str:
    return caller.get(f"/api/v1/contacts/{contact['id']}").get_json()["stage"]


@pytest.fixture
def audience(rep):
    return make_audience(rep)  # CFOs, Europe/Berlin, 3 gives per ask


# ---------------------------------------------------------------- the list


def test_the_list_shows_each_stage_and_what_the_next_ask_needs_and_filters(browser, rep, audience):
    other = make_audience(rep, name="Heads of RevOps")
    now = dt.datetime.now(dt.UTC)
    add_contact(rep, audience, name="Nora New")
    requested = add_contact(rep, audience, name="Rita Requested")
    assert (
        rep.post(
            f"/api/v1/contacts/{requested['id']}/connection-request", json={"note": PERSONAL_NOTE}
        ).status_code
        == 200
    )
    connected_at = now - dt.timedelta(days=3, hours=1)
    add_contact(rep, other, name="Carl Connected", accepted_at=connected_at.isoformat())
    engaged = add_contact(rep, audience, name="Erin Engaged", accepted_at=connected_at.isoformat())
    touch(rep, engaged, now - dt.timedelta(days=1))
    fair_history(rep, audience)

    page = page_text(browser.get("/contacts"))
    assert "5 contacts." in page
    for name, stage in (
        ("Nora New", "New"),
        ("Rita Requested", "Request sent"),
        ("Carl Connected", "Connected"),
        ("Erin Engaged", "Engaged"),
        ("Dana Whitfield", "Ready to ask"),
    ):
        row = re.search(rf"{name}</a>.*?</tr>", page, re.S)[0]
        assert f">{stage}</span>" in row, (name, row)
    carl = re.search(r"Carl Connected</a>.*?</tr>", page, re.S)[0]
    ready_on = when(connected_at + dt.timedelta(days=14), "Europe/Berlin")
    assert f"Wait until {ready_on}: Carl connected only 3 days ago; the rule waits 14 days" in carl
    assert "Give Carl 2 more touches first" in carl
    erin = re.search(r"Erin Engaged</a>.*?</tr>", page, re.S)[0]
    assert "Give Erin 1 more touch first" in erin
    nora = re.search(r"Nora New</a>.*?</tr>", page, re.S)[0]
    assert "Connect with Nora first: send a request with a personal note." in nora
    dana = re.search(r"Dana Whitfield</a>.*?</tr>", page, re.S)[0]
    assert "Nothing: an ask now would be fair." in dana

    engaged_only = page_text(browser.get("/contacts?stage=engaged"))
    assert "Erin Engaged" in engaged_only and "Carl Connected" not in engaged_only
    assert "1 contact at stage “Engaged”." in engaged_only
    revops = page_text(browser.get(f"/contacts?audience={other['id']}"))
    assert "Carl Connected" in revops and "Erin Engaged" not in revops
    none = page_text(browser.get(f"/contacts?audience={other['id']}&stage=asked"))
    assert "No contacts match." in none
    assert browser.get("/contacts?stage=sold").status_code == 400
    assert browser.get("/contacts?audience=99999999999").status_code == 404
    assert "Nothing on this page." in page_text(browser.get("/contacts?page=99999999999999999999"))


# ---------------------------------------------------------------- add and edit


def test_a_contact_is_added_and_edited_and_bad_fields_are_named_and_kept(browser, rep, audience):
    form = {
        "name": "Dana  Whitfield",
        "profile_url": "https://www.linkedin.com/in/dana-whitfield",
        "audience_id": str(audience["id"]),
        "title": "CFO",
        "company": "Initech",
        "decision_maker": "on",
        "relationship": "met_in_person",
        "notes": "Met at FinOps Berlin.",
    }
    created = browser.post("/contacts/new", form)
    assert created.status_code == 303
    contact_id = int(re.fullmatch(r"/contacts/(\d+)", created.headers["Location"])[1])
    saved = rep.get(f"/api/v1/contacts/{contact_id}").get_json()
    assert saved["name"] == "Dana Whitfield"
    assert saved["audience_id"] == audience["id"]
    assert saved["decision_maker"] is True and saved["relationship"] == "met_in_person"
    page = page_text(browser.get(f"/contacts/{contact_id}"))
    assert "Saved Dana Whitfield." in page and ">New</span>" in page

    duplicate = browser.post("/contacts/new", {**form, "name": "Dana Again"})
    assert duplicate.status_code == 422
    page = page_text(duplicate)
    assert re.search(
        r'id="profile_url-error">You already have a contact with this profile URL', page
    )
    assert 'value="Dana Again"' in page

    beyond = browser.post("/contacts/new", {**form, "audience_id": "99999999999"})
    assert beyond.status_code == 422 and 'id="audience_id-error"' in page_text(beyond)

    invalid = browser.post("/contacts/new", {**form, "name": "", "profile_url": "not a link"})
    assert invalid.status_code == 422
    page = page_text(invalid)
    assert 'id="name-error"' in page and 'id="profile_url-error"' in page
    assert 'aria-invalid="true" aria-describedby="profile_url-error"' in page
    assert "Met at FinOps Berlin.</textarea>" in page
    assert rep.get("/api/v1/contacts").get_json()["total"] == 1

    edit = page_text(browser.get(f"/contacts/{contact_id}/edit"))
    assert 'value="Dana Whitfield"' in edit
    assert re.search(rf'<option value="{audience["id"]}" selected>CFOs</option>', edit)
    changed = browser.post(
        f"/contacts/{contact_id}/edit",
        {**form, "title": "Group CFO", "audience_id": "", "decision_maker": ""},
    )
    assert changed.status_code == 303
    saved = rep.get(f"/api/v1/contacts/{contact_id}").get_json()
    assert saved["title"] == "Group CFO"
    assert saved["audience_id"] is None and saved["decision_maker"] is False


# ---------------------------------------------------------------- request, acceptance, touches


def test_a_request_sent_weeks_ago_is_recorded_on_its_day_so_its_acceptance_can_follow(
    browser, rep, audience
):
    """Stamped 'now', a request recorded today made an acceptance two weeks ago 'before the
    connection request', and the rep had to wait the whole wait again from today."""
    contact = add_contact(rep, audience)
    path = f"/contacts/{contact['id']}"
    today = local_today()
    sent, accepted = today - dt.timedelta(days=20), today - dt.timedelta(days=15)
    future = browser.post(f"{path}/connection-request", {
        "note": PERSONAL_NOTE, "requested_date": (today + dt.timedelta(days=3)).isoformat(),
        "requested_time": "09:00",
    })  # fmt: skip
    assert future.status_code == 422
    assert 'id="requested_date-error"' in page_text(future)
    assert "has not happened yet" in page_text(future)
    recorded = browser.post(f"{path}/connection-request", {
        "note": PERSONAL_NOTE, "requested_date": sent.isoformat(), "requested_time": "09:00",
    })  # fmt: skip
    assert recorded.status_code == 303
    assert (
        rep.get(f"/api/v1/contacts/{contact['id']}")
        .get_json()["requested_at"]
        .startswith(sent.isoformat())
    )
    done = browser.post(
        f"{path}/acceptance", {"accepted_date": accepted.isoformat(), "accepted_time": "10:00"}
    )
    assert done.status_code == 303
    assert stage_of(rep, contact) == "connected"


def test_a_stock_note_is_refused_with_the_reason_then_request_acceptance_and_touches(
    browser, rep, audience
):
    contact = add_contact(rep, audience)
    path = f"/contacts/{contact['id']}"

    for note in (STOCK_NOTE, "Let's connect!", ""):
        refused = browser.post(f"{path}/connection-request", {"note": note})
        assert refused.status_code == 422, note
        page = page_text(refused)
        assert 'aria-invalid="true" aria-describedby="note-error note-hint"' in page
        assert "reads as mass outreach" in page  # why personal notes work
        assert f"{note}</textarea>" in page  # what was typed is kept
    assert "This is the network's stock invitation text." in page_text(
        browser.post(f"{path}/connection-request", {"note": STOCK_NOTE})
    )
    assert stage_of(rep, contact) == "new"

    assert browser.post(f"{path}/connection-request", {"note": PERSONAL_NOTE}).status_code == 303
    page = page_text(browser.get(path))
    assert "Recorded your request to Dana Whitfield." in page
    assert ">Request sent</span>" in page and f"{PERSONAL_NOTE}</textarea>" in page

    today = local_today()
    early = browser.post(
        f"{path}/acceptance",
        {"accepted_date": (today - dt.timedelta(days=2)).isoformat(), "accepted_time": "09:00"},
    )
    assert early.status_code == 422
    assert "Must not be before the connection request." in page_text(early)
    no_time = browser.post(
        f"{path}/acceptance", {"accepted_date": today.isoformat(), "accepted_time": ""}
    )
    assert 'id="accepted_time-error">Pick a time as well as a date.' in page_text(no_time)
    now = dt.datetime.now(BERLIN)
    accepted = browser.post(
        f"{path}/acceptance",
        {"accepted_date": now.date().isoformat(), "accepted_time": f"{now:%H:%M}"},
    )
    assert accepted.status_code == 303
    assert stage_of(rep, contact) == "connected"
    page = page_text(browser.get(path))
    assert "Dana Whitfield accepted: now give before you ask." in page
    assert "Connected since" in page and "Record acceptance" not in page

    post = give(rep, audience["id"], berlin(today + dt.timedelta(days=1), "09:00").isoformat())
    page = page_text(browser.get(path))
    assert re.search(rf'<option value="{post["id"]}"', page)  # offered as the touch's subject
    linked = browser.post(
        f"{path}/touches",
        {"touch_kind": "shared_article", "touch_date": "", "touch_time": "",
         "touch_post": str(post["id"])},
    )  # fmt: skip
    assert linked.status_code == 303
    bad = browser.post(
        f"{path}/touches", {"touch_kind": "spammed", "touch_date": "", "touch_time": ""}
    )
    assert bad.status_code == 422
    assert 'id="touch_kind-error"' in page_text(bad)
    touches = rep.get(f"/api/v1/contacts/{contact['id']}/touches").get_json()["items"]
    assert [(t["kind"], t["post_id"]) for t in touches] == [("shared_article", post["id"])]
    page = page_text(browser.get(path))
    assert (
        f'Shared an article with them: <a href="/posts/{post["id"]}/edit">“{post["title"]}”</a>'
        in page
    )


def test_a_touch_dated_tomorrow_is_refused_next_to_its_date(browser, rep, audience):
    """Touches are recorded after the fact: one still to come cannot earn an ask."""
    contact = add_contact(rep, audience)
    tomorrow = local_today() + dt.timedelta(days=1)
    form = {"touch_kind": "met", "touch_date": tomorrow.isoformat(), "touch_time": "09:00"}
    refused = browser.post(f"/contacts/{contact['id']}/touches", form)
    assert refused.status_code == 422
    assert re.search(
        r'id="touch_date-error">A touch is recorded after it happened', page_text(refused)
    )
    assert rep.get(f"/api/v1/contacts/{contact['id']}/touches").get_json()["items"] == []


def test_the_list_reads_the_audience_rule_once_however_many_people_it_waits_for(
    app, browser, rep, audience
):
    """The list says what each person still needs, not the first time both rules allow an ask
    (the contact page and the API do): so it reads the audience's calendar once, not again
    at each person's own minute (here, 14 days after each connected)."""
    fair_history(rep, audience)  # the audience rule lets an ask go out now
    now = dt.datetime.now(dt.UTC)

    def calendar_reads() -> int:
        with statements_run(app.extensions["planner_db"].engine) as statements:
            page = page_text(browser.get("/contacts"))
        assert "connected less than a day ago" in page
        return sum(1 for s in statements if "FROM posts" in s)

    waiting = []
    for hours in range(1, 5):
        accepted = now - dt.timedelta(hours=hours)
        waiting.append(
            add_contact(rep, audience, name=f"Wendy {hours}", accepted_at=accepted.isoformat())
        )
        for minutes in (10, 20):
            touch(rep, waiting[-1], accepted + dt.timedelta(minutes=minutes))
        if hours == 1:
            one = calendar_reads()
    assert calendar_reads() == one
    shown = rep.get(f"/api/v1/contacts/{waiting[0]['id']}").get_json()["earliest_ask_at"]
    assert dt.datetime.fromisoformat(shown) > now + dt.timedelta(days=13)
    page = page_text(browser.get(f"/contacts/{waiting[0]['id']}"))
    assert "the audience rule allow an ask: <strong>" in page


def test_an_acceptance_still_to_come_is_refused_on_the_acceptance_form(browser, rep, audience):
    contact = add_contact(rep, audience)
    tomorrow = local_today() + dt.timedelta(days=1)
    refused = browser.post(
        f"/contacts/{contact['id']}/acceptance",
        {"accepted_date": tomorrow.isoformat(), "accepted_time": "09:00"},
    )
    assert refused.status_code == 422
    page = page_text(refused)
    assert re.search(r'id="accepted_date-error">[^<]*has not happened yet', page)
    assert stage_of(rep, contact) == "new"


def test_ready_to_ask_says_when_the_audience_rule_still_holds_the_ask_back(browser, rep, audience):
    today = local_today()
    contact = add_contact(rep, audience, accepted_at=berlin(today - dt.timedelta(20)).isoformat())
    for days_ago in (10, 9):
        touch(rep, contact, berlin(today - dt.timedelta(days_ago)))
    page = page_text(browser.get(f"/contacts/{contact['id']}"))
    assert ">Ready to ask</span>" in page  # the person has been given enough ...
    share = "Share 3 more value posts with CFOs first"
    assert share in page and "An ask now would be fair" not in page  # ... the audience not yet
    row = re.search(r"Dana Whitfield</a>.*?</tr>", page_text(browser.get("/contacts")), re.S)[0]
    assert share in row and "Nothing: an ask now would be fair." not in row

    for days in (1, 2, 3):
        give(rep, audience["id"], berlin(today + dt.timedelta(days), "09:00").isoformat())
    from_ = when(berlin(today + dt.timedelta(3), "09:01"), "Europe/Berlin")
    page = page_text(browser.get(f"/contacts/{contact['id']}"))
    assert f"lets your next ask go out from {from_}" in page
    assert f"the audience rule allow an ask: <strong>{from_}</strong>" in page
    form = page_text(browser.get(f"/contacts/{contact['id']}/asks/new"))
    day3 = (today + dt.timedelta(3)).isoformat()
    assert f'value="{day3}"' in form and 'value="09:01"' in form  # the date both rules allow


# ---------------------------------------------------------------- the one-to-one ask


def test_an_early_ask_explains_every_unmet_condition_and_keeps_what_was_typed(
    browser, rep, audience
):
    today = local_today()
    accepted = berlin(today - dt.timedelta(days=3))
    contact = add_contact(rep, audience, accepted_at=accepted.isoformat())
    form = ask_form(today + dt.timedelta(days=1))
    response = browser.post(f"/contacts/{contact['id']}/asks/new", form)

    assert response.status_code == 422
    page = page_text(response)
    wait = when(accepted + dt.timedelta(days=14), "Europe/Berlin")
    assert (
        f"Wait until {wait}: Dana connected only 4 days before this ask; the rule waits 14 "
        "days after a connection."
    ) in page
    assert "Give Dana 2 more touches first (comment on their post, share an article" in page
    assert (
        "Share 3 more value posts with CFOs first "
        "(only value posts from the 365 days before an ask count)."
    ) in page  # the audience rule, too
    assert 'value="A 20-minute forecasting review"' in page
    assert "would a short call on your rolling forecast help?</textarea>" in page
    assert f'value="{form["date"]}"' in page and 'value="10:00"' in page
    assert '<option value="meeting_request" selected>' in page
    assert rep.get(f"/api/v1/contacts/{contact['id']}/asks").get_json()["total"] == 0


def test_an_ask_refused_only_by_the_audience_rule_says_so_in_its_words(browser, rep, audience):
    today = local_today()
    contact = add_contact(rep, audience, accepted_at=berlin(today - dt.timedelta(20)).isoformat())
    for days_ago in (10, 9):
        touch(rep, contact, berlin(today - dt.timedelta(days_ago)))
    give(rep, audience["id"], berlin(today - dt.timedelta(8)).isoformat(), status="published")

    page = page_text(browser.post(f"/contacts/{contact['id']}/asks/new", ask_form(today)))
    assert (
        "Share 2 more value posts with CFOs first "
        "(only value posts from the 365 days before an ask count)."
    ) in page
    assert "Give Dana" not in page and "Wait until" not in page


def test_a_fair_ask_is_scheduled_and_the_person_moves_to_asked(browser, rep, audience):
    contact = fair_history(rep, audience)
    tomorrow = local_today() + dt.timedelta(days=1)
    form = ask_form(tomorrow, "11:30", title="")
    response = browser.post(f"/contacts/{contact['id']}/asks/new", form)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/contacts/{contact['id']}"

    page = page_text(browser.get(f"/contacts/{contact['id']}"))
    scheduled = when(berlin(tomorrow, "11:30"), "Europe/Berlin")
    assert f"Scheduled “Meeting request: Dana Whitfield” for {scheduled}." in page
    assert ">Asked</span>" in page
    (ask,) = rep.get(f"/api/v1/contacts/{contact['id']}/asks").get_json()["items"]
    assert ask["scheduled_at_local"].startswith(f"{tomorrow.isoformat()}T11:30")
    assert ask["body"] == "Dana, would a short call on your rolling forecast help?"

    assert "Keep giving: an ask is on its way." in page_text(browser.get("/contacts"))
    assert "An ask now would be fair" not in page

    # A second ask a week later: spaced too closely, with no touch since the first.
    again = browser.post(
        f"/contacts/{contact['id']}/asks/new", ask_form(tomorrow + dt.timedelta(7))
    )
    page = page_text(again)
    assert "Leave 30 days after your previous ask to Dana: choose" in page
    assert "Give Dana 2 more touches first" in page


def test_an_ask_slipped_in_before_a_planned_one_names_the_ask_it_would_break(
    browser, rep, audience
):
    contact = fair_history(rep, audience)
    later = local_today() + dt.timedelta(days=20)
    planned = rep.post(
        f"/api/v1/contacts/{contact['id']}/asks",
        json={"type": "offer", "title": "Pilot offer", "scheduled_at": f"{later}T09:00"},
    )
    assert planned.status_code == 201, planned.get_json()

    page = page_text(
        browser.post(
            f"/contacts/{contact['id']}/asks/new", ask_form(local_today() + dt.timedelta(1))
        )
    )
    on = when(berlin(later, "09:00"), "Europe/Berlin")
    assert (
        f"This would leave your ask “Pilot offer” on {on} short: give Dana 2 more touches" in page
    )
    assert f"This would leave your ask “Pilot offer” on {on} short: leave 30 days after" in page
    # The audience rule's words for the same ask: no gives left between the two asks.
    assert f"This would leave your ask “Pilot offer” on {on} with only 0 of the 3" in page
    assert rep.get(f"/api/v1/contacts/{contact['id']}/asks").get_json()["total"] == 1


def test_moving_or_cancelling_a_give_whose_touch_an_ask_needs_is_refused_in_words(
    browser, rep, audience
):
    today = local_today()
    contact = add_contact(rep, audience, accepted_at=berlin(today - dt.timedelta(20)).isoformat())
    touch(rep, contact, berlin(today - dt.timedelta(10)))
    for days_ago in (8, 7, 6):
        give(rep, audience["id"], berlin(today - dt.timedelta(days_ago)).isoformat(),
             status="published")  # fmt: skip
    shared = give(rep, audience["id"], berlin(today + dt.timedelta(1)).isoformat())
    linked = rep.post(
        f"/api/v1/contacts/{contact['id']}/touches",
        json={"kind": "shared_article", "post_id": shared["id"]},
    )
    assert linked.status_code == 201, linked.get_json()
    ask_at = f"{today + dt.timedelta(3)}T09:00"
    planned = rep.post(
        f"/api/v1/contacts/{contact['id']}/asks",
        json={"type": "offer", "title": "Pilot offer", "scheduled_at": ask_at},
    )
    assert planned.status_code == 201, planned.get_json()

    moved = browser.post(
        f"/posts/{shared['id']}/edit",
        {"kind": "give", "type": "tip", "title": shared["title"], "body": "", "url": "",
         "status": "scheduled", "date": f"{today + dt.timedelta(5)}", "time": "10:00"},
    )  # fmt: skip
    assert moved.status_code == 422
    on = when(berlin(today + dt.timedelta(3), "09:00"), "Europe/Berlin")
    sentence = f"This would leave your ask “Pilot offer” on {on} short: give Dana 1 more touch"
    assert sentence in page_text(moved)
    cancelled = browser.post(f"/posts/{shared['id']}/cancel")
    assert cancelled.status_code == 422 and sentence in page_text(cancelled)
    after = rep.get(f"/api/v1/posts/{shared['id']}").get_json()
    assert after["status"] == "scheduled" and after["scheduled_at"] == shared["scheduled_at"]


def test_ask_form_fields_are_checked_and_a_contact_needs_an_audience(browser, rep, audience):
    contact = fair_history(rep, audience)
    no_time = browser.post(
        f"/contacts/{contact['id']}/asks/new", ask_form(local_today(), time="", type="pitch")
    )
    assert no_time.status_code == 422
    assert 'id="time-error">Pick a time as well as a date.' in page_text(no_time)
    bad_type = browser.post(
        f"/contacts/{contact['id']}/asks/new", ask_form(local_today(), type="pitch")
    )
    assert 'id="type-error"' in page_text(bad_type)

    loner = add_contact(rep, name="Lou Loner")
    assert "Give Lou Loner an audience first" in page_text(
        browser.get(f"/contacts/{loner['id']}/asks/new")
    )
    refused = browser.post(f"/contacts/{loner['id']}/asks/new", ask_form(local_today()))
    assert refused.status_code == 422
    assert rep.get(f"/api/v1/contacts/{loner['id']}/asks").get_json()["total"] == 0


def test_an_ask_without_a_date_asks_for_one_in_words_beside_the_date(browser, rep, audience):
    """Not marshmallow's "Missing data for required field.": the rep left the date blank."""
    contact = fair_history(rep, audience)
    for time in ("", "10:00"):
        response = browser.post(
            f"/contacts/{contact['id']}/asks/new", ask_form(local_today(), time=time, date="")
        )
        assert response.status_code == 422
        page = page_text(response)
        assert 'id="date-error">Pick the date and time to send it.' in page
        assert "Missing data" not in page
    assert rep.get(f"/api/v1/contacts/{contact['id']}/asks").get_json()["total"] == 0


def test_a_contact_who_just_connected_is_told_how_long_the_rule_waits(browser, rep, audience):
    """The page said "Dana connected less than a day ago" without the wait of 14 days."""
    accepted = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    contact = add_contact(rep, audience, accepted_at=accepted.isoformat())
    page = page_text(browser.get(f"/contacts/{contact['id']}"))
    wait = when(accepted + dt.timedelta(days=14), "Europe/Berlin")
    assert (
        f"Wait until {wait}: Dana connected less than a day ago; the rule waits 14 days "
        "after a connection."
    ) in page


# ---------------------------------------------------------------- CSRF and isolation


def writes(contact_id: int) -> list[tuple[str, dict[str, str]]]:
    return [
        ("/contacts/new", {"name": "Mallory"}),
        (f"/contacts/{contact_id}/edit", {"name": "Mallory", "relationship": "none"}),
        (f"/contacts/{contact_id}/connection-request", {"note": PERSONAL_NOTE}),
        (f"/contacts/{contact_id}/acceptance", {"accepted_date": "2053-01-01",
                                                "accepted_time": "09:00"}),
        (f"/contacts/{contact_id}/touches", {"touch_kind": "met", "touch_date": "2053-01-02",
                                             "touch_time": "09:00"}),
        (f"/contacts/{contact_id}/asks/new", ask_form(local_today())),
    ]  # fmt: skip


def test_contact_forms_without_the_csrf_token_are_refused(browser, rep, audience):
    contact = add_contact(rep, audience)
    for path, data in writes(contact["id"]):
        response = browser.post(path, data, csrf=False)
        assert response.status_code == 400, path
        assert "This form has expired" in page_text(response)
    saved = rep.get(f"/api/v1/contacts/{contact['id']}").get_json()
    assert saved["name"] == "Dana Whitfield" and saved["stage"] == "new"
    assert rep.get("/api/v1/contacts").get_json()["total"] == 1
    assert rep.get(f"/api/v1/contacts/{contact['id']}/touches").get_json()["items"] == []


def test_another_workspaces_contacts_answer_404(rep, stranger, audience):
    contact = add_contact(rep, audience)
    for path in (
        f"/contacts/{contact['id']}",
        f"/contacts/{contact['id']}/edit",
        f"/contacts/{contact['id']}/asks/new",
        f"/contacts?audience={audience['id']}",
    ):
        response = stranger.get(path)
        assert response.status_code == 404, path
        assert "Dana" not in page_text(response)
    for path, data in writes(contact["id"])[1:]:
        assert stranger.post(path, data).status_code == 404, path
    assert "Dana" not in page_text(stranger.get("/contacts"))
    # Nor can a contact be filed under another workspace's audience.
    foreign = stranger.post("/contacts/new", {"name": "Mallory", "audience_id": str(audience["id"]),
                                              "relationship": "none"})  # fmt: skip
    assert foreign.status_code == 422
    assert 'id="audience_id-error"' in page_text(foreign)
    saved = rep.get(f"/api/v1/contacts/{contact['id']}").get_json()
    assert saved["stage"] == "new" and saved["name"] == "Dana Whitfield"


# ---------------------------------------------------------------- email and owner


def test_a_contact_s_email_is_saved_and_checked_as_the_api_checks_it(browser, rep, audience):
    form = {"name": "Dana Whitfield", "email": " dana@initech.example ", "relationship": "none"}
    created = browser.post("/contacts/new", form)
    assert created.status_code == 303
    contact_id = int(re.fullmatch(r"/contacts/(\d+)", created.headers["Location"])[1])
    assert rep.get(f"/api/v1/contacts/{contact_id}").get_json()["email"] == "dana@initech.example"
    assert 'value="dana@initech.example"' in page_text(browser.get(f"/contacts/{contact_id}/edit"))

    for bad in ("dana at initech", "d" * 320 + "@initech.example"):
        api = rep.post("/api/v1/contacts", json={"name": "Dana", "email": bad}).get_json()
        (said,) = [e["message"] for e in api["errors"] if e["field"] == "email"]
        refused = browser.post(f"/contacts/{contact_id}/edit", {**form, "email": bad})
        assert refused.status_code == 422
        page = page_text(refused)
        assert f'<p class="field-error" id="email-error">{said}</p>' in page
        assert 'id="email" name="email" type="email"' in page
        assert 'aria-invalid="true" aria-describedby="email-error"' in page
    assert rep.get(f"/api/v1/contacts/{contact_id}").get_json()["email"] == "dana@initech.example"

    cleared = browser.post(f"/contacts/{contact_id}/edit", {**form, "email": ""})
    assert cleared.status_code == 303
    assert rep.get(f"/api/v1/contacts/{contact_id}").get_json()["email"] is None


def _owner_options(page: str) -> dict[str, bool]:
    """The Owner select's options: {label: selected}, or {} when the form has none."""
    found = re.search(r'<select id="owner_id" name="owner_id"[^>]*>(.*?)</select>', page, re.S)
    if not found:
        return {}
    return {
        label: bool(selected)
        for selected, label in re.findall(
            r'<option value="\d+" (selected)?>([^<]+)</option>', found[1]
        )
    }


def test_an_admin_adds_a_contact_for_a_rep_and_hands_one_over_unless_an_ask_is_scheduled(
    app, browser, rep, colleague, audience
):
    sam_id = colleague.get("/api/v1/me").get_json()["id"]
    assert _owner_options(page_text(browser.get("/contacts/new"))) == {
        "rep@acme.example (you)": True,
        "sam@acme.example": False,
    }
    created = browser.post(
        "/contacts/new", {"name": "Lee Park", "relationship": "none", "owner_id": str(sam_id)}
    )
    assert created.status_code == 303
    lee = colleague.get(created.headers["Location"].replace("/contacts", "/api/v1/contacts"))
    assert lee.get_json()["owner_id"] == sam_id  # on Sam's list, not the admin's

    dana = fair_history(rep, audience)
    edit = f"/contacts/{dana['id']}/edit"
    form = {"name": "Dana Whitfield", "relationship": "none", "audience_id": str(audience["id"])}
    tomorrow = local_today() + dt.timedelta(days=1)
    scheduled = rep.post(
        f"/api/v1/contacts/{dana['id']}/asks",
        json={"type": "meeting_request", "scheduled_at": berlin(tomorrow).isoformat()},
    )
    assert scheduled.status_code == 201, scheduled.get_json()
    api = rep.patch(f"/api/v1/contacts/{dana['id']}", json={"owner_id": sam_id})
    assert api.status_code == 409
    refused = browser.post(edit, {**form, "owner_id": str(sam_id)})
    assert refused.status_code == 422
    page = page_text(refused)
    assert f'<p class="field-error" id="owner_id-error">{api.get_json()["detail"]}</p>' in page
    assert "cancel or publish it before handing the contact to another rep" in page
    assert _owner_options(page)["sam@acme.example"]  # the choice is kept to try again
    assert rep.get(f"/api/v1/contacts/{dana['id']}").get_json()["owner_id"] != sam_id

    (ask,) = rep.get(f"/api/v1/contacts/{dana['id']}/asks").get_json()["items"]
    assert rep.patch(f"/api/v1/posts/{ask['id']}", json={"status": "cancelled"}).status_code == 200
    assert browser.post(edit, {**form, "owner_id": str(sam_id)}).status_code == 303
    assert colleague.get(f"/api/v1/contacts/{dana['id']}").get_json()["owner_id"] == sam_id


def test_a_rep_has_no_owner_select_and_a_forged_owner_changes_nothing(app, rep, colleague):
    sam = sign_in(app, colleague, "sam@acme.example")
    rep_id = rep.get("/api/v1/me").get_json()["id"]
    assert _owner_options(page_text(sam.get("/contacts/new"))) == {}
    created = sam.post(
        "/contacts/new", {"name": "Lee Park", "relationship": "none", "owner_id": str(rep_id)}
    )
    assert created.status_code == 303
    (lee,) = colleague.get("/api/v1/contacts").get_json()["items"]
    assert lee["owner_id"] == colleague.get("/api/v1/me").get_json()["id"]
