"""The pages follow ownership: a rep sees and changes only their own posts and contacts; an
admin switches between reps (``?rep=``), creates for the rep viewed, and reassigns posts,
which the rule judges like any other change."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest

from tests.api.helpers import add_contact, iso
from tests.helpers import ask, give, make_audience
from tests.web.conftest import sign_in
from tests.web.helpers import page_text, text_of


def user_id(caller) -> int:
    return caller.get("/api/v1/me").get_json()["id"]


def form_of(post: dict, **fields: str) -> dict[str, str]:
    """The post form filled as the post stands, on the audience's (Berlin's) clock."""
    at = dt.datetime.fromisoformat(post["scheduled_at"]).astimezone(ZoneInfo("Europe/Berlin"))
    return {
        "kind": post["kind"], "type": post["type"], "title": post["title"], "body": "",
        "url": "", "date": f"{at:%Y-%m-%d}", "time": f"{at:%H:%M}", "status": post["status"],
        **fields,
    }  # fmt: skip


def new_give(title: str, days: int, **fields: str) -> dict[str, str]:
    planned = {"kind": "give", "type": "tip", "title": title, "status": "scheduled"}
    return form_of({**planned, "scheduled_at": iso(days)}, **fields)


@pytest.fixture
def sam(app, colleague):
    """Sam, a rep of Pat's team, signed in to the pages."""
    return sign_in(app, colleague, "sam@acme.example")


@pytest.fixture
def cfos(rep):
    return make_audience(rep)


# ---------------------------------------------------------------- a rep: their own only


def test_another_rep_s_post_is_not_there_to_edit_cancel_or_delete(sam, rep, cfos):
    pats = give(rep, cfos["id"], iso(3), title="Pat's pricing notes")
    for method, path in (
        ("get", f"/posts/{pats['id']}/edit"),
        ("post", f"/posts/{pats['id']}/edit"),
        ("post", f"/posts/{pats['id']}/cancel"),
        ("post", f"/posts/{pats['id']}/delete"),
    ):
        response = getattr(sam, method)(
            path, **({"data": form_of(pats)} if method == "post" else {})
        )
        assert response.status_code == 404, path
        assert "There is nothing here." in text_of(response)
    after = rep.get(f"/api/v1/posts/{pats['id']}").get_json()
    assert (after["status"], after["title"]) == ("scheduled", "Pat's pricing notes")
    assert "Pat&#39;s pricing notes" not in text_of(sam.get(f"/audiences/{cfos['id']}"))


def test_another_rep_s_contact_is_not_there_and_not_listed(sam, rep, cfos):
    dana = add_contact(rep, cfos, name="Dana Whitfield")
    for method, path in (
        ("get", f"/contacts/{dana['id']}"),
        ("get", f"/contacts/{dana['id']}/edit"),
        ("post", f"/contacts/{dana['id']}/edit"),
        ("get", f"/contacts/{dana['id']}/asks/new"),
        ("post", f"/contacts/{dana['id']}/touches"),
        ("post", f"/contacts/{dana['id']}/acceptance"),
    ):
        response = getattr(sam, method)(
            path, **({"data": {"name": "Mine now"}} if method == "post" else {})
        )
        assert response.status_code == 404, path
    assert "Dana Whitfield" not in text_of(sam.get("/contacts"))
    assert rep.get(f"/api/v1/contacts/{dana['id']}").get_json()["name"] == "Dana Whitfield"


def test_a_rep_cannot_look_at_a_colleague_s_pages_or_pick_an_owner(sam, rep, colleague, cfos):
    pat = user_id(rep)
    for path in ("/", f"/audiences/{cfos['id']}", "/contacts", "/calendar", "/contacts/new"):
        assert sam.get(f"{path}?rep={pat}").status_code == 404, path
        assert sam.get(f"{path}?rep={user_id(colleague)}").status_code == 200, path
    for odd in ("nobody", "0", "²", "99999999999"):
        assert sam.get(f"/?rep={odd}").status_code == 404, odd
    form = text_of(sam.get(f"/audiences/{cfos['id']}/posts/new?kind=give"))
    assert 'name="rep"' not in text_of(sam.get("/"))
    assert 'name="owner_id"' not in form
    # A forged owner is ignored: the post is Sam's.
    sent = sam.post(
        f"/audiences/{cfos['id']}/posts/new", new_give("Sam's tip", 5, owner_id=str(pat))
    )
    assert sent.status_code == 303, text_of(sent)
    mine = colleague.get(f"/api/v1/audiences/{cfos['id']}/posts").get_json()["items"]
    assert [p["title"] for p in mine] == ["Sam's tip"]


# ---------------------------------------------------------------- an admin: any rep


