"""Dates at the calendar's far end: refused when typed (a 422 naming the field, nothing
written), and read without a 500 where they were stored before that."""

import datetime as dt

from tests.api.helpers import (
    add_contact,
    direct_ask,
    iso,
    stored_at_the_calendars_end,
    touch,
    upload,
)
from tests.articles import add_article, add_feed
from tests.helpers import ask, give, make_audience, post

FAR = "9999-12-31T00:00:00Z"


def refused_on(response, field: str) -> str:
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"
    [error] = response.get_json()["errors"]
    assert error["field"] == field
    return error["message"]


def test_dates_past_a_hundred_years_ahead_are_422_naming_the_field_and_write_nothing(rep):
    audience = make_audience(rep, policy={"gives_per_ask": 1})
    created = rep.post(
        "/api/v1/contacts", json={"name": "Fut", "accepted_at": FAR, "audience_id": audience["id"]}
    )
    assert "more than 100 years from now" in refused_on(created, "accepted_at")
    assert rep.get("/api/v1/contacts").get_json()["total"] == 0

    contact = add_contact(rep, audience, accepted_at=iso(-20))
    url = f"/api/v1/contacts/{contact['id']}"
    refused_on(rep.patch(url, json={"accepted_at": "9999-12-25"}), "accepted_at")
    refused_on(rep.post(f"{url}/touches", json={"kind": "met", "at": FAR}), "at")
    request = {"note": "Dana, good to meet you at the CFO breakfast.", "requested_at": FAR}
    fresh = add_contact(rep, audience, name="Bo Chen")
    refused_on(rep.post(f"/api/v1/contacts/{fresh['id']}/connection-request", json=request),
               "requested_at")  # fmt: skip
    for at in ("9999-12-01T00:00Z", "2206-01-01T09:00"):
        refused_on(post(rep, audience["id"], "give", at), "scheduled_at")
        refused_on(ask(rep, audience["id"], at), "scheduled_at")
        refused_on(direct_ask(rep, contact, at), "scheduled_at")
    planned = give(rep, audience["id"], iso(3))
    refused_on(rep.patch(f"/api/v1/posts/{planned['id']}", json={"scheduled_at": FAR}),
               "scheduled_at")  # fmt: skip

    assert rep.get(url).get_json()["accepted_at"] == contact["accepted_at"]
    assert rep.get(f"{url}/touches").get_json()["items"] == []
    posts = rep.get(f"/api/v1/audiences/{audience['id']}/posts").get_json()["items"]
    assert [p["id"] for p in posts] == [planned["id"]]
    # Within a hundred years a plan is a plan.
    assert give(rep, audience["id"], f"{dt.date.today().year + 99}-01-05T09:00")["id"]
    for path in (
        "/api/v1/contacts",
        url,
        "/api/v1/team",
        f"/api/v1/audiences/{audience['id']}/ratio",
    ):
        assert rep.get(path).status_code == 200, path


def test_a_time_past_the_calendars_end_with_an_offset_says_how_far_it_is(rep):
    """9999-12-31T23:59:59-05:00 is in year 10000 in UTC, and +05:00 is on Tokyo's clock: both
    were "Out of range", where the same day without the offset says what is wrong with it."""
    audience = make_audience(rep, timezone="Asia/Tokyo")
    far = "9999-12-31 is more than 100 years from now; plans reach years ahead, not centuries."
    contact = add_contact(rep, audience, accepted_at=iso(-20))
    for value in ("9999-12-31T23:59:59-05:00", "9999-12-31T23:59:59+05:00", "9999-12-31T23:59:59"):
        assert refused_on(post(rep, audience["id"], "give", value), "scheduled_at") == far, value
        touched = rep.post(
            f"/api/v1/contacts/{contact['id']}/touches", json={"at": value, "kind": "met"}
        )
        assert refused_on(touched, "at") == far, value
    for path, field in (
        (f"/api/v1/audiences/{audience['id']}/posts", "from"),
        ("/api/v1/team", "from"),
        ("/api/v1/articles", "since"),
    ):
        answer = rep.get(path, query_string={field: "9999-12-31T23:59:59-05:00"})
        assert refused_on(answer, field) == far, path
    # At the other end: 0001-01-01T00:00:00+05:00 is in year 0 in UTC.
    early = refused_on(
        post(rep, audience["id"], "give", "0001-01-01T00:00:00+05:00"), "scheduled_at"
    )
    assert early == (
        "0001-01-01T00:00:00+05:00 is before year 1 in UTC or on the Asia/Tokyo clock, where the "
        "calendar starts."
    )


def test_an_import_skips_rows_dated_off_the_range_and_imports_the_rest(rep):
    audience = make_audience(rep, timezone="Europe/Berlin")
    known = add_contact(rep, profile_url="https://linkedin.com/in/known", accepted_at=iso(-9))
    rows = (
        "name,profile_url,company,title,accepted_at\n"
        "Fut Ure,https://linkedin.com/in/fut,Initech,CFO,9999-12-31\n"
        # The first day of year 1 on Berlin's clock is still year 0 in UTC.
        "Old Timer,https://linkedin.com/in/old,Initech,CFO,0001-01-01\n"
        "Known,https://linkedin.com/in/known,Initech,CFO,9999-12-30\n"
        "Dana Reyes,https://linkedin.com/in/dana,Initech,CFO,2026-03-04\n"
    )
    response = upload(rep, rows.encode(), audience_id=audience["id"])
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    assert [(s["line"], s["field"]) for s in answer["skipped"]] == [
        (2, "accepted_at"), (3, "accepted_at"), (4, "accepted_at")
    ]  # fmt: skip
    assert "more than 100 years from now" in answer["skipped"][0]["reason"]
    assert [r["name"] for r in answer["created"]] == ["Dana Reyes"]
    assert answer["updated"] == []
    assert (
        rep.get(f"/api/v1/contacts/{known['id']}").get_json()["accepted_at"]
        == (known["accepted_at"])
    )
    assert rep.get("/api/v1/contacts").get_json()["total"] == 2


