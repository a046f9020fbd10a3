"""The rule's advice holds when followed, and old or back-dated giving buys no ask today."""

from __future__ import annotations

from tests.api.helpers import add_contact, conditions, direct_ask, iso, refused, touch
from tests.helpers import ask, give, make_audience, post


def field_of(response) -> str:
    assert response.status_code == 422, response.get_json()
    return response.get_json()["errors"][0]["field"]


def test_the_earliest_allowed_date_leaves_the_following_ask_covered(rep):
    audience = make_audience(rep, timezone="UTC")
    for day in (1, 2, 3):
        give(rep, audience["id"], iso(day))
    assert ask(rep, audience["id"], iso(60)).status_code == 201  # the "April" ask
    refusal = ask(rep, audience["id"], iso(0.5))
    assert refusal.status_code == 409
    (own,) = refusal.get_json()["violations"]
    # Any date before the April ask takes its gives: no date is offered, and the reason says so.
    assert own["earliest_allowed_at"] is None
    assert "next ask" in own["no_date_reason"]
    assert "no date passes" in refusal.get_json()["detail"]

    for day in (4, 5, 6):
        give(rep, audience["id"], iso(day))
    refusal = ask(rep, audience["id"], iso(0.5))
    (own,) = refusal.get_json()["violations"]
    assert own["earliest_allowed_at"] is not None
    followed = ask(rep, audience["id"], own["earliest_allowed_at"])
    assert followed.status_code == 201, followed.get_json()


def test_a_scheduled_post_in_the_past_is_refused_naming_scheduled_at(rep):
    audience = make_audience(rep)
    response = post(rep, audience["id"], "give", "2020-01-01T09:00", status="scheduled")
    assert field_of(response) == "scheduled_at"
    assert "must be in the future" in response.get_json()["errors"][0]["message"]
    later = give(rep, audience["id"], iso(5))
    moved = rep.patch(f"/api/v1/posts/{later['id']}", json={"scheduled_at": iso(-3)})
    assert field_of(moved) == "scheduled_at"
    assert (
        rep.get(f"/api/v1/posts/{later['id']}").get_json()["scheduled_at"] == later["scheduled_at"]
    )


def test_a_past_give_is_recorded_as_published_and_only_recently(rep):
    audience = make_audience(rep)
    assert give(rep, audience["id"], iso(-3), status="published")["status"] == "published"
    old = post(rep, audience["id"], "give", "2020-01-01T09:00", status="published")
    assert field_of(old) == "scheduled_at"
    assert old.get_json()["errors"][0]["message"] == (
        "This audience records published posts up to 30 days back; Wed 1 January 2020, 09:00 "
        "(Europe/Berlin) is older. An admin can raise the limit in the audience's policy."
    )
    assert field_of(post(rep, audience["id"], "give", iso(-45), status="published"))
    url = f"/api/v1/audiences/{audience['id']}"
    loosened = rep.patch(url, json={"policy": {"record_published_within_days": 60}})
    assert loosened.get_json()["policy"]["record_published_within_days"] == 60
    assert give(rep, audience["id"], iso(-45), status="published")["status"] == "published"
    too_far = rep.patch(url, json={"policy": {"record_published_within_days": 5000}})
    assert field_of(too_far) == "policy.record_published_within_days"


def test_a_scheduled_post_whose_time_passed_shows_as_overdue(rep):
    audience = make_audience(rep)
    # A minute ago is still accepted (a form takes a while), and is already overdue.
    late = give(rep, audience["id"], iso(hours=-1 / 60))
    coming = give(rep, audience["id"], iso(2))
    shared = give(rep, audience["id"], iso(-1), status="published")
    assert late["overdue"] is True
    assert (coming["overdue"], shared["overdue"]) == (False, False)
    listed = rep.get(f"/api/v1/audiences/{audience['id']}/posts").get_json()["items"]
    assert {p["id"]: p["overdue"] for p in listed} == {
        late["id"]: True,
        coming["id"]: False,
        shared["id"]: False,
    }
    marked = rep.patch(f"/api/v1/posts/{late['id']}", json={"status": "published"})
    assert marked.get_json()["overdue"] is False