def test_an_admin_switches_to_a_rep_and_sees_their_meter_slots_posts_and_contacts(
    browser, rep, colleague, cfos
):
    for day in (1, 2, 3):
        give(colleague, cfos["id"], iso(day), title=f"Sam's give {day}")
    add_contact(colleague, cfos, name="Rosa Mendes")
    add_contact(rep, cfos, name="Dana Whitfield")
    sam = user_id(colleague)

    own = text_of(browser.get("/"))
    assert "<strong>0 of 3</strong>" in own and 'name="rep"' in own
    theirs = text_of(browser.get(f"/?rep={sam}"))
    assert "<strong>3 of 3</strong>" in theirs
    assert "Showing sam@acme.example" in theirs
    assert re.search(rf'<option value="{sam}" selected>sam@acme.example</option>', theirs)
    # Links keep showing Sam: the calendar, and a post planned from there.
    assert f'href="/audiences/{cfos["id"]}?rep={sam}"' in theirs

    calendar = text_of(browser.get(f"/audiences/{cfos['id']}?rep={sam}"))
    assert "Sam&#39;s give 1" in calendar and "3 of 3 value posts" in calendar
    assert "Sam&#39;s give 1" not in text_of(browser.get(f"/audiences/{cfos['id']}"))

    contacts = text_of(browser.get(f"/contacts?rep={sam}"))
    assert "Rosa Mendes" in contacts and "Dana Whitfield" not in contacts
    assert "Dana Whitfield" in text_of(browser.get("/contacts"))


def test_an_admin_viewing_a_rep_creates_posts_and_contacts_for_that_rep(
    browser, rep, colleague, cfos
):
    sam = user_id(colleague)
    form = text_of(browser.get(f"/audiences/{cfos['id']}/posts/new?kind=give&rep={sam}"))
    assert re.search(rf'<option value="{sam}" selected>sam@acme.example</option>', form)
    sent = browser.post(
        f"/audiences/{cfos['id']}/posts/new?rep={sam}",
        new_give("Planned for Sam", 4, owner_id=str(sam)),
    )
    assert sent.status_code == 303, text_of(sent)
    assert sent.headers["Location"].endswith(f"rep={sam}")
    posts = colleague.get(f"/api/v1/audiences/{cfos['id']}/posts").get_json()["items"]
    assert [(p["title"], p["owner_id"]) for p in posts] == [("Planned for Sam", sam)]

    assert "Adding a contact for sam@acme.example" in text_of(
        browser.get(f"/contacts/new?rep={sam}")
    )
    added = browser.post(
        f"/contacts/new?rep={sam}", {"name": "Rosa Mendes", "relationship": "none"}
    )
    assert added.status_code == 303, text_of(added)
    listed = colleague.get("/api/v1/contacts").get_json()["items"]
    assert [c["name"] for c in listed] == ["Rosa Mendes"]


def test_an_admin_reassigns_a_post_and_the_rule_refuses_one_that_uncovers_an_ask(
    browser, rep, colleague, cfos
):
    sam = user_id(colleague)
    gives = [give(colleague, cfos["id"], iso(day), title=f"Sam's give {day}") for day in (1, 2, 3)]
    pitch = ask(colleague, cfos["id"], iso(10))
    assert pitch.status_code == 201, pitch.get_json()
    edit = f"/posts/{gives[0]['id']}/edit?rep={sam}"
    assert re.search(rf'<option value="{sam}" selected>', text_of(browser.get(edit)))

    # Taking one of Sam's gives away would leave Sam's ask with two of three.
    refused = browser.post(edit, form_of(gives[0], owner_id=str(user_id(rep))))
    assert refused.status_code == 422
    page = text_of(refused)
    assert 'role="alert" id="why"' in page and "Nothing was saved" in page
    assert colleague.get(f"/api/v1/posts/{gives[0]['id']}").get_json()["owner_id"] == sam

    # Sam's ask itself can go to Pat once Pat has given enough too.
    for day in (1, 2, 3):
        give(rep, cfos["id"], iso(day, hours=1))
    moved = browser.post(
        f"/posts/{pitch.get_json()['id']}/edit?rep={sam}",
        form_of(pitch.get_json(), owner_id=str(user_id(rep))),
    )
    assert moved.status_code == 303, text_of(moved)
    assert "is now on the calendar of rep@acme.example" in page_text(browser.get(f"/?rep={sam}"))
    assert rep.get(f"/api/v1/posts/{pitch.get_json()['id']}").get_json()["owner_id"] == user_id(rep)


def test_an_owner_who_is_not_an_active_rep_of_the_team_is_refused_by_the_field(
    browser, rep, colleague, outsider, cfos
):
    for owner in ("²", "someone", str(user_id(outsider))):
        sent = browser.post(
            f"/audiences/{cfos['id']}/posts/new", new_give("For nobody", 4, owner_id=owner)
        )
        assert sent.status_code == 422, owner
        assert 'id="owner_id-error"' in text_of(sent)
        assert 'value="For nobody"' in text_of(sent)  # what was typed is kept
    assert rep.get(f"/api/v1/audiences/{cfos['id']}/posts").get_json()["items"] == []
    assert browser.get("/?rep=²").status_code == 404


# ---------------------------------------------------------------- contacts download


