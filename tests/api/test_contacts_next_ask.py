"""What a contact says about the next one-to-one ask when both rules judge it: the person's
relationship guard (``stage``, ``next_ask``) and the audience's give-before-ask rule."""

import datetime as dt

import pytest

from tests.api.helpers import add_contact, direct_ask, iso, touch
from tests.helpers import give, make_audience, statements_run


def at(text):
    return dt.datetime.fromisoformat(text)


def minutes(text, n):
    return (at(text) + dt.timedelta(minutes=n)).isoformat()


@pytest.fixture
def audience(rep):
    return make_audience(rep, timezone="UTC", policy={"gives_per_ask": 3})


def contact_of(caller, contact):
    return caller.get(f"/api/v1/contacts/{contact['id']}").get_json()


def ratio(caller, audience):
    return caller.get(f"/api/v1/audiences/{audience['id']}/ratio").get_json()


@pytest.fixture
def befriended(rep, audience):
    """Connected a month ago and touched twice since: the relationship is ready for an ask."""
    contact = add_contact(rep, audience, accepted_at=iso(-30))
    touch(rep, contact, iso(-20))
    touch(rep, contact, iso(-10))
    return contact


def test_ready_to_ask_says_the_audience_rule_still_refuses_and_no_date_passes(
    rep, audience, befriended
):
    shown = contact_of(rep, befriended)
    # The stage stays about the relationship (the team's funnel and the filter count it) ...
    assert shown["stage"] == "ready_to_ask" and shown["next_ask"] == []
    listed = rep.get("/api/v1/contacts?stage=ready_to_ask").get_json()["items"]
    assert [c["id"] for c in listed] == [befriended["id"]]
    # ... while the contact says an ask cannot go out yet, and why.
    assert shown["earliest_ask_at"] is None
    blocked = shown["audience_rule"]
    assert blocked["satisfied_on"] is None and blocked["gives_needed"] == 3
    assert "schedule 3 value posts" in blocked["detail"] and "CFOs" in blocked["detail"]
    assert ratio(rep, audience)["earliest_next_ask_at"] is None
    for when in (iso(hours=1), f"{dt.date.today().year + 1}-01-10T12:00:00+00:00"):
        refused = direct_ask(rep, befriended, when, "offer")
        assert refused.status_code == 409
        assert refused.get_json()["type"] == "/problems/give-before-ask"
    listed = rep.get("/api/v1/contacts").get_json()["items"]
    assert listed[0]["audience_rule"] == blocked and listed[0]["earliest_ask_at"] is None


def test_once_value_posts_are_planned_the_contact_names_the_first_date_an_ask_passes(
    rep, audience, befriended
):
    for days in (1, 2, 3):
        give(rep, audience["id"], iso(days))
    shown = contact_of(rep, befriended)
    earliest = ratio(rep, audience)["earliest_next_ask_at"]
    assert at(earliest) == at(iso(3)) + dt.timedelta(minutes=1)
    assert at(shown["earliest_ask_at"]) == at(earliest)
    assert at(shown["audience_rule"]["satisfied_on"]) == at(earliest)
    assert shown["audience_rule"]["gives_needed"] == 0
    assert shown["stage"] == "ready_to_ask" and shown["next_ask"] == []
    assert direct_ask(rep, befriended, minutes(earliest, -1)).status_code == 409
    assert direct_ask(rep, befriended, shown["earliest_ask_at"]).status_code == 201


def test_the_earliest_ask_waits_for_both_rules(rep, audience):
    """Value posts are out, but the person connected three days ago: the person's date wins."""
    for days in (9, 8, 7):
        give(rep, audience["id"], iso(-days), status="published")
    accepted = iso(-3)
    contact = add_contact(rep, audience, accepted_at=accepted)
    touch(rep, contact, iso(-2))
    touch(rep, contact, iso(-1))
    shown = contact_of(rep, contact)
    assert shown["stage"] == "engaged" and shown["audience_rule"] is None
    assert at(shown["earliest_ask_at"]) == at(accepted) + dt.timedelta(days=14)
    assert direct_ask(rep, contact, minutes(shown["earliest_ask_at"], -1)).status_code == 409
    assert direct_ask(rep, contact, shown["earliest_ask_at"]).status_code == 201


def test_when_both_rules_pass_now_the_earliest_ask_is_now(rep, audience, befriended):
    for days in (9, 8, 7):
        give(rep, audience["id"], iso(-days), status="published")
    before = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    shown = contact_of(rep, befriended)
    assert shown["audience_rule"] is None and shown["next_ask"] == []
    assert before <= at(shown["earliest_ask_at"]) <= dt.datetime.now(dt.UTC)


