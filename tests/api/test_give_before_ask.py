"""Every path of the give-before-ask rule, as a rep meets it through the API."""

import pytest

from tests.helpers import ask, give, make_audience

JAN = ["2053-01-06T09:00", "2053-01-13T09:00", "2053-01-20T09:00"]


@pytest.fixture
def audience(rep):
    return make_audience(rep, policy={"gives_per_ask": 3, "min_days_between_asks": 30})


def posts_of(rep, audience):
    return rep.get(f"/api/v1/audiences/{audience['id']}/posts").get_json()["items"]


def assert_refused(response, *, counted=None, earliest=None):
    assert response.status_code == 409, response.get_json()
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["type"].endswith("give-before-ask")
    assert body["status"] == 409
    violation = body["violations"][-1]
    assert violation["gives_required"] == 3
    if counted is not None:
        assert violation["gives_counted"] == counted
    if earliest is not None:
        assert violation["earliest_allowed_at"] == earliest
    return body


def test_an_ask_without_enough_gives_is_refused_and_nothing_is_written(rep, audience):
    give(rep, audience["id"], JAN[0])
    before = posts_of(rep, audience)
    body = assert_refused(ask(rep, audience["id"], "2053-02-01T09:00"), counted=1, earliest=None)
    assert "2 more" not in body["detail"] and "needs 3 value posts" in body["detail"]
    assert posts_of(rep, audience) == before


def test_an_ask_after_enough_gives_is_scheduled(rep, audience):
    for at in JAN:
        give(rep, audience["id"], at)
    response = ask(rep, audience["id"], "2053-01-21T09:00")
    assert response.status_code == 201
    assert response.get_json()["scheduled_at"] == "2053-01-21T08:00:00+00:00"


def test_earliest_allowed_date_points_after_the_covering_give(rep, audience):
    for at in JAN:
        give(rep, audience["id"], at)
    # The third give is on 20 January, 08:00 UTC: an ask one minute later would pass.
    assert_refused(
        ask(rep, audience["id"], "2053-01-15T09:00"),
        counted=2,
        earliest="2053-01-20T08:01:00+00:00",
    )


def test_gives_at_the_same_instant_as_the_ask_do_not_count(rep, audience):
    for at in JAN:
        give(rep, audience["id"], at)
    assert_refused(ask(rep, audience["id"], JAN[2]), counted=2)


def test_asks_need_fresh_gives_and_the_minimum_spacing(rep, audience):
    for at in JAN:
        give(rep, audience["id"], at)
    assert ask(rep, audience["id"], "2053-01-21T09:00").status_code == 201
    for at in ("2053-01-27T09:00", "2053-01-28T09:00", "2053-01-29T09:00"):
        give(rep, audience["id"], at)
    body = assert_refused(
        ask(rep, audience["id"], "2053-02-10T09:00"), earliest="2053-02-20T08:00:00+00:00"
    )
    assert "less than 30 days" in body["detail"]
    assert ask(rep, audience["id"], "2053-02-20T09:00").status_code == 201


def covered_ask(rep, audience):
    gives = [give(rep, audience["id"], at) for at in JAN]
    response = ask(rep, audience["id"], "2053-02-01T09:00")
    assert response.status_code == 201
    return gives, response.get_json()


@pytest.mark.parametrize(
    "change",
    [
        {"scheduled_at": "2053-03-01T09:00"},
        {"status": "cancelled"},
        {"status": "draft"},
        {"scheduled_at": None, "status": "draft"},
        {"kind": "ask", "type": "offer"},
    ],
    ids=["move-after-ask", "cancel", "unschedule", "clear-date", "turn-into-ask"],
)
def test_changing_a_give_an_ask_relies_on_is_refused(rep, audience, change):
    gives, scheduled_ask = covered_ask(rep, audience)
    before = posts_of(rep, audience)
    response = rep.patch(f"/api/v1/posts/{gives[1]['id']}", json=change)
    body = assert_refused(response)
    assert scheduled_ask["id"] in [v["post_id"] for v in body["violations"]]
    assert posts_of(rep, audience) == before


def test_deleting_a_give_an_ask_relies_on_is_refused(rep, audience):
    gives, _ = covered_ask(rep, audience)
    assert_refused(rep.delete(f"/api/v1/posts/{gives[0]['id']}"))
    assert rep.get(f"/api/v1/posts/{gives[0]['id']}").status_code == 200


def test_moving_an_ask_earlier_than_its_gives_is_refused(rep, audience):
    _, scheduled_ask = covered_ask(rep, audience)
    response = rep.patch(
        f"/api/v1/posts/{scheduled_ask['id']}", json={"scheduled_at": "2053-01-10T09:00"}
    )
    assert_refused(response, counted=1, earliest="2053-01-20T08:01:00+00:00")


