"""A deleted post's or audience's id never comes back, so a calendar UID never names two posts."""

from icalendar import Calendar

from tests.helpers import give, make_audience


def _uids(caller, audience_id: int) -> set[str]:
    response = caller.get(f"/api/v1/audiences/{audience_id}/calendar.ics")
    assert response.status_code == 200
    return {str(event["UID"]) for event in Calendar.from_ical(response.data).walk("VEVENT")}


def test_deleting_the_newest_post_twice_gives_the_next_post_a_new_id_and_uid(rep):
    audience = make_audience(rep)
    give(rep, audience["id"], "2030-01-08T09:00")
    seen = set()
    for _ in range(3):
        newest = give(rep, audience["id"], "2030-02-12T09:00")
        assert newest["id"] not in seen
        uid = f"post-{newest['id']}@value-planner"
        assert uid in _uids(rep, audience["id"])
        seen.add(newest["id"])
        assert rep.delete(f"/api/v1/posts/{newest['id']}").status_code == 204
        assert uid not in _uids(rep, audience["id"])


def test_a_deleted_audience_id_is_not_given_to_the_next_audience(rep):
    first = make_audience(rep, name="First")
    assert rep.delete(f"/api/v1/audiences/{first['id']}").status_code == 204
    second = make_audience(rep, name="Second")
    assert second["id"] > first["id"]
