"""A calendar app holding an ETag gets 304 only while nothing in its calendar changed.

The ETag is computed without loading the posts (schedules.calendar_db.version), and rendered
calendars are kept per ETag, so every kind of change must move it: a change it missed would
leave subscribers on a stale calendar for good.
"""

import pytest
from icalendar import Calendar

from tests.api.helpers import CONNECT_POLICY, add_contact, direct_ask, iso, touch
from tests.conftest import make_caller
from tests.helpers import give, make_audience


def uids(body: bytes) -> list[str]:
    return [str(e["UID"]) for e in Calendar.from_ical(body).walk("VEVENT")]


def fetch(caller, url: str, etag: str | None = None):
    return caller.get(url, headers={"If-None-Match": etag} if etag else {})


def unstamped(body: bytes) -> list[bytes]:
    return [line for line in body.split(b"\r\n") if not line.startswith(b"DTSTAMP:")]


@pytest.fixture
def planned(rep):
    audience = make_audience(rep)
    first = give(rep, audience["id"], "2053-05-06T09:30")
    newest = give(rep, audience["id"], "2053-05-13T09:30")
    return {"audience": audience, "first": first, "newest": newest}


def admin(app):
    return make_caller(app, "Acme Sales", "boss@acme.example", role="admin")


CHANGES = {
    "create a post": lambda rep, app, p: give(rep, p["audience"]["id"], "2053-05-20T09:30"),
    "edit a title": lambda rep, app, p: rep.patch(
        f"/api/v1/posts/{p['first']['id']}", json={"title": "Sharper title"}
    ),
    "move a post": lambda rep, app, p: rep.patch(
        f"/api/v1/posts/{p['first']['id']}", json={"scheduled_at": "2053-05-07T09:30"}
    ),
    "cancel a post": lambda rep, app, p: rep.patch(
        f"/api/v1/posts/{p['first']['id']}", json={"status": "cancelled"}
    ),
    "delete a post": lambda rep, app, p: rep.delete(f"/api/v1/posts/{p['first']['id']}"),
    # SQLite may hand the newest row's id to the next insert once that row is deleted.
    "delete the newest post and create one like it": lambda rep, app, p: (
        rep.delete(f"/api/v1/posts/{p['newest']['id']}"),
        give(rep, p["audience"]["id"], "2053-05-13T09:30"),
    ),
    "rename the audience": lambda rep, app, p: rep.patch(
        f"/api/v1/audiences/{p['audience']['id']}", json={"name": "Finance chiefs"}
    ),
    "change the audience time zone": lambda rep, app, p: rep.patch(
        f"/api/v1/audiences/{p['audience']['id']}", json={"timezone": "Asia/Tokyo"}
    ),
    "move the connecting hour": lambda rep, app, p: admin(app).patch(
        "/api/v1/workspace", json={"connecting_hour": {"time": "09:00"}}
    ),
    "turn the connecting hour off": lambda rep, app, p: admin(app).patch(
        "/api/v1/workspace", json={"connecting_hour": {"enabled": False}}
    ),
    "change the workspace time zone": lambda rep, app, p: admin(app).patch(
        "/api/v1/workspace", json={"timezone": "America/New_York"}
    ),
    "tag the audience's links": lambda rep, app, p: rep.patch(
        f"/api/v1/audiences/{p['audience']['id']}", json={"utm": {"enabled": True}}
    ),
    "tag the workspace's links": lambda rep, app, p: admin(app).patch(
        "/api/v1/workspace", json={"utm": {"enabled": True, "source": "team"}}
    ),
}


@pytest.mark.parametrize("change", CHANGES)
def test_every_change_answers_200_to_the_old_etag_then_304_to_the_new(rep, app, planned, change):
    url = f"/api/v1/audiences/{planned['audience']['id']}/calendar.ics"
    before = fetch(rep, url)
    etag = before.headers["ETag"]
    assert fetch(rep, url, etag).status_code == 304
    outcome = CHANGES[change](rep, app, planned)
    for response in outcome if isinstance(outcome, tuple) else [outcome]:
        assert getattr(response, "status_code", 200) < 300
    after = fetch(rep, url, etag)
    assert after.status_code == 200
    assert after.headers["ETag"] != etag
    assert fetch(rep, url, after.headers["ETag"]).status_code == 304
    # Brought up to date from the calendar the server kept, it is the calendar read afresh
    # (a window asked for the first time: the same posts, nothing kept for it).
    fresh = fetch(rep, f"{url}?from=2000-01-01T00:00:00Z")
    assert unstamped(after.data) == unstamped(fresh.data)


def test_nothing_changed_is_304_and_the_same_bytes_even_after_another_calendar_changed(
    rep, planned
):
    url = f"/api/v1/audiences/{planned['audience']['id']}/calendar.ics"
    first = fetch(rep, url)
    other = make_audience(rep, name="CIOs")
    give(rep, other["id"], "2053-05-06T09:30")
    assert fetch(rep, url, first.headers["ETag"]).status_code == 304
    # An app that keeps no ETag gets the calendar as first rendered, DTSTAMP included.
    assert fetch(rep, url).data == first.data
    workspace = fetch(rep, "/api/v1/calendar.ics")
    give(rep, other["id"], "2053-06-06T09:30")
    assert fetch(rep, "/api/v1/calendar.ics", workspace.headers["ETag"]).status_code == 200