def test_free_changes_are_accepted(rep, audience):
    gives, scheduled_ask = covered_ask(rep, audience)
    extra = give(rep, audience["id"], "2053-01-27T09:00")
    assert rep.delete(f"/api/v1/posts/{extra['id']}").status_code == 204
    moved = rep.patch(f"/api/v1/posts/{gives[0]['id']}", json={"scheduled_at": "2053-01-02T09:00"})
    assert moved.status_code == 200
    cancel = rep.patch(f"/api/v1/posts/{scheduled_ask['id']}", json={"status": "cancelled"})
    assert cancel.status_code == 200
    assert rep.delete(f"/api/v1/posts/{gives[1]['id']}").status_code == 204


def test_drafts_are_free_until_scheduled(rep, audience):
    draft = ask(rep, audience["id"], None, status="draft")
    assert draft.status_code == 201
    response = rep.patch(
        f"/api/v1/posts/{draft.get_json()['id']}",
        json={"status": "scheduled", "scheduled_at": "2053-02-01T09:00"},
    )
    assert_refused(response, counted=0)


def test_a_stricter_policy_that_uncovers_an_ask_is_refused(rep, audience):
    covered_ask(rep, audience)
    url = f"/api/v1/audiences/{audience['id']}"
    response = rep.patch(url, json={"policy": {"preset": "80-20"}})
    body = response.get_json()
    assert response.status_code == 409
    assert body["violations"][0]["gives_required"] == 4
    assert rep.get(url).get_json()["policy"]["gives_per_ask"] == 3
    loosened = rep.patch(url, json={"policy": {"gives_per_ask": 2, "min_days_between_asks": 7}})
    assert loosened.get_json()["policy"] == {
        "preset": None,
        "gives_per_ask": 2,
        "min_days_between_asks": 7,
        "min_days_after_connect": 14,
        "touches_per_ask": 2,
        "gives_lookback_days": 365,
        "touches_lookback_days": 180,
        "record_published_within_days": 30,
    }


def test_dropping_a_preset_keeps_the_gives_per_ask(rep):
    explicit = make_audience(rep, name="Explicit", policy={"gives_per_ask": 5})
    preset = make_audience(rep, name="Preset", policy={"preset": "80-20"})
    for audience, gives in ((explicit, 5), (preset, 4)):
        url = f"/api/v1/audiences/{audience['id']}"
        policy = rep.patch(url, json={"policy": {"preset": None}}).get_json()["policy"]
        assert (policy["preset"], policy["gives_per_ask"]) == (None, gives)


def test_a_null_policy_is_the_default_policy_label_and_numbers_together(rep):
    """As a null cadence or utm is the default: not a preset label dropped from its numbers."""
    default = make_audience(rep, name="Default")["policy"]
    custom = make_audience(
        rep,
        name="Custom",
        policy={"preset": "80-20", "min_days_between_asks": 10, "touches_per_ask": 4,
                "record_published_within_days": 60},
    )  # fmt: skip
    url = f"/api/v1/audiences/{custom['id']}"
    answer = rep.patch(url, json={"policy": None})
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["policy"] == default
    assert rep.get(url).get_json()["policy"] == default


def test_a_null_policy_that_would_uncover_an_ask_is_refused_like_any_stricter_one(rep):
    audience = make_audience(rep, policy={"gives_per_ask": 1})
    give(rep, audience["id"], JAN[0])
    assert ask(rep, audience["id"], "2053-02-01T09:00").status_code == 201
    url = f"/api/v1/audiences/{audience['id']}"
    assert_refused(rep.patch(url, json={"policy": None}), counted=1)
    assert rep.get(url).get_json()["policy"]["gives_per_ask"] == 1


def test_presets_set_the_gives_per_ask(rep):
    for preset, gives in (("jab-jab-jab-right-hook", 3), ("80-20", 4), ("4-1-1", 5)):
        created = make_audience(rep, name=preset, policy={"preset": preset})
        assert created["policy"]["gives_per_ask"] == gives


def test_ratio_reports_gives_needed_and_the_earliest_next_ask(rep, audience):
    url = f"/api/v1/audiences/{audience['id']}/ratio"
    give(rep, audience["id"], JAN[0])
    standing = rep.get(url).get_json()
    assert standing["gives_since_last_ask"] == 1
    assert standing["gives_needed"] == 2
    assert standing["earliest_next_ask_at"] is None
    assert standing["gives_lookback_days"] == 365
    for at in JAN[1:]:
        give(rep, audience["id"], at)
    asked = ask(rep, audience["id"], "2053-03-03T09:00")
    assert asked.status_code == 201
    standing = rep.get(url).get_json()
    # The ask to come is covered; a new one must come after it, with gives of its own.
    assert standing["next_ask"] == {
        "post_id": asked.get_json()["id"], "scheduled_at": "2053-03-03T08:00:00+00:00",
        "gives_counted": 3, "gives_required": 3, "covered": True,
    }  # fmt: skip
    assert standing["last_ask_at"] == "2053-03-03T08:00:00+00:00"
    assert standing["gives_since_last_ask"] == 0
    assert standing["gives_needed"] == 3
    for at in ("2053-03-04T09:00", "2053-03-05T09:00", "2053-03-06T09:00"):
        give(rep, audience["id"], at)
    standing = rep.get(url).get_json()
    assert standing["gives_needed"] == 0
    assert standing["earliest_next_ask_at"] == "2053-04-02T08:00:00+00:00"