def test_a_history_stored_at_the_calendars_end_still_reads(app, rep):
    """As the probe left it: every read of it answered 500, from the rule's arithmetic
    (9999-12-20 plus 30 days) and the guard's (9999-12-31 plus 14 days)."""
    stored = stored_at_the_calendars_end(app, rep)
    audience_id, far = stored["audience"]["id"], stored["far"]
    base = f"/api/v1/audiences/{audience_id}"
    paths = [
        "/api/v1/contacts", f"/api/v1/contacts?audience_id={audience_id}&stage=new",
        f"/api/v1/contacts/{far['id']}", f"/api/v1/contacts/{stored['ready']['id']}",
        f"/api/v1/contacts/{stored['ready']['id']}/touches",
        f"/api/v1/contacts/{stored['ready']['id']}/asks", "/api/v1/team",
        "/api/v1/team?from=9999-01-01&to=9999-12-01", f"{base}/ratio", f"{base}/ratio?owner=1",
        f"{base}/posts", f"{base}/posts?from=9999-11-01", f"{base}/slots", f"{base}/calendar.ics",
        f"{base}/calendar.ics?from=9999-11-01", "/api/v1/calendar.ics", "/api/v1/posts/export.csv",
        "/api/v1/posts/export.csv?from=9999-11-01", f"/api/v1/posts/{stored['ask']['id']}",
    ]  # fmt: skip
    for path in paths:
        response = rep.get(path)
        assert response.status_code == 200, (path, response.get_data(as_text=True)[:300])
    ratio = rep.get(f"{base}/ratio").get_json()
    assert ratio["next_ask"]["scheduled_at"] == "9999-12-20T00:00:00+00:00"
    listed = rep.get(f"/api/v1/contacts/{far['id']}").get_json()
    assert listed["accepted_at"] == "9999-12-31T00:00:00+00:00" and listed["stage"] == "new"
    posts = rep.get(f"{base}/posts?from=9999-12-31").get_json()["items"]
    # Past the year's end on Berlin's clock: shown in UTC, the same instant.
    assert [p["scheduled_at_local"] for p in posts] == [
        "9999-12-31T23:30:00+00:00", "9999-12-31T23:50:00+00:00"
    ]  # fmt: skip


def test_changes_around_a_history_stored_at_the_calendars_end_are_answered(app, rep):
    stored = stored_at_the_calendars_end(app, rep)
    audience_id, ready, far = stored["audience"]["id"], stored["ready"], stored["far"]
    assert ask(rep, audience_id, iso(60)).status_code in (201, 409)
    moved = rep.patch(f"/api/v1/posts/{stored['give']['id']}", json={"scheduled_at": iso(6)})
    assert moved.status_code in (200, 409), moved.get_json()
    assert touch(rep, ready, iso(-1))["id"]
    assert direct_ask(rep, ready, iso(50)).status_code in (201, 409)
    noted = rep.patch(f"/api/v1/contacts/{far['id']}", json={"notes": "Met at SaaStr"})
    assert noted.status_code == 200, noted.get_json()
    rows = (
        f"name,profile_url,company,title,accepted_at\nFut Ure,{far['profile_url']},A,B,2026-11-02\n"
    )
    again = upload(rep, rows.encode())
    assert again.status_code == 200, again.get_json()
    assert [r["contact_id"] for r in again.get_json()["updated"]] == [far["id"]]


def test_articles_since_reads_dates_as_the_other_date_queries_do(app, rep):
    """``since`` was the one date query marshmallow parsed: past year 9999 in UTC it was a 500,
    and an unencoded "+" (a space once decoded) was "Not a valid datetime"."""
    with app.extensions["planner_db"].writer() as session:
        feed = add_feed(session, rep.workspace_id, "Pricing Weekly")
        add_article(session, feed, "Old news", now=dt.datetime(2026, 12, 1, tzinfo=dt.UTC))
        session.commit()  # published 2026-11-30T00:00Z

    def total(since: str) -> int:
        return rep.get(f"/api/v1/articles?since={since}").get_json()["total"]

    for value, said in (("9999-12-31T23:59:59-14:00", "more than 100 years from now"),
                        ("0001-01-01T00:00:00+01:00", "before year 1")):  # fmt: skip
        assert said in refused_on(rep.get(f"/api/v1/articles?since={value}"), "since")
    assert "Not an ISO 8601" in refused_on(rep.get("/api/v1/articles?since=yesterday"), "since")
    assert total("2026-11-30T00:30:00+01:00") == 1  # the + sent as is
    assert total("2026-11-30T00:30:00%2B00:00") == 0
    assert total("2026-11-30") == 1  # midnight UTC
    # A "+" that cannot be told from a space by its place says how to send it.
    basic = refused_on(rep.get("/api/v1/articles?since=20261130T003000+0100"), "since")
    assert "send an offset's + as %2B" in basic
