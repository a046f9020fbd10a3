"""Audience calendars over HTTP, as icalendar and ical.js (Thunderbird's parser) read them."""

import datetime as dt

import pytest
from icalendar import Calendar
from sqlalchemy import update

from core import accounts_db
from core.db import utcnow
from core.models import User
from tests.conftest import UserClient, make_caller
from tests.helpers import ask, give, make_audience

AWKWARD = "Line one\nLine two, with commas; semicolons \\ backslashes 🚀 " + "long " * 30


def ics(caller, url, **headers):
    response = caller.get(url, headers=headers)
    assert response.status_code == 200, response.data[:500]
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    return response


def events(body: bytes) -> dict[str, object]:
    return {str(e["UID"]): e for e in Calendar.from_ical(body).walk("VEVENT")}


@pytest.fixture
def berlin(rep, app):
    writer = app.extensions["planner_db"].writer
    with writer() as session:
        accounts_db.update_workspace(session, rep.workspace_id, timezone="Europe/Berlin")
        session.commit()
    return make_audience(rep, timezone="Europe/Berlin")


def test_calendar_has_the_calendar_properties_and_one_event_per_post(rep, berlin):
    winter = give(rep, berlin["id"], "2053-03-25T09:30", body=AWKWARD, url="https://e.example/a")
    body = ics(rep, f"/api/v1/audiences/{berlin['id']}/calendar.ics").data
    calendar = Calendar.from_ical(body)
    for prop in ("VERSION", "PRODID", "NAME", "X-WR-CALNAME", "X-WR-TIMEZONE",
                 "REFRESH-INTERVAL", "X-PUBLISHED-TTL"):  # fmt: skip
        assert prop in calendar, prop
    assert str(calendar["X-WR-CALNAME"]) == "CFOs"
    assert calendar["REFRESH-INTERVAL"].dt == dt.timedelta(hours=1)
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]
    event = events(body)[f"post-{winter['id']}@value-planner"]
    for prop in ("DTSTAMP", "CREATED", "LAST-MODIFIED", "SEQUENCE", "DTSTART", "DURATION",
                 "SUMMARY", "DESCRIPTION", "URL", "CATEGORIES", "STATUS"):  # fmt: skip
        assert prop in event, prop
    assert str(event["SUMMARY"]) == "Give: give at 2053-03-25T09:30"
    assert event["DTSTART"].dt == dt.datetime(2053, 3, 25, 8, 30, tzinfo=dt.UTC)
    assert event["DURATION"].dt == dt.timedelta(minutes=30)
    assert str(event["STATUS"]) == "CONFIRMED"
    assert AWKWARD in str(event["DESCRIPTION"])
    assert "https://e.example/a" in str(event["DESCRIPTION"])
    assert {str(c) for c in event["CATEGORIES"].cats} >= {"give", "shared_article"}
    assert all(len(line) <= 75 for line in body.split(b"\r\n"))


def test_every_client_reads_the_same_instants_across_dst(rep, berlin, icaljs):
    posts = [give(rep, berlin["id"], at) for at in ("2053-03-29T09:30", "2053-03-31T09:30")]
    posts.append(give(rep, berlin["id"], "2053-10-27T09:30", body=AWKWARD))
    body = ics(rep, f"/api/v1/audiences/{berlin['id']}/calendar.ics").data
    read = icaljs(body, 60)
    expected = ["2053-03-29T08:30:00Z", "2053-03-31T07:30:00Z", "2053-10-27T08:30:00Z"]
    assert [read[f"post-{p['id']}@value-planner"]["startUtc"] for p in posts] == expected
    assert read[f"post-{posts[2]['id']}@value-planner"]["description"].startswith(AWKWARD)
    hours = read[f"connect-{rep.workspace_id}@value-planner"]["occurrencesUtc"]
    local = {dt.datetime.fromisoformat(h.replace("Z", "+00:00")).astimezone(
        dt.timezone(dt.timedelta(hours=1))).isoformat()[11:16] for h in hours}  # fmt: skip
    assert {h[11:16] for h in hours} == {"06:00", "07:00"}, "08:00 Berlin, summer and winter"
    assert local <= {"07:00", "08:00"}
    parsed = Calendar.from_ical(body)
    weekly = next(e for e in parsed.walk("VEVENT") if "RRULE" in e)
    assert str(weekly["SUMMARY"]).startswith("Connect and engage")
    assert weekly["DTSTART"].dt.tzinfo is not None and weekly["DTSTART"].dt.hour == 8