def test_gives_older_than_the_lookback_do_not_cover_an_ask(rep):
    audience = make_audience(rep, policy={"gives_lookback_days": 7})
    assert audience["policy"]["gives_lookback_days"] == 7
    for days_ago in (10, 9, 8):
        give(rep, audience["id"], iso(-days_ago), status="published")
    refusal = ask(rep, audience["id"], iso(hours=2))
    assert refusal.status_code == 409
    body = refusal.get_json()
    assert body["violations"][0]["gives_counted"] == 0
    assert body["violations"][0]["gives_lookback_days"] == 7
    assert "within 7 days before it" in body["detail"]
    standing = rep.get(f"/api/v1/audiences/{audience['id']}/ratio").get_json()
    assert (standing["gives_since_last_ask"], standing["gives_lookback_days"]) == (0, 7)
    assert standing["earliest_next_ask_at"] is None


def test_the_default_lookback_lets_a_quarterly_cadence_with_three_gives_per_ask_work(rep):
    audience = make_audience(
        rep, cadence={"frequency": "quarterly", "week": 1, "weekday": "TU", "time": "09:00"}
    )
    assert audience["policy"]["gives_lookback_days"] == 365
    for months in (3, 6, 9):
        give(rep, audience["id"], iso(30 * months))
    assert ask(rep, audience["id"], iso(30 * 9 + 1)).status_code == 201


def test_an_old_acceptance_and_old_touches_do_not_buy_a_pitch_today(rep):
    """The issue's probe: three gives ten months ago, an acceptance a year ago and two touches
    200 days ago; nothing was given to the person this year, so a pitch today is refused."""
    audience = make_audience(rep, timezone="UTC", policy={"record_published_within_days": 365})
    for days_ago in (305, 304, 303):
        give(rep, audience["id"], iso(-days_ago), status="published")
    contact = add_contact(rep, audience, accepted_at=iso(-365))
    for days_ago in (200, 199):
        touch(rep, contact, iso(-days_ago))
    body = refused(direct_ask(rep, contact, iso(hours=2)))
    touches = conditions(body)["touches"]
    assert touches["touches_needed"] == 2
    assert "within 180 days" in touches["detail"]
    # Two fresh touches make it fair again.
    for days_ago in (3, 2):
        touch(rep, contact, iso(-days_ago))
    assert direct_ask(rep, contact, iso(hours=2)).status_code == 201


def test_a_touch_is_recorded_after_the_fact_only_recently(rep):
    audience = make_audience(rep, timezone="UTC")
    contact = add_contact(rep, audience, accepted_at=iso(-400))
    url = f"/api/v1/contacts/{contact['id']}/touches"
    old = rep.post(url, json={"kind": "commented", "at": iso(-45)})
    assert field_of(old) == "at"
    message = old.get_json()["errors"][0]["message"]
    assert message.startswith("This contact's audience records touches up to 30 days back; ")
    assert message.endswith(" is older. An admin can raise the limit in the audience's policy.")
    recent = touch(rep, contact, iso(-3))
    moved = rep.patch(f"{url}/{recent['id']}", json={"at": iso(-45)})
    assert field_of(moved) == "at"
    assert rep.get(url).get_json()["items"][0]["at"] == recent["at"]


def test_a_touch_of_a_contact_without_an_audience_is_recorded_up_to_the_default_days_back(rep):
    contact = add_contact(rep, accepted_at=iso(-400))
    old = rep.post(
        f"/api/v1/contacts/{contact['id']}/touches", json={"kind": "commented", "at": iso(-45)}
    )
    assert field_of(old) == "at"
    message = old.get_json()["errors"][0]["message"]
    assert message.startswith("Without an audience, touches are recorded up to 30 days back; ")
    assert message.endswith(" is older. Put the contact in an audience whose policy allows more.")
