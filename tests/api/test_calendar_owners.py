"""Calendars by owner: each rep's own posts; an admin's choice of one rep or the whole team,
whose events say whose they are, in icalendar, vobject and ical.js alike."""

from __future__ import annotations

import pytest
from icalendar import Calendar

from tests.helpers import give, make_audience

NEXT = "2053"


def uid(post: dict) -> str:
    return f"post-{post['id']}@value-planner"


def events(response) -> dict[str, object]:
    """The posts' events (the workspace's weekly connecting hour left aside)."""
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    found = Calendar.from_ical(response.data).walk("VEVENT")
    return {str(e["UID"]): e for e in found if str(e["UID"]).startswith("post-")}


def user_id(caller) -> int:
    return caller.get("/api/v1/me").get_json()["id"]


@pytest.fixture
def team(rep, colleague):
    """Pat (the admin, rep@acme.example, who also sells) and Sam each plan on one audience."""
    audience = make_audience(rep)
    pats = give(rep, audience["id"], f"{NEXT}-03-11T09:00", title="Pat's pricing notes")
    sams = give(colleague, audience["id"], f"{NEXT}-03-12T09:00", title="Sam's field guide")
    return {"audience": audience["id"], "pat": pats, "sam": sams, "sam_id": user_id(colleague)}


URLS = ("/api/v1/audiences/{audience}/calendar.ics", "/api/v1/calendar.ics")


@pytest.mark.parametrize("url", URLS)
def test_each_rep_s_calendar_holds_their_own_posts_and_names_nobody(rep, colleague, team, url):
    url = url.format(audience=team["audience"])
    assert set(events(colleague.get(url))) == {uid(team["sam"])}
    pat = events(rep.get(url))
    assert set(pat) == {uid(team["pat"])}
    assert str(pat[uid(team["pat"])]["SUMMARY"]) == "Give: Pat's pricing notes"
    assert "Rep:" not in str(pat[uid(team["pat"])].get("DESCRIPTION", ""))


@pytest.mark.parametrize("url", URLS)
def test_an_admin_reads_one_rep_or_the_team_whose_events_name_their_rep(rep, team, url):
    url = url.format(audience=team["audience"])
    assert set(events(rep.get(f"{url}?owner={team['sam_id']}"))) == {uid(team["sam"])}
    both = events(rep.get(f"{url}?owner=all"))
    assert set(both) == {uid(team["pat"]), uid(team["sam"])}
    assert str(both[uid(team["sam"])]["SUMMARY"]) == "[sam] Give: Sam's field guide"
    assert str(both[uid(team["pat"])]["SUMMARY"]) == "[rep] Give: Pat's pricing notes"
    assert str(both[uid(team["sam"])]["DESCRIPTION"]).startswith("Rep: sam@acme.example")


def test_calendar_apps_read_whose_each_team_event_is(rep, team, icaljs, vobject_reader):
    response = rep.get(f"/api/v1/audiences/{team['audience']}/calendar.ics?owner=all")
    assert response.status_code == 200
    for read in (icaljs, vobject_reader):
        found = read(response.data)
        assert found[uid(team["sam"])]["summary"] == "[sam] Give: Sam's field guide"
        assert found[uid(team["sam"])]["description"] == "Rep: sam@acme.example"
        assert found[uid(team["pat"])]["summary"] == "[rep] Give: Pat's pricing notes"


@pytest.mark.parametrize("owner", ["all", "mine"])
def test_a_rep_asking_for_the_team_or_a_colleague_is_refused(rep, colleague, team, owner):
    named = "all" if owner == "all" else user_id(rep)
    for url in URLS:
        response = colleague.get(f"{url.format(audience=team['audience'])}?owner={named}")
        assert response.status_code == 403
        assert response.headers["Content-Type"] == "application/problem+json"
        assert "admin" in response.get_json()["detail"]


def test_an_owner_that_is_no_rep_of_the_team_is_a_422_naming_owner(rep, outsider, team):
    url = f"/api/v1/audiences/{team['audience']}/calendar.ics"
    for owner in ("somebody", "0", str(user_id(outsider))):
        response = rep.get(f"{url}?owner={owner}")
        assert response.status_code == 422, owner
        assert response.headers["Content-Type"] == "application/problem+json"
        assert "owner" in response.get_data(as_text=True)


def test_each_owner_s_calendar_has_its_own_etag(rep, colleague, team):
    url = f"/api/v1/audiences/{team['audience']}/calendar.ics"
    answers = {
        owner: rep.get(f"{url}?owner={owner}")
        for owner in (str(user_id(rep)), str(team["sam_id"]), "all")
    }
    etags = {owner: answer.headers["ETag"] for owner, answer in answers.items()}
    assert len(set(etags.values())) == 3
    assert colleague.get(url).headers["ETag"] == etags[str(team["sam_id"])]
    for owner, etag in etags.items():
        assert rep.get(f"{url}?owner={owner}", headers={"If-None-Match": etag}).status_code == 304
        others = [other for other in etags.values() if other != etag]
        again = rep.get(f"{url}?owner={owner}", headers={"If-None-Match": ", ".join(others)})
        assert again.status_code == 200