def test_uid_is_stable_sequence_grows_and_a_cancel_stays_as_cancelled(rep, berlin):
    url = f"/api/v1/audiences/{berlin['id']}/calendar.ics"
    post = give(rep, berlin["id"], "2053-05-06T09:30")
    uid = f"post-{post['id']}@value-planner"
    first = events(ics(rep, url).data)[uid]
    assert uid in events(ics(rep, url).data)
    rep.patch(f"/api/v1/posts/{post['id']}", json={"scheduled_at": "2053-05-07T09:30"})
    moved = events(ics(rep, url).data)[uid]
    assert int(moved["SEQUENCE"]) > int(first["SEQUENCE"])
    assert moved["DTSTART"].dt == dt.datetime(2053, 5, 7, 7, 30, tzinfo=dt.UTC)
    rep.patch(f"/api/v1/posts/{post['id']}", json={"status": "cancelled"})
    cancelled = events(ics(rep, url).data)[uid]
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert int(cancelled["SEQUENCE"]) > int(moved["SEQUENCE"])


def test_etag_answers_304_until_something_changes(rep, berlin):
    url = f"/api/v1/audiences/{berlin['id']}/calendar.ics"
    post = give(rep, berlin["id"], "2053-05-06T09:30")
    first = ics(rep, url)
    etag = first.headers["ETag"]
    assert first.headers["Last-Modified"]
    again = rep.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    rep.patch(f"/api/v1/posts/{post['id']}", json={"title": "Sharper title"})
    changed = rep.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_drafts_and_gaps_only_when_asked_for_and_tentative(rep, berlin):
    url = f"/api/v1/audiences/{berlin['id']}/calendar.ics?from=2053-01-01&to=2053-04-01"
    give(rep, berlin["id"], "2053-02-03T09:00")
    ask(rep, berlin["id"], "2053-02-20T09:00", status="draft")
    plain = events(ics(rep, url).data)
    assert [str(e["STATUS"]) for e in plain.values() if "RRULE" not in e] == ["CONFIRMED"]
    full = events(ics(rep, url + "&include_drafts=true&include_gaps=true").data)
    tentative = sorted(
        (e["DTSTART"].dt, str(e["SUMMARY"])) for e in full.values() if e["STATUS"] == "TENTATIVE"
    )
    assert tentative == [
        (dt.datetime(2053, 1, 14, 8, tzinfo=dt.UTC), "Open slot: share something valuable"),
        (dt.datetime(2053, 2, 20, 8, tzinfo=dt.UTC), "Ask: ask at 2053-02-20T09:00"),
        (dt.datetime(2053, 3, 11, 8, tzinfo=dt.UTC), "Open slot: share something valuable"),
    ]


def test_a_to_before_today_with_open_slots_says_from_defaults_to_today(rep, berlin):
    today = dt.datetime.now(dt.UTC).date()
    response = rep.get(f"/api/v1/calendar.ics?include_gaps=true&to={today - dt.timedelta(1)}")
    assert response.status_code == 422
    message = f"Must be after from, which defaults to today ({today}, UTC) with open slots."
    assert response.get_json()["errors"] == [
        {"field": "to", "location": "query", "message": message}
    ]


def test_workspace_calendar_covers_every_audience_and_nothing_else(rep, outsider, berlin):
    other = make_audience(rep, name="CIOs", timezone="America/New_York")
    a = give(rep, berlin["id"], "2053-05-06T09:30")
    b = give(rep, other["id"], "2053-05-06T09:30")
    make_audience(outsider)
    uids = set(events(ics(rep, "/api/v1/calendar.ics").data))
    assert {f"post-{a['id']}@value-planner", f"post-{b['id']}@value-planner"} <= uids
    assert outsider.get(f"/api/v1/audiences/{berlin['id']}/calendar.ics").status_code == 404
    assert f"post-{a['id']}@value-planner" not in events(ics(outsider, "/api/v1/calendar.ics").data)


def test_subscription_url_works_without_a_header_and_rotation_kills_it(rep, berlin, app):
    client = app.test_client()
    assert rep.get("/api/v1/calendar/subscription").get_json() == {"url": None}
    first = rep.post("/api/v1/calendar/subscription").get_json()["url"]
    path = first.split("localhost", 1)[1]
    assert client.get(path).status_code == 200
    assert rep.get("/api/v1/calendar/subscription").get_json() == {"url": first}
    second = rep.post("/api/v1/calendar/subscription").get_json()["url"]
    assert second != first
    assert client.get(path).status_code == 404
    assert client.get(second.split("localhost", 1)[1]).status_code == 200
    assert rep.delete("/api/v1/calendar/subscription").status_code == 204
    assert client.get(second.split("localhost", 1)[1]).status_code == 404
    assert client.get("/ics/1.forged.ics").status_code == 404


