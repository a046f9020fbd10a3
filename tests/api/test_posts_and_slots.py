"""Posts in the audience's time, listing filters, and cadence slots across DST changes."""

import datetime as dt

from core.db import utcnow
from tests.helpers import give, make_audience, post


def test_a_time_without_offset_is_read_in_the_audience_timezone(rep):
    audience = make_audience(rep, timezone="America/New_York")
    created = give(rep, audience["id"], "2053-07-01T09:00")
    assert created["scheduled_at"] == "2053-07-01T13:00:00+00:00"
    assert created["scheduled_at_local"] == "2053-07-01T09:00:00-04:00"
    explicit = give(rep, audience["id"], "2053-07-02T09:00:00Z")
    assert explicit["scheduled_at"] == "2053-07-02T09:00:00+00:00"


def test_posts_list_filters_by_range_kind_and_status(rep):
    audience = make_audience(rep)
    url = f"/api/v1/audiences/{audience['id']}/posts"
    give(rep, audience["id"], "2053-01-06T09:00")
    give(rep, audience["id"], "2053-02-06T09:00")  # after the January window
    give(rep, audience["id"], (utcnow() - dt.timedelta(days=1)).isoformat(), status="published")
    post(rep, audience["id"], "ask", None, status="draft")
    january = rep.get(f"{url}?from=2053-01-01&to=2053-02-01").get_json()
    assert [p["scheduled_at"] for p in january["items"]] == ["2053-01-06T08:00:00+00:00"]
    assert rep.get(f"{url}?kind=ask").get_json()["total"] == 1
    assert rep.get(f"{url}?status=published").get_json()["total"] == 1
    page = rep.get(f"{url}?limit=2&offset=0").get_json()
    assert page["total"] == 4 and len(page["items"]) == 2


def test_every_page_of_a_listing_tells_the_same_total(rep):
    audience = make_audience(rep)
    url = f"/api/v1/audiences/{audience['id']}/posts"
    for day in range(1, 6):
        give(rep, audience["id"], f"2053-01-{day:02d}T09:00")
    pages = [
        rep.get(f"{url}?limit={limit}&offset={offset}").get_json()
        for limit, offset in ((2, 0), (2, 2), (2, 4), (5, 0), (10, 0), (3, 5), (3, 9))
    ]
    assert [len(page["items"]) for page in pages] == [2, 2, 1, 5, 5, 0, 0]
    assert {page["total"] for page in pages} == {5}
    assert rep.get(f"{url}?from=2054-01-01").get_json() == {"items": [], "total": 0}


def test_a_listed_post_reads_as_it_does_alone(rep):
    """Every documented field, set and unset, in the audience's own zone."""
    audience = make_audience(rep, timezone="Asia/Kolkata")
    give(rep, audience["id"], "2053-03-10T09:00", url="https://example.com/a", body="Read it")
    post(rep, audience["id"], "give", None, status="draft")
    listed = rep.get(f"/api/v1/audiences/{audience['id']}/posts").get_json()["items"]
    documented = rep.get("/openapi.json").get_json()["components"]["schemas"]["Post"]
    assert len(listed) == 2
    for item in listed:
        assert item == rep.get(f"/api/v1/posts/{item['id']}").get_json()
        assert set(item) == set(documented["properties"])
    assert listed[0]["scheduled_at_local"] == "2053-03-10T09:00:00+05:30"
    assert listed[1]["scheduled_at"] is listed[1]["scheduled_at_local"] is None


def test_a_post_still_to_come_cannot_be_recorded_as_published(rep):
    audience = make_audience(rep)
    url = f"/api/v1/audiences/{audience['id']}/posts"
    body = {"kind": "give", "type": "tip", "title": "A tip", "status": "published",
            "scheduled_at": "2053-01-06T09:00"}  # fmt: skip
    refused = rep.post(url, json=body)
    assert refused.status_code == 422
    assert refused.get_json()["errors"][0]["field"] == "scheduled_at"
    created = give(rep, audience["id"], "2053-01-06T09:00")
    marked = rep.patch(f"/api/v1/posts/{created['id']}", json={"status": "published"})
    assert marked.status_code == 422
    assert rep.get(f"{url}?status=published").get_json()["total"] == 0


def test_editing_text_or_time_raises_the_sequence(rep):
    audience = make_audience(rep)
    created = give(rep, audience["id"], "2053-01-06T09:00")
    url = f"/api/v1/posts/{created['id']}"
    assert rep.patch(url, json={"title": "Better title"}).get_json()["sequence"] == 1
    assert rep.patch(url, json={"scheduled_at": "2053-01-07T09:00"}).get_json()["sequence"] == 2
    assert rep.patch(url, json={"status": "draft"}).get_json()["sequence"] == 2


def slots(rep, audience, start, end):
    url = f"/api/v1/audiences/{audience['id']}/slots?from={start}&to={end}"
    response = rep.get(url)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def test_monthly_slots_keep_local_time_across_the_berlin_dst_change(rep):
    audience = make_audience(rep, timezone="Europe/Berlin")
    found = slots(rep, audience, "2053-02-01", "2053-05-01")
    assert [s["local"] for s in found] == [
        "2053-02-11T09:00:00+01:00",
        "2053-03-11T09:00:00+01:00",
        "2053-04-08T09:00:00+02:00",
    ]
    assert [s["at"] for s in found] == [
        "2053-02-11T08:00:00+00:00",
        "2053-03-11T08:00:00+00:00",
        "2053-04-08T07:00:00+00:00",
    ]


def test_quarterly_slots_keep_local_time_across_new_york_dst_changes(rep):
    audience = make_audience(
        rep,
        timezone="America/New_York",
        cadence={"frequency": "quarterly", "week": 1, "weekday": "WE", "time": "10:30"},
    )
    found = slots(rep, audience, "2053-01-01", "2054-01-01")
    assert [s["local"] for s in found] == [
        "2053-01-01T10:30:00-05:00",
        "2053-04-02T10:30:00-04:00",
        "2053-07-02T10:30:00-04:00",
        "2053-10-01T10:30:00-04:00",
    ]
    assert found[0]["at"] == "2053-01-01T15:30:00+00:00"
    assert found[1]["at"] == "2053-04-02T14:30:00+00:00"


def test_slots_show_gaps_and_the_give_that_fills_each(rep):
    audience = make_audience(rep)
    filler = give(rep, audience["id"], "2053-03-03T12:00")
    post(rep, audience["id"], "give", "2053-04-03T12:00", status="draft")
    found = slots(rep, audience, "2053-02-01", "2053-05-01")
    assert [s["post"] and s["post"]["id"] for s in found] == [None, filler["id"], None]


def test_custom_rrule_slots(rep):
    audience = make_audience(
        rep, timezone="UTC", cadence={"rrule": "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO", "time": "08:00"}
    )
    assert audience["cadence"]["frequency"] == "custom"
    found = slots(rep, audience, "2053-01-01", "2053-02-01")
    assert [s["at"] for s in found] == [
        "2053-01-06T08:00:00+00:00",
        "2053-01-20T08:00:00+00:00",
    ]


def test_slot_range_is_bounded(rep):
    audience = make_audience(rep)
    url = f"/api/v1/audiences/{audience['id']}/slots"
    assert rep.get(f"{url}?from=2053-01-01&to=2068-01-01").status_code == 422
    assert rep.get(f"{url}?from=2053-02-01&to=2053-01-01").status_code == 422
