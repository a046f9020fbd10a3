"""UTM tagging set per audience or as the workspace's default, and applied to the links in
calendar exports (URL and DESCRIPTION); off, the calendar's bytes are as they were."""

import re

from icalendar import Calendar

from tests.api.helpers import ARTICLE
from tests.helpers import give, make_audience

WHEN = "2053-01-14T09:00"


def calendar(caller, audience):
    response = caller.get(f"/api/v1/audiences/{audience['id']}/calendar.ics")
    assert response.status_code == 200
    return response.data


def unstamped(body: bytes) -> bytes:
    return re.sub(rb"DTSTAMP:\d{8}T\d{6}Z", b"DTSTAMP", body)


def event_of(body: bytes, post_id: int):
    for event in Calendar.from_ical(body).walk("VEVENT"):
        if str(event["UID"]) == f"post-{post_id}@value-planner":
            return event
    raise AssertionError(f"no event for post {post_id}")


def test_an_audiences_tagging_reaches_the_calendars_url_and_description(rep):
    audience = make_audience(rep)
    post = give(rep, audience["id"], WHEN, url=ARTICLE, body="Worth a read.")
    tagged_already = give(
        rep, audience["id"], "2053-02-11T09:00", url="https://x.example/?utm_source=mail"
    )
    untagged = calendar(rep, audience)

    changed = rep.patch(
        f"/api/v1/audiences/{audience['id']}",
        json={"utm": {"enabled": True, "campaign": "{audience}-2053"}},
    )
    assert changed.status_code == 200
    assert changed.get_json()["utm"] == {
        "enabled": True, "source": "linkedin", "medium": "social",
        "campaign": "{audience}-2053", "content": "post-{id}",
    }  # fmt: skip
    event = event_of(calendar(rep, audience), post["id"])
    link = (
        f"{ARTICLE}&utm_source=linkedin&utm_medium=social&utm_campaign=CFOs-2053"
        f"&utm_content=post-{post['id']}"
    )
    assert str(event["URL"]) == link
    assert str(event["DESCRIPTION"]).endswith(link)
    # A link with its own UTM parameters keeps them.
    kept = event_of(calendar(rep, audience), tagged_already["id"])
    assert str(kept["URL"]) == "https://x.example/?utm_source=mail"

    # Off again: the very bytes of before, but for the stamp of the moment they were made.
    rep.patch(f"/api/v1/audiences/{audience['id']}", json={"utm": None})
    assert unstamped(calendar(rep, audience)) == unstamped(untagged)


def test_the_workspace_default_applies_to_audiences_without_their_own(rep, colleague):
    inherits = make_audience(rep, name="CFOs")
    own = make_audience(rep, name="CTOs", utm={"enabled": False})
    workspace = rep.get("/api/v1/workspace").get_json()
    assert workspace["utm"]["enabled"] is False
    assert colleague.patch("/api/v1/workspace", json={"utm": {"enabled": True}}).status_code == 403
    answer = rep.patch("/api/v1/workspace", json={"utm": {"enabled": True, "source": "team"}})
    assert answer.status_code == 200 and answer.get_json()["utm"]["source"] == "team"
    a = give(rep, inherits["id"], WHEN, url=ARTICLE)
    b = give(rep, own["id"], WHEN, url=ARTICLE)
    assert "utm_source=team" in str(event_of(calendar(rep, inherits), a["id"])["URL"])
    assert str(event_of(calendar(rep, own), b["id"])["URL"]) == ARTICLE
    workspace_wide = rep.get("/api/v1/calendar.ics").data
    assert f"utm_content=post-{a['id']}".encode() in workspace_wide.replace(b"\r\n ", b"")


def test_bad_tagging_settings_are_422s_naming_the_field(rep):
    audience = make_audience(rep)
    for body, field in [
        ({"utm": {"campaign": "{team}"}}, "utm.campaign"),
        ({"utm": {"source": ""}}, "utm.source"),
        ({"utm": {"colour": "red"}}, "utm.colour"),
    ]:
        response = rep.patch(f"/api/v1/audiences/{audience['id']}", json=body)
        assert response.status_code == 422, response.get_json()
        assert response.get_json()["errors"][0]["field"] == field
    bad = rep.patch("/api/v1/workspace", json={"utm": {"content": "post-{"}})
    assert (bad.status_code, bad.get_json()["errors"][0]["field"]) == (422, "utm.content")


def test_a_switch_takes_json_true_or_false_only(rep):
    audience = make_audience(rep)
    refused = rep.patch(f"/api/v1/audiences/{audience['id']}", json={"utm": {"enabled": 0}})
    assert refused.status_code == 422
    assert refused.get_json()["errors"][0]["field"] == "utm.enabled"
    feed = rep.post("/api/v1/feeds", json={"url": "https://example.com/f.xml", "enabled": 1})
    assert feed.status_code == 422