def test_no_address_is_ever_issued_twice_whatever_turned_the_last_one_off(rep, colleague, app):
    """A rep who rotated or turned off a leaked address must never see it answer again."""
    client = app.test_client()
    issued = []
    for caller in (rep, colleague):
        first = caller.post(SUBSCRIPTION).get_json()["url"]
        rotated = caller.post(SUBSCRIPTION).get_json()["url"]
        assert caller.delete(SUBSCRIPTION).status_code == 204
        issued += [first, rotated, caller.post(SUBSCRIPTION).get_json()["url"]]
    assert len(set(issued)) == len(issued)
    assert [client.get(path_of(url)).status_code for url in issued] == [404, 404, 200] * 2


def test_an_address_turned_off_before_the_count_was_kept_stays_dead(rep, app):
    """Turning an address off used to forget its version (None), so the next one began again
    at the first: a version from then must not be issued anew."""
    client = app.test_client()
    set_user(app, "rep@acme.example", calendar_feed_version=1)
    old = rep.get(SUBSCRIPTION).get_json()["url"]
    set_user(app, "rep@acme.example", calendar_feed_version=None)
    new = rep.post(SUBSCRIPTION).get_json()["url"]
    assert new != old
    assert [client.get(path_of(url)).status_code for url in (old, new)] == [404, 200]


def test_deactivating_a_user_ends_their_subscription_address_for_good(rep, colleague, berlin, app):
    client = app.test_client()
    give(colleague, berlin["id"], "2061-01-06T09:00")
    url = colleague.post(SUBSCRIPTION).get_json()["url"]
    path = path_of(url)
    assert client.get(path).status_code == 200
    sam = colleague.get("/api/v1/me").get_json()["id"]
    assert rep.post(f"/api/v1/users/{sam}/deactivate").status_code == 200
    assert client.get(path).status_code == 404
    set_deactivated(app, "sam@acme.example", None)  # the operator's only way back
    assert client.get(path).status_code == 404
    with app.extensions["planner_db"].writer() as session:
        token = accounts_db.issue_token(session, sam)
        session.commit()
    back = UserClient(app, app.response_class, token=token, workspace_id=colleague.workspace_id)
    new = back.post(SUBSCRIPTION).get_json()["url"]
    assert new != url
    assert [client.get(path_of(u)).status_code for u in (url, new)] == [404, 200]


SUBSCRIPTION = "/api/v1/calendar/subscription"


def path_of(url: str) -> str:
    return url.split("localhost", 1)[1]


def set_user(app, email, **values):
    with app.extensions["planner_db"].writer() as session:
        session.execute(update(User).where(User.email == email).values(**values))
        session.commit()


def set_deactivated(app, email, when):
    set_user(app, email, deactivated_at=when)


def test_a_user_deactivated_before_addresses_were_revoked_is_refused_too(rep, berlin, app):
    """A deactivation from before it revoked the address left the address's version in place."""
    client = app.test_client()
    path = rep.post("/api/v1/calendar/subscription").get_json()["url"].split("localhost", 1)[1]
    set_deactivated(app, "rep@acme.example", utcnow())
    assert client.get(path).status_code == 404


def test_connecting_hour_is_a_workspace_setting_admins_change(rep, colleague, berlin, app):
    settings = colleague.get("/api/v1/workspace").get_json()
    assert settings["connecting_hour"] == {
        "enabled": True, "weekday": 1, "time": "08:00", "duration_minutes": 60}  # fmt: skip
    assert colleague.patch("/api/v1/workspace", json={"connecting_hour": {"enabled": False}}
                     ).status_code == 403  # fmt: skip
    admin = make_caller(app, "Acme Sales", "boss@acme.example", role="admin")
    for bad in ({"weekday": 7}, {"time": "8am"}, {"duration_minutes": 5}):
        response = admin.patch("/api/v1/workspace", json={"connecting_hour": bad})
        assert response.status_code == 422
    off = admin.patch("/api/v1/workspace", json={"connecting_hour": {"enabled": False}})
    assert off.get_json()["connecting_hour"]["enabled"] is False
    body = ics(rep, f"/api/v1/audiences/{berlin['id']}/calendar.ics").data
    assert not [e for e in Calendar.from_ical(body).walk("VEVENT") if "RRULE" in e]