def test_a_contact_without_an_audience_says_it_needs_one(rep):
    contact = add_contact(rep, accepted_at=iso(-30))
    shown = contact_of(rep, contact)
    assert shown["earliest_ask_at"] is None
    assert "audience" in shown["audience_rule"]["detail"]


# ---------------------------------------------------------------- acceptances in the future


def refused_on(response, field):
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"
    [error] = response.get_json()["errors"]
    assert error["field"] == field
    return error["message"]


def test_an_acceptance_in_the_future_is_refused_on_create_and_edit(rep, audience):
    body = {"name": "Fut", "audience_id": audience["id"], "accepted_at": "2100-01-01T00:00Z"}
    message = refused_on(rep.post("/api/v1/contacts", json=body), "accepted_at")
    assert "2100-01-01" in message and "not happened yet" in message
    tomorrow = {**body, "accepted_at": iso(1)}
    refused_on(rep.post("/api/v1/contacts", json=tomorrow), "accepted_at")
    assert rep.get("/api/v1/contacts").get_json()["total"] == 0

    contact = add_contact(rep, audience, accepted_at=iso(0))  # now: recorded as it happens
    url = f"/api/v1/contacts/{contact['id']}"
    refused_on(rep.patch(url, json={"accepted_at": iso(2)}), "accepted_at")
    assert rep.get(url).get_json()["accepted_at"] == contact["accepted_at"]


def test_an_imported_row_connected_in_the_future_is_skipped_on_accepted_at(rep, audience):
    from tests.api.helpers import upload

    data = (
        b"name,profile_url,company,title,accepted_at\n"
        b"Ana Lima,https://www.linkedin.com/in/ana,Initech,CFO,2026-01-05\n"
        b"Bo Chen,https://www.linkedin.com/in/bo,Hooli,CTO,2100-01-01\n"
    )
    response = upload(rep, data, filename="contacts.csv", audience_id=audience["id"])
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    assert [r["name"] for r in answer["created"]] == ["Ana Lima"]
    [skip] = answer["skipped"]
    assert (skip["line"], skip["field"]) == (3, "accepted_at")
    assert "2100-01-01" in skip["reason"] and "not happened yet" in skip["reason"]


def test_an_acceptance_stored_ahead_before_the_check_may_be_sent_back_unchanged(app, rep):
    from tests.api.helpers import store_acceptance

    contact = add_contact(rep)
    store_acceptance(app, contact, "2053-01-01T09:00")
    url = f"/api/v1/contacts/{contact['id']}"
    same = rep.patch(url, json={"accepted_at": "2053-01-01T09:00:00+00:00", "title": "COO"})
    assert same.status_code == 200, same.get_json()
    refused_on(rep.patch(url, json={"accepted_at": "2053-01-02T09:00"}), "accepted_at")


def test_the_list_reads_the_calendar_once_however_many_minutes_its_people_wait_for(
    app, rep, audience
):
    """Each person connected at another minute, so each earliest ask is another moment the
    audience rule is asked about: the rep's calendar is read once for all of them (it was
    read again at each moment: 800 statements for 200 people), and the dates still pass."""
    for days in (9, 8, 7):
        give(rep, audience["id"], iso(-days), status="published")
    now = dt.datetime.now(dt.UTC)

    def calendar_reads() -> tuple[int, list[dict]]:
        with statements_run(app.extensions["planner_db"].engine) as statements:
            listed = rep.get(f"/api/v1/contacts?audience_id={audience['id']}").get_json()
        return sum(1 for s in statements if "FROM posts" in s), listed["items"]

    for hours in range(1, 5):
        accepted = now - dt.timedelta(days=3, hours=hours)
        contact = add_contact(
            rep, audience, name=f"Wendy {hours}", accepted_at=accepted.isoformat()
        )
        touch(rep, contact, iso(-2))
        touch(rep, contact, iso(-1))
        if hours == 1:
            one, _ = calendar_reads()
    four, listed = calendar_reads()
    assert four == one
    dates = {at(c["earliest_ask_at"]) for c in listed}
    assert len(dates) == 4 and min(dates) > now + dt.timedelta(days=10)
    first = min(listed, key=lambda c: c["earliest_ask_at"])
    assert direct_ask(rep, first, minutes(first["earliest_ask_at"], -1)).status_code == 409
    assert direct_ask(rep, first, first["earliest_ask_at"]).status_code == 201
