"""A one-to-one ask in the calendar names whom to ask, in every export (the API's calendars,
the subscription feed, ``planner export-ics``) and in every reader (icalendar, ical.js,
vobject), and follows the person's name when it changes."""

from __future__ import annotations

import pytest
from icalendar import Calendar

from tests.api.helpers import CONNECT_POLICY, add_contact, direct_ask, iso, touch, upload
from tests.helpers import PlannerRunner, give, make_audience

PROFILE = "https://www.linkedin.com/in/dana-whitfield"
SUMMARY = "Ask Dana Whitfield (Acme Retail): 20 minutes on pricing?"
DESCRIPTION = "Contact: Dana Whitfield (Acme Retail)\n\nAgenda attached."


def uid(post: dict) -> str:
    return f"post-{post['id']}@value-planner"


def vevents(data: bytes) -> dict[str, object]:
    return {str(e["UID"]): e for e in Calendar.from_ical(data).walk("VEVENT")}


@pytest.fixture
def asked(rep):
    """Dana, connected three weeks ago and touched twice, asked for a meeting in three weeks
    under a title that does not name her."""
    audience = make_audience(rep, name="CFOs", timezone="Europe/Berlin", policy=CONNECT_POLICY)
    contact = add_contact(
        rep, audience, name="Dana Whitfield", company="Acme Retail", profile_url=PROFILE,
        accepted_at=iso(-21),
    )  # fmt: skip
    touch(rep, contact, iso(-14))
    touch(rep, contact, iso(-7), kind="shared_article")
    give(rep, audience["id"], iso(2))
    response = direct_ask(
        rep, contact, iso(21), title="20 minutes on pricing?", body="Agenda attached."
    )
    assert response.status_code == 201, response.get_json()
    return {"audience": audience, "contact": contact, "ask": response.get_json()}


def exports(app, rep, audience_id: int) -> dict[str, bytes]:
    """The same rep's calendar by each way out of the product."""
    address = rep.post("/api/v1/calendar/subscription").get_json()["url"]
    cli = PlannerRunner(app).invoke(
        args=["export-ics", "--audience", "CFOs", "--owner", "rep@acme.example"]
    )
    assert cli.exit_code == 0, cli.output
    found = {
        "audience calendar.ics": rep.get(f"/api/v1/audiences/{audience_id}/calendar.ics"),
        "workspace calendar.ics": rep.get("/api/v1/calendar.ics"),
        "team calendar.ics": rep.get("/api/v1/calendar.ics?owner=all"),
        "subscription": app.test_client().get(address.split("localhost", 1)[1]),
    }
    for name, response in found.items():
        assert response.status_code == 200, (name, response.get_data(as_text=True)[:300])
    return {**{name: r.data for name, r in found.items()}, "planner export-ics": cli.stdout_bytes}


def test_every_export_names_the_person_a_one_to_one_ask_is_for(app, rep, asked):
    for name, data in exports(app, rep, asked["audience"]["id"]).items():
        event = vevents(data)[uid(asked["ask"])]
        rep_line = "Rep: rep@acme.example\n\n" if name.startswith("team") else ""
        summary = f"[rep] {SUMMARY}" if name.startswith("team") else SUMMARY
        assert (str(event["SUMMARY"]), str(event["DESCRIPTION"])) == (
            summary, rep_line + DESCRIPTION
        ), name  # fmt: skip


def test_calendar_apps_show_whom_to_ask(rep, asked, icaljs, vobject_reader):
    data = rep.get(f"/api/v1/audiences/{asked['audience']['id']}/calendar.ics").data
    for read in (icaljs, vobject_reader):
        event = read(data)[uid(asked["ask"])]
        assert (event["summary"], event["description"]) == (SUMMARY, DESCRIPTION)


def test_a_default_title_already_names_the_person_and_is_not_told_twice(rep, asked):
    moved = rep.patch(f"/api/v1/posts/{asked['ask']['id']}", json={"status": "cancelled"})
    assert moved.status_code == 200, moved.get_json()
    default = direct_ask(rep, asked["contact"], iso(22))
    assert default.status_code == 201, default.get_json()
    data = rep.get(f"/api/v1/audiences/{asked['audience']['id']}/calendar.ics").data
    event = vevents(data)[uid(default.get_json())]
    assert str(event["SUMMARY"]) == "Ask: Meeting request: Dana Whitfield"
    assert str(event["DESCRIPTION"]) == "Contact: Dana Whitfield (Acme Retail)"


def renamed_in_the_calendar(rep, asked, rename) -> object:
    """The ask's event after ``rename``, fetched as a subscribed app does: with its ETag."""
    url = f"/api/v1/audiences/{asked['audience']['id']}/calendar.ics"
    before = rep.get(url)
    old = vevents(before.data)[uid(asked["ask"])]
    rename()
    after = rep.get(url, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200, "the calendar changed: an app's copy must not stay"
    event = vevents(after.data)[uid(asked["ask"])]
    assert int(event["SEQUENCE"]) > int(old["SEQUENCE"]), "apps replace their copy"
    return event


def test_renaming_the_person_renames_the_ask_in_the_calendar(rep, asked):
    def rename():
        changed = rep.patch(
            f"/api/v1/contacts/{asked['contact']['id']}",
            json={"name": "Dana Whitfield-Ortiz", "company": "Acme Group"},
        )
        assert changed.status_code == 200, changed.get_json()

    event = renamed_in_the_calendar(rep, asked, rename)
    assert str(event["SUMMARY"]) == "Ask Dana Whitfield-Ortiz (Acme Group): 20 minutes on pricing?"
    assert str(event["DESCRIPTION"]).startswith("Contact: Dana Whitfield-Ortiz (Acme Group)\n")


def test_an_import_that_renames_the_person_renames_the_ask_in_the_calendar(rep, asked):
    def rename():
        data = f"name,profile_url,company,title\nDana Ortiz,{PROFILE},Acme Group,CFO\n"
        imported = upload(rep, data.encode(), filename="contacts.csv")
        assert imported.status_code == 200, imported.get_json()
        assert [row["changed"] for row in imported.get_json()["updated"]] == [["name", "company"]]

    event = renamed_in_the_calendar(rep, asked, rename)
    assert str(event["SUMMARY"]) == "Ask Dana Ortiz (Acme Group): 20 minutes on pricing?"


def test_editing_what_the_calendar_does_not_show_leaves_it_alone(rep, asked):
    url = f"/api/v1/audiences/{asked['audience']['id']}/calendar.ics"
    etag = rep.get(url).headers["ETag"]
    # As the contact page's form sends it: every field, the name unchanged.
    noted = rep.patch(
        f"/api/v1/contacts/{asked['contact']['id']}",
        json={"name": "Dana Whitfield", "company": "Acme Retail", "notes": "Met at SaaStr"},
    )
    assert noted.status_code == 200, noted.get_json()
    assert rep.get(url, headers={"If-None-Match": etag}).status_code == 304