def test_the_contacts_page_downloads_the_viewed_rep_s_contacts(browser, sam, rep, colleague):
    add_contact(rep, name="Pat's Person", profile_url="https://www.linkedin.com/in/pp")
    add_contact(colleague, name="Sam's Person", profile_url="https://www.linkedin.com/in/sp")
    assert 'href="/contacts/export.csv"' in text_of(sam.get("/contacts"))
    own = sam.get("/contacts/export.csv")
    assert own.headers["Content-Disposition"] == (
        'attachment; filename="value-planner-contacts.csv"'
    )
    # The API's file, byte for byte: what the import reads back.
    assert own.data == colleague.get("/api/v1/contacts/export.csv").data
    assert b"Sam's Person" in own.data and b"Pat's Person" not in own.data

    viewing = f"/contacts/export.csv?rep={user_id(colleague)}"
    assert f'href="{viewing}"' in text_of(browser.get(f"/contacts?rep={user_id(colleague)}"))
    assert browser.get(viewing).data == own.data
    assert b"Pat's Person" in browser.get("/contacts/export.csv").data
    assert sam.get(f"/contacts/export.csv?rep={user_id(rep)}").status_code == 404


# ---------------------------------------------------------------- calendar downloads


def test_the_calendar_page_offers_admins_a_rep_s_and_the_team_s_download(
    browser, sam, rep, colleague, cfos
):
    give(rep, cfos["id"], iso(2), title="Pat's notes")
    give(colleague, cfos["id"], iso(3), title="Sam's guide")
    team = text_of(browser.get("/calendar"))
    assert 'href="/calendar/value-planner.ics?owner=all"' in team
    assert "owner=all" not in text_of(sam.get("/calendar"))

    whole = browser.get("/calendar/value-planner.ics?owner=all").data
    assert b"SUMMARY:[sam] Give: Sam's guide" in whole and b"SUMMARY:[rep] Give: Pat's" in whole
    viewed = browser.get(f"/audiences/{cfos['id']}/calendar.ics?rep={user_id(colleague)}").data
    assert b"SUMMARY:Give: Sam's guide" in viewed and b"Pat's notes" not in viewed
    assert b"Sam's guide" not in browser.get("/calendar/value-planner.ics").data

    refused = sam.get("/calendar/value-planner.ics?owner=all")
    assert refused.status_code == 403
    assert "rep@acme.example" in text_of(refused)  # who can


def test_an_admin_subscribes_to_the_team_s_calendar_from_the_page(
    app, browser, sam, colleague, cfos
):
    give(colleague, cfos["id"], iso(3), title="Sam's guide")
    assert "Create a team subscription link" not in text_of(sam.get("/calendar"))
    assert "Create a team subscription link" in text_of(browser.get("/calendar"))
    assert browser.post("/calendar/subscription?owner=all").status_code == 303
    page = text_of(browser.get("/calendar"))
    assert "Team subscription link ready" in page
    first = re.search(r'id="team-subscription" type="text" readonly value="([^"]+)"', page)[1]
    assert "Create a subscription link" in page  # their own is apart, still to create
    anonymous = app.test_client()
    assert b"SUMMARY:[sam] Give: Sam's guide" in anonymous.get(first).data
    browser.post("/calendar/subscription?owner=all")
    page = text_of(browser.get("/calendar"))
    assert "New team subscription link ready; the old one no longer works." in page
    assert first not in page and anonymous.get(first).status_code == 404
    browser.post("/calendar/subscription/off?owner=all")
    page = text_of(browser.get("/calendar"))
    assert "Team subscription link turned off." in page
    assert "Create a team subscription link" in page
    refused = sam.post("/calendar/subscription?owner=all")
    assert refused.status_code == 403
    assert "rep@acme.example" in text_of(refused)


def test_an_admin_who_reassigns_a_rep_s_post_lands_back_on_that_rep_s_calendar(
    browser, rep, colleague, second_rep, cfos
):
    sam = user_id(colleague)
    post = give(colleague, cfos["id"], iso(3), title="Sam's checklist")
    calendar = text_of(browser.get(f"/audiences/{cfos['id']}?rep={sam}"))
    edit = re.search(rf'href="(/posts/{post["id"]}/edit[^"]*)"', calendar)[1].replace("&amp;", "&")
    form = text_of(browser.get(edit))
    # The form is sent to an address that still names the rep viewed, as every link there does.
    action = re.search(r'<form method="post" action="([^"]+)"', form)[1].replace("&amp;", "&")
    assert action == f"/posts/{post['id']}/edit?rep={sam}"
    moved = browser.post(action, form_of(post, owner_id=str(user_id(second_rep))))
    assert moved.status_code == 303, text_of(moved)
    assert moved.headers["Location"].startswith(f"/audiences/{cfos['id']}?")
    assert f"rep={sam}" in moved.headers["Location"]
    landed = page_text(browser.get(moved.headers["Location"]))
    assert "is now on the calendar of second@acme.example" in landed
    assert "Showing sam@acme.example" in landed