def test_deleting_a_contact_drops_its_ask_from_the_calendar(rep):
    audience = make_audience(rep, timezone="UTC", policy=CONNECT_POLICY)
    contact = add_contact(rep, audience, accepted_at=iso(-20))
    touch(rep, contact, iso(-6))
    touch(rep, contact, iso(-3), kind="shared_article")
    give(rep, audience["id"], iso(9))
    ask = direct_ask(rep, contact, iso(21))
    assert ask.status_code == 201
    url = f"/api/v1/audiences/{audience['id']}/calendar.ics"
    before = fetch(rep, url)
    assert f"post-{ask.get_json()['id']}@value-planner" in uids(before.data)
    assert rep.delete(f"/api/v1/contacts/{contact['id']}").status_code == 204
    after = fetch(rep, url, before.headers["ETag"])
    assert after.status_code == 200
    assert f"post-{ask.get_json()['id']}@value-planner" not in uids(after.data)


def test_a_workspace_alike_in_every_field_never_gets_the_other_calendar(rep, outsider):
    mine, theirs = make_audience(rep), make_audience(outsider)
    a = give(rep, mine["id"], "2053-05-06T09:30")
    b = give(outsider, theirs["id"], "2053-05-06T09:30")
    for caller, own, other in ((rep, a, b), (outsider, b, a)):
        for url in (f"/api/v1/audiences/{(mine if caller is rep else theirs)['id']}/calendar.ics",
                    "/api/v1/calendar.ics"):  # fmt: skip
            found = uids(fetch(caller, url).data)
            assert f"post-{own['id']}@value-planner" in found
            assert f"post-{other['id']}@value-planner" not in found


def test_a_post_turning_overdue_moves_the_etag_with_no_change_to_any_row(rep, monkeypatch):
    """Calendar apps holding the ETag from before the post's time get the overdue event."""
    import datetime as dt

    from app import ics

    audience = make_audience(rep, timezone="UTC")
    soon = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).replace(microsecond=0)
    post = give(rep, audience["id"], soon.isoformat())
    url = f"/api/v1/audiences/{audience['id']}/calendar.ics"
    before = fetch(rep, url)
    assert b"SUMMARY:Give: " in before.data and b"Overdue" not in before.data
    later = soon + dt.timedelta(hours=1)
    monkeypatch.setattr(ics, "utcnow", lambda: later)
    after = fetch(rep, url, before.headers["ETag"])
    assert after.status_code == 200
    assert after.headers["ETag"] != before.headers["ETag"]
    event = next(e for e in Calendar.from_ical(after.data).walk("VEVENT")
                 if str(e["UID"]) == f"post-{post['id']}@value-planner")  # fmt: skip
    assert str(event["SUMMARY"]).startswith("Overdue: Give: ")
    assert fetch(rep, url, after.headers["ETag"]).status_code == 304


def test_linking_a_touch_to_a_give_keeps_the_etag_and_a_post_change_still_moves_it(rep):
    """A touch is no event of the calendar: linking one to a give takes the audience's lock
    (to wait for the give's own changes) without telling calendar apps to fetch again."""
    audience = make_audience(rep, timezone="UTC", policy=CONNECT_POLICY)
    contact = add_contact(rep, audience, accepted_at=iso(-20))
    shared = give(rep, audience["id"], iso(2))
    url = f"/api/v1/audiences/{audience['id']}/calendar.ics"
    etag = fetch(rep, url).headers["ETag"]
    linked = touch(rep, contact, shared["scheduled_at"], post_id=shared["id"])
    unlinked = touch(rep, contact, iso(-1))
    relinked = rep.patch(
        f"/api/v1/contacts/{contact['id']}/touches/{unlinked['id']}", json={"post_id": shared["id"]}
    )
    assert (linked["post_id"], relinked.status_code) == (shared["id"], 200)
    assert fetch(rep, url, etag).status_code == 304
    rep.patch(f"/api/v1/posts/{shared['id']}", json={"title": "Sharper title"})
    assert fetch(rep, url, etag).status_code == 200


def test_a_weak_etag_from_a_compressing_proxy_still_answers_304(rep, app, planned):
    """nginx with gzip hands calendar apps W/"<etag>"; If-None-Match compares weakly (RFC 9110)."""
    feed = rep.post("/api/v1/calendar/subscription").get_json()["url"].split("localhost", 1)[1]
    for caller, url in (
        (rep, f"/api/v1/audiences/{planned['audience']['id']}/calendar.ics"),
        (rep, "/api/v1/calendar.ics"),
        (app.test_client(), feed),  # the subscription address: the token is the credential
    ):
        etag = fetch(caller, url).headers["ETag"]
        for sent in (f"W/{etag}", f'"stale", W/{etag}', etag, "*"):
            assert fetch(caller, url, sent).status_code == 304, (url, sent)
        assert fetch(caller, url, 'W/"stale"').status_code == 200
        give(rep, planned["audience"]["id"], "2053-05-27T09:30")
        assert fetch(caller, url, f"W/{etag}").status_code == 200