def test_the_subscription_feed_holds_the_subscriber_s_own_posts(app, rep, colleague, team):
    for caller, mine in ((colleague, "sam"), (rep, "pat")):
        address = caller.post("/api/v1/calendar/subscription").get_json()["url"]
        feed = events(app.test_client().get(address.split("localhost", 1)[1]))
        assert set(feed) == {uid(team[mine])}
        assert not str(feed[uid(team[mine])]["SUMMARY"]).startswith("[")


TEAM_SUBSCRIPTION = "/api/v1/calendar/subscription?owner=all"


def path_of(url: str) -> str:
    return url.split("localhost", 1)[1]


def test_an_admin_subscribes_to_the_team_s_calendar_apart_from_their_own(app, rep, team):
    client = app.test_client()
    assert rep.get(TEAM_SUBSCRIPTION).get_json() == {"url": None}
    own = rep.post("/api/v1/calendar/subscription").get_json()["url"]
    created = rep.post(TEAM_SUBSCRIPTION)
    assert created.status_code == 201
    team_url = created.get_json()["url"]
    assert team_url != own and rep.get(TEAM_SUBSCRIPTION).get_json() == {"url": team_url}
    response = client.get(path_of(team_url))
    feed = events(response)
    assert set(feed) == {uid(team["pat"]), uid(team["sam"])}
    assert str(feed[uid(team["sam"])]["SUMMARY"]) == "[sam] Give: Sam's field guide"
    assert str(Calendar.from_ical(response.data)["X-WR-CALNAME"]).endswith(" (team)")
    assert set(events(client.get(path_of(own)))) == {uid(team["pat"])}

    rotated = rep.post(TEAM_SUBSCRIPTION).get_json()["url"]  # each rotates on its own
    assert rotated not in (team_url, own)
    assert [client.get(path_of(u)).status_code for u in (team_url, rotated, own)] == [404, 200, 200]
    mine = rep.post("/api/v1/calendar/subscription").get_json()["url"]
    assert [client.get(path_of(u)).status_code for u in (own, mine, rotated)] == [404, 200, 200]
    assert rep.delete(TEAM_SUBSCRIPTION).status_code == 204
    assert rep.get(TEAM_SUBSCRIPTION).get_json() == {"url": None}
    again = rep.post(TEAM_SUBSCRIPTION).get_json()["url"]
    assert len({team_url, rotated, again, own, mine}) == 5
    statuses = [client.get(path_of(u)).status_code for u in (team_url, rotated, again, mine)]
    assert statuses == [404, 404, 200, 200]


def test_a_rep_asking_for_the_team_s_subscription_is_refused(rep, colleague, team):
    for method in ("get", "post", "delete"):
        response = getattr(colleague, method)(TEAM_SUBSCRIPTION)
        assert response.status_code == 403
        assert response.headers["Content-Type"] == "application/problem+json"
        assert "rep@acme.example" in response.get_json()["detail"]
    assert colleague.get("/api/v1/calendar/subscription").get_json() == {"url": None}


def test_a_subscription_is_the_caller_s_own_or_the_team_s(rep, outsider, team):
    for owner in (str(team["sam_id"]), "somebody", str(user_id(outsider))):
        response = rep.post(f"/api/v1/calendar/subscription?owner={owner}")
        assert response.status_code == 422, owner
        assert response.headers["Content-Type"] == "application/problem+json"
        assert [e["field"] for e in response.get_json()["errors"]] == ["owner"]
    mine = rep.post(f"/api/v1/calendar/subscription?owner={user_id(rep)}").get_json()["url"]
    assert rep.get("/api/v1/calendar/subscription").get_json() == {"url": mine}


def test_the_team_s_address_ends_for_good_when_its_admin_is_demoted_or_deactivated(
    app, rep, colleague, team
):
    client = app.test_client()
    pat = user_id(rep)
    assert rep.patch(f"/api/v1/users/{team['sam_id']}", json={"role": "admin"}).status_code == 200
    team_url = rep.post(TEAM_SUBSCRIPTION).get_json()["url"]
    own = rep.post("/api/v1/calendar/subscription").get_json()["url"]
    sams = colleague.post(TEAM_SUBSCRIPTION).get_json()["url"]
    assert colleague.patch(f"/api/v1/users/{pat}", json={"role": "rep"}).status_code == 200
    assert [client.get(path_of(u)).status_code for u in (team_url, own)] == [404, 200]
    assert colleague.patch(f"/api/v1/users/{pat}", json={"role": "admin"}).status_code == 200
    assert client.get(path_of(team_url)).status_code == 404
    assert rep.get(TEAM_SUBSCRIPTION).get_json() == {"url": None}
    assert rep.post(f"/api/v1/users/{team['sam_id']}/deactivate").status_code == 200
    assert client.get(path_of(sams)).status_code == 404


def test_a_reassigned_post_moves_between_the_reps_calendars(rep, colleague, team):
    url = f"/api/v1/audiences/{team['audience']}/calendar.ics"
    before = rep.get(f"{url}?owner=all").headers["ETag"]
    moved = rep.patch(f"/api/v1/posts/{team['pat']['id']}", json={"owner_id": team["sam_id"]})
    assert moved.status_code == 200, moved.get_json()
    assert set(events(colleague.get(url))) == {uid(team["pat"]), uid(team["sam"])}
    assert set(events(rep.get(url))) == set()
    team_view = rep.get(f"{url}?owner=all", headers={"If-None-Match": before})
    assert str(events(team_view)[uid(team["pat"])]["SUMMARY"]).startswith("[sam] ")
