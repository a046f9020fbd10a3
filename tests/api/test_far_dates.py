"""Dates at the calendar's far end, stored before dates were bounded: read without a 500."""

from tests.api.helpers import direct_ask, iso, stored_at_the_calendars_end, touch, upload
from tests.helpers import ask


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
