"""Contacts and the relationship guard, as a rep meets them through the API."""

import datetime as dt

import pytest

from schedules.models import Contact
from tests.api.helpers import (
    CONNECT_POLICY,
    add_contact,
    conditions,
    direct_ask,
    refused,
    store_acceptance,
    touch,
)
from tests.helpers import give, make_audience, post, statements_run

PERSONAL_NOTE = "Ana, good to meet you at the CFO breakfast; your point on pricing stuck with me."


@pytest.fixture
def audience(rep):
    return make_audience(rep, timezone="UTC", policy=CONNECT_POLICY)


def contact_of(caller, contact):
    return caller.get(f"/api/v1/contacts/{contact['id']}").get_json()


# Day 0 of the histories below, ten days ago: touches are recorded after the fact (days 4 and
# 7 have passed), while gives and asks from day 12 on are still to come.
DAY0 = (dt.datetime.now(dt.UTC) - dt.timedelta(days=10)).replace(
    hour=9, minute=0, second=0, microsecond=0
)


def day(n: int, hour: int = 9) -> str:
    return (DAY0 + dt.timedelta(days=n, hours=hour - 9)).isoformat()


@pytest.fixture
def ready(rep, audience):
    """Accepted on day 0, touched on days 4 and 7, a give on the calendar on day 19."""
    contact = add_contact(rep, audience, accepted_at=day(0))
    touch(rep, contact, day(4, 10))
    touch(rep, contact, day(7, 10), kind="shared_article")
    give(rep, audience["id"], day(19))
    return contact


# ---------------------------------------------------------------- contacts


def test_a_contact_is_created_read_edited_and_deleted(rep, audience):
    contact = add_contact(
        rep,
        audience,
        profile_url="https://www.linkedin.com/in/ana-lima",
        decision_maker=True,
        relationship="met_in_person",
        notes="Met at the CFO breakfast.",
    )
    assert contact["stage"] == "new"
    assert contact["decision_maker"] is True and contact["relationship"] == "met_in_person"
    assert contact["next_ask"][0]["condition"] == "connected"
    url = f"/api/v1/contacts/{contact['id']}"
    assert rep.get(url).get_json() == contact
    edited = rep.patch(url, json={"title": "COO", "relationship": "client"}).get_json()
    assert (edited["title"], edited["relationship"], edited["company"]) == (
        "COO",
        "client",
        "Initech",
    )
    deleted = rep.delete(url)
    assert deleted.status_code == 204
    assert "Content-Type" not in deleted.headers  # no body, nothing to type
    assert rep.get(url).status_code == 404


def test_an_edit_that_renames_no_one_reads_the_contact_once(app, rep, audience):
    """Only a new name or company (calendar events name them) or a new profile or rep (twins)
    needs the contact read before its lock; notes or a stage do not."""
    contact = add_contact(rep, audience, name="Ada Byron", company="Analytical")
    url = f"/api/v1/contacts/{contact['id']}"

    def contact_reads(change: dict) -> int:
        with statements_run(app.extensions["planner_db"].engine) as statements:
            response = rep.patch(url, json=change)
        assert response.status_code == 200, response.get_json()
        return sum(1 for s in statements if "FROM contacts" in s and "contacts.name" in s)

    assert contact_reads({"notes": "Met at SaaStr", "relationship": "client"}) == 1
    assert contact_reads({"name": "Ada Lovelace"}) == 2
    assert rep.get(url).get_json()["name"] == "Ada Lovelace"


def test_the_same_profile_twice_is_a_conflict_on_the_profile_url(rep):
    add_contact(rep, profile_url="https://www.linkedin.com/in/ana-lima")
    response = rep.post(
        "/api/v1/contacts",
        json={"name": "Ana L.", "profile_url": "https://www.linkedin.com/in/ana-lima"},
    )
    assert response.status_code == 409
    assert response.get_json()["errors"][0]["field"] == "profile_url"


@pytest.mark.parametrize(
    "spelling",
    [
        "http://www.linkedin.com/in/Ann/",
        "https://LINKEDIN.com/in/ann?trk=public_profile",
        "https://www.linkedin.com/in/ANN#about",
        "https://de.linkedin.com/in/ann/",
    ],
)
def test_the_same_profile_however_pasted_is_a_conflict_on_create_and_edit(rep, spelling):
    add_contact(rep, profile_url="https://linkedin.com/in/ann")
    created = rep.post("/api/v1/contacts", json={"name": "Ann dup", "profile_url": spelling})
    assert created.status_code == 409
    assert created.get_json()["errors"][0]["field"] == "profile_url"
    other = add_contact(rep, name="Bo", profile_url="https://linkedin.com/in/bo")
    edited = rep.patch(f"/api/v1/contacts/{other['id']}", json={"profile_url": spelling})
    assert edited.status_code == 409
    assert rep.get("/api/v1/contacts").get_json()["total"] == 2


def test_a_twin_stored_before_twins_were_refused_can_still_be_edited(rep, writer):
    ann = add_contact(rep, profile_url="https://linkedin.com/in/ann")
    with writer() as session:
        first = session.get(Contact, ann["id"])
        twin = Contact(workspace_id=first.workspace_id, owner_id=first.owner_id, name="Ann",
                       profile_url="https://www.linkedin.com/in/Ann/")  # fmt: skip
        session.add(twin)
        session.commit()
        twin_id = twin.id
    edited = rep.patch(f"/api/v1/contacts/{twin_id}", json={"notes": "Met at SaaStr"})
    assert edited.status_code == 200, edited.get_json()


CONTACT_ERRORS = [
    ({"name": ""}, "name"),
    ({"name": "   "}, "name"),
    ({"name": "x" * 201}, "name"),
    ({"profile_url": "javascript:alert(1)"}, "profile_url"),
    ({"relationship": "best_friend"}, "relationship"),
    ({"decision_maker": "maybe"}, "decision_maker"),
    ({"decision_maker": "yes"}, "decision_maker"),  # JSON has true and false for that
    ({"decision_maker": 1}, "decision_maker"),
    ({"audience_id": 999999}, "audience_id"),
    ({"accepted_at": "after lunch-ish"}, "accepted_at"),
    ({"notes": "x" * 5001}, "notes"),
    ({"stage": "asked"}, "stage"),
]


@pytest.mark.parametrize(("change", "field"), CONTACT_ERRORS)
def test_each_contact_field_is_validated(rep, change, field):
    response = rep.post("/api/v1/contacts", json={"name": "Ana Lima", **change})
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"
    assert field in [e["field"] for e in response.get_json()["errors"]]
    assert rep.get("/api/v1/contacts").get_json()["total"] == 0


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("touches", {"kind": "liked", "at": day(4)}, "kind"),
        ("touches", {"kind": "met"}, "at"),
        ("touches", {"kind": "met", "at": day(4), "post_id": 999999}, "post_id"),
        ("touches", {"kind": "met", "post_id": "ask"}, "post_id"),
        ("asks", {"type": "other", "scheduled_at": "2053-02-01T09:00"}, "type"),
        ("asks", {"type": "offer"}, "scheduled_at"),
        ("asks", {"type": "offer", "scheduled_at": "soon-ish"}, "scheduled_at"),
        ("connection-request", {}, "note"),
    ],
)
def test_touch_ask_and_request_fields_are_validated(rep, audience, url, body, field):
    contact = add_contact(rep, audience)
    if body.get("post_id") == "ask":
        draft = rep.post(
            f"/api/v1/audiences/{audience['id']}/posts",
            json={"kind": "ask", "type": "offer", "title": "Offer", "status": "draft"},
        )
        body = {**body, "post_id": draft.get_json()["id"]}
    response = rep.post(f"/api/v1/contacts/{contact['id']}/{url}", json=body)
    assert response.status_code == 422, response.get_json()
    assert field in [e["field"] for e in response.get_json()["errors"]]


def test_a_touch_linked_to_a_draft_is_refused_on_the_post_it_names(rep, audience):
    contact = add_contact(rep, audience)
    url = f"/api/v1/contacts/{contact['id']}/touches"
    for scheduled_at in (None, day(12)):
        draft = post(rep, audience["id"], "give", scheduled_at, status="draft").get_json()
        response = rep.post(url, json={"kind": "shared_article", "post_id": draft["id"]})
        assert response.status_code == 422, response.get_json()
        [error] = response.get_json()["errors"]
        assert error["field"] == "post_id"
        assert error["message"].startswith(f"Post {draft['id']} is not scheduled")
    assert rep.get(url).get_json()["items"] == []


@pytest.mark.parametrize("query", ["stage=hot", "limit=0", "audience_id=x"])
def test_list_filters_are_validated(rep, query):
    assert rep.get(f"/api/v1/contacts?{query}").status_code == 422


def test_an_audience_policy_shows_the_relationship_guard_defaults(rep):
    policy = make_audience(rep)["policy"]
    assert policy == {
        "preset": None,
        "gives_per_ask": 3,
        "min_days_between_asks": 30,
        "min_days_after_connect": 14,
        "touches_per_ask": 2,
        "gives_lookback_days": 365,
        "touches_lookback_days": 180,
        "record_published_within_days": 30,
    }


@pytest.mark.parametrize(
    ("policy", "field"),
    [
        ({"touches_per_ask": 0}, "touches_per_ask"),
        ({"min_days_after_connect": -1}, "min_days_after_connect"),
    ],
)
def test_relationship_policy_fields_are_validated(rep, policy, field):
    response = rep.post("/api/v1/audiences", json={"name": "CFOs", "policy": policy})
    assert response.status_code == 422
    assert f"policy.{field}" in [e["field"] for e in response.get_json()["errors"]]


def test_a_touch_linked_to_a_give_takes_its_date(rep, audience):
    contact = add_contact(rep, audience)
    shared = give(rep, audience["id"], "2053-01-06T09:00")
    response = rep.post(
        f"/api/v1/contacts/{contact['id']}/touches",
        json={"kind": "shared_article", "post_id": shared["id"], "note": "Tagged her"},
    )
    assert response.status_code == 201
    assert response.get_json()["at"] == "2053-01-06T09:00:00+00:00"
    assert response.get_json()["post_id"] == shared["id"]


def test_a_touch_is_recorded_after_it_happened_unless_it_is_a_planned_give(rep, audience):
    """A touch still to come cannot earn an ask: dated ahead it is a 422 on ``at`` (five
    minutes of clock skew allowed), unless it is a give planned for the person."""
    contact = add_contact(rep, audience, accepted_at=day(0))
    url = f"/api/v1/contacts/{contact['id']}/touches"
    now = dt.datetime.now(dt.UTC)
    for at in (now + dt.timedelta(hours=1), now + dt.timedelta(days=400)):
        response = rep.post(url, json={"kind": "met", "at": at.isoformat()})
        assert response.status_code == 422, response.get_json()
        [error] = response.get_json()["errors"]
        assert error["field"] == "at" and "is still to come; record it then" in error["message"]
    skewed = touch(rep, contact, (now + dt.timedelta(minutes=4)).isoformat())
    planned = link_touch(rep, contact, give(rep, audience["id"], day(19)))
    assert rep.get(planned).get_json()["at"] == day(19)
    ahead = {"at": (now + dt.timedelta(days=2)).isoformat()}
    moved = rep.patch(f"{url}/{skewed['id']}", json=ahead)
    assert moved.status_code == 422 and moved.get_json()["errors"][0]["field"] == "at"
    unlinked = rep.patch(planned, json={"post_id": None})
    assert unlinked.status_code == 422 and unlinked.get_json()["errors"][0]["field"] == "at"
    assert [t["at"] for t in rep.get(url).get_json()["items"]] == [skewed["at"], day(19)]


# ---------------------------------------------------------------- connection requests


def request_connection(caller, contact, note):
    return caller.post(
        f"/api/v1/contacts/{contact['id']}/connection-request",
        json={"note": note, "requested_at": "2024-12-20T09:00"},
    )


@pytest.mark.parametrize(
    "note",
    [
        "I'd like to add you to my professional network on LinkedIn.",
        "Hi Ana, I'd like to add you to my professional network on LinkedIn. - Pat",
        "ana -- I'D LIKE TO JOIN YOUR LINKEDIN NETWORK!!",
        "Hi Ana Lima, I'd like to connect with you on LinkedIn.",
        "Let's connect.",
        "Dear Ms. Lima, I would like to connect with you. Best regards, Pat",
    ],
)
def test_a_stock_invitation_is_refused_with_the_reason_personal_notes_work(rep, note):
    contact = add_contact(rep)
    response = request_connection(rep, contact, note)
    assert response.status_code == 422
    body = response.get_json()
    assert body["errors"][0]["field"] == "note"
    assert "stock invitation" in body["errors"][0]["message"]
    assert "personal note" in body["detail"] and "why you" in body["detail"]
    assert contact_of(rep, contact)["stage"] == "new"


STOCK_ADD = "I'd like to add you to my professional network on LinkedIn."


@pytest.mark.parametrize(
    ("name", "note"),
    [
        ("Dana Whitfield", f"Hi there, {STOCK_ADD}"),
        ("Dana Whitfield", f"Hi Danny, {STOCK_ADD}"),
        (
            "\u062f\u0627\u0646\u0627 \u0648\u064a\u062a\u0641\u064a\u0644\u062f",
            f"Hi Dana, {STOCK_ADD}",
        ),
        (
            "Dana Whitfield",
            "Hey Dana \U0001f44b I\u2019d like to join your LinkedIn network! Best, Sam",
        ),
    ],
)
def test_the_stock_invitation_is_refused_whatever_greets_or_signs_it(rep, name, note):
    contact = add_contact(rep, name=name)
    response = request_connection(rep, contact, note)
    assert response.status_code == 422, response.get_json()
    [error] = response.get_json()["errors"]
    assert error["field"] == "note"
    assert error["message"].startswith("This is the network's stock invitation text.")
    assert contact_of(rep, contact)["requested_at"] is None


@pytest.mark.parametrize(
    "note",
    [
        f"Hi Dana, great to meet you at the CFO network breakfast. {STOCK_ADD}",
        "Hi Dana, loved your LinkedIn post on usage pricing - I'd like to connect.",
        # "Glad to meet you at the Riyadh conference", in Arabic.
        "\u0633\u0639\u062f\u062a \u0628\u0644\u0642\u0627\u0626\u0643 \u0641\u064a "
        "\u0645\u0624\u062a\u0645\u0631 \u0627\u0644\u0631\u064a\u0627\u0636",
    ],
)
def test_a_personal_note_is_recorded_even_if_it_borrows_the_stock_words(rep, note):
    contact = add_contact(rep, name="Dana Whitfield")
    response = request_connection(rep, contact, note)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["request_note"] == note


@pytest.mark.parametrize("note", [None, "", "   ", "Hi Ana"])
def test_a_request_without_a_personal_note_is_refused(rep, note):
    contact = add_contact(rep)
    response = request_connection(rep, contact, note)
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "note"
    assert contact_of(rep, contact)["requested_at"] is None


def test_a_personal_request_is_recorded_and_acceptance_is_set_by_the_rep(rep, audience):
    contact = add_contact(rep, audience)
    response = request_connection(rep, contact, PERSONAL_NOTE)
    assert response.status_code == 200
    recorded = response.get_json()
    assert recorded["request_note"] == PERSONAL_NOTE
    assert recorded["requested_at"] == "2024-12-20T09:00:00+00:00"
    assert recorded["stage"] == "requested"
    url = f"/api/v1/contacts/{contact['id']}"
    too_early = rep.patch(url, json={"accepted_at": "2024-12-19T09:00"})
    assert too_early.status_code == 422
    assert too_early.get_json()["errors"][0]["field"] == "accepted_at"
    accepted = rep.patch(url, json={"accepted_at": "2025-01-01T09:00"}).get_json()
    assert accepted["accepted_at"] == "2025-01-01T09:00:00+00:00"
    assert accepted["stage"] == "connected"
    again = request_connection(rep, contact, PERSONAL_NOTE)
    assert again.status_code == 409
    assert [e["field"] for e in again.get_json()["errors"]] == ["accepted_at"]


# ---------------------------------------------------------------- stages


def iso(days_ago: float) -> str:
    at = dt.datetime.now(dt.UTC) - dt.timedelta(days=days_ago)
    return at.replace(microsecond=0).isoformat()


def stages_listed(rep, stage):
    body = rep.get(f"/api/v1/contacts?stage={stage}").get_json()
    return [c["name"] for c in body["items"]], body["total"]


def test_stages_follow_the_history_and_filter_the_list(rep, audience):
    contact = add_contact(rep, audience, name="Ana Lima")
    add_contact(rep, audience, name="Bo Chen")
    url = f"/api/v1/contacts/{contact['id']}"
    assert request_connection(rep, contact, PERSONAL_NOTE).status_code == 200
    assert contact_of(rep, contact)["stage"] == "requested"
    assert stages_listed(rep, "new") == (["Bo Chen"], 1)

    rep.patch(url, json={"accepted_at": iso(40)})
    assert contact_of(rep, contact)["stage"] == "connected"
    first = touch(rep, contact, iso(29))
    engaged = contact_of(rep, contact)
    assert engaged["stage"] == "engaged"
    assert conditions({"conditions": engaged["next_ask"]})["touches"]["touches_needed"] == 1
    touch(rep, contact, iso(25))
    assert contact_of(rep, contact)["stage"] == "ready_to_ask"
    assert contact_of(rep, contact)["next_ask"] == []
    assert stages_listed(rep, "ready_to_ask") == (["Ana Lima"], 1)

    give(rep, audience["id"], iso(22), status="published")
    asked = direct_ask(rep, contact, iso(-1))
    assert asked.status_code == 201
    # Sent already: recorded as published on the day it went out.
    moved = {"status": "published", "scheduled_at": iso(20)}
    assert rep.patch(f"/api/v1/posts/{asked.get_json()['id']}", json=moved).status_code == 200
    assert contact_of(rep, contact)["stage"] == "asked"
    assert stages_listed(rep, "asked") == (["Ana Lima"], 1)
    assert stages_listed(rep, "ready_to_ask") == ([], 0)
    touch(rep, contact, iso(10))
    assert contact_of(rep, contact)["stage"] == "engaged"  # giving again after the ask
    assert rep.delete(f"{url}/touches/{first['id']}").status_code == 409


def test_a_pending_ask_keeps_the_person_asked(rep, audience):
    contact = add_contact(rep, audience, accepted_at=iso(20))
    touch(rep, contact, iso(10))
    touch(rep, contact, iso(5))
    give(rep, audience["id"], iso(3), status="published")
    assert direct_ask(rep, contact, iso(-10)).status_code == 201
    assert contact_of(rep, contact)["stage"] == "asked"


# ---------------------------------------------------------------- one-to-one asks


def test_an_ask_to_someone_who_has_not_accepted_is_refused(rep, audience):
    contact = add_contact(rep, audience)
    give(rep, audience["id"], "2053-01-20T09:00")
    body = refused(direct_ask(rep, contact, "2053-02-01T09:00"))
    found = conditions(body)
    assert set(found) == {"connected"}
    assert found["connected"]["satisfied_on"] is None
    assert "not accepted" in found["connected"]["detail"]
    assert "Not yet a fair ask" in body["detail"]


def test_a_pitch_seconds_after_acceptance_is_refused_with_dates_and_touches(app, rep, audience):
    contact = add_contact(rep, audience)
    # An acceptance dated ahead, as stored before future acceptances were refused.
    store_acceptance(app, contact, "2053-01-01T09:00")
    give(rep, audience["id"], "2052-12-31T09:00")
    body = refused(direct_ask(rep, contact, "2053-01-01T09:00:30"))
    found = conditions(body)
    assert set(found) == {"days_after_connect", "touches"}
    assert found["days_after_connect"]["satisfied_on"] == "2053-01-15T09:00:00+00:00"
    assert "reads as the reason you connected" in found["days_after_connect"]["detail"]
    assert found["touches"]["touches_needed"] == 2
    assert found["touches"]["post_id"] is None and found["touches"]["contact_id"] == contact["id"]
    assert "violations" not in body
    assert rep.get(f"/api/v1/contacts/{contact['id']}/asks").get_json()["total"] == 0


def test_too_few_touches_says_how_many_more(rep, audience):
    contact = add_contact(rep, audience, accepted_at=day(0))
    touch(rep, contact, day(4, 10))
    give(rep, audience["id"], day(19))
    body = refused(direct_ask(rep, contact, day(31)))
    assert set(conditions(body)) == {"touches"}
    assert conditions(body)["touches"]["touches_needed"] == 1
    assert "has 1: give 1 more" in conditions(body)["touches"]["detail"]


def test_an_ask_is_allowed_once_the_person_and_the_audience_have_been_given_enough(rep, ready):
    response = direct_ask(rep, ready, day(31), body="Coffee next week?")
    assert response.status_code == 201, response.get_json()
    post = response.get_json()
    assert (post["kind"], post["status"], post["contact_id"]) == ("ask", "scheduled", ready["id"])
    assert post["title"] == "Meeting request: Ana Lima"
    audience_posts = rep.get(f"/api/v1/audiences/{ready['audience_id']}/posts?kind=ask")
    assert [p["id"] for p in audience_posts.get_json()["items"]] == [post["id"]]


def test_a_second_ask_to_the_person_needs_fresh_touches_and_the_spacing(rep, audience, ready):
    assert direct_ask(rep, ready, day(31)).status_code == 201
    # Touches still to come are gives planned for the person, linked to them.
    link_touch(rep, ready, give(rep, audience["id"], day(32)))
    body = refused(direct_ask(rep, ready, day(40), "referral_request"))
    found = conditions(body)
    assert found["touches"]["touches_needed"] == 1
    assert found["days_between_asks"]["satisfied_on"] == day(61)
    # The audience rule refuses it too (30 days since its last ask): both are reported.
    assert "The audience rule refuses it too" in body["detail"]
    assert body["violations"][0]["gives_required"] == 1
    link_touch(rep, ready, give(rep, audience["id"], day(50, 10)))
    assert direct_ask(rep, ready, day(61), "referral_request").status_code == 201


def test_when_only_the_audience_rule_refuses_its_own_problem_answers(rep, audience):
    contact = add_contact(rep, audience, accepted_at=day(0))
    touch(rep, contact, day(4, 10))
    touch(rep, contact, day(7, 10))
    response = direct_ask(rep, contact, day(31))
    assert response.status_code == 409
    assert response.get_json()["type"] == "/problems/give-before-ask"


def test_an_ask_needs_the_contact_to_have_an_audience(rep):
    contact = add_contact(rep, accepted_at="2025-01-01T09:00")
    response = direct_ask(rep, contact, "2053-02-01T09:00")
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "audience_id"


# ---------------------------------------------------------------- later changes


@pytest.fixture
def asked(rep, ready):
    response = direct_ask(rep, ready, day(31))
    assert response.status_code == 201
    touches = rep.get(f"/api/v1/contacts/{ready['id']}/touches").get_json()["items"]
    return ready, touches, response.get_json()


def test_deleting_a_touch_an_ask_relies_on_is_refused_until_the_ask_is_cancelled(rep, asked):
    contact, touches, post = asked
    url = f"/api/v1/contacts/{contact['id']}/touches/{touches[0]['id']}"
    body = refused(rep.delete(url))
    assert conditions(body)["touches"]["post_id"] == post["id"]
    assert conditions(body)["touches"]["touches_needed"] == 1
    assert rep.get(url).status_code == 200
    assert rep.patch(f"/api/v1/posts/{post['id']}", json={"status": "cancelled"}).status_code == 200
    assert rep.delete(url).status_code == 204


def test_re_dating_a_touch_before_the_acceptance_is_refused(rep, asked):
    contact, touches, _ = asked
    url = f"/api/v1/contacts/{contact['id']}/touches/{touches[1]['id']}"
    refused(rep.patch(url, json={"at": day(-2, 10)}))
    assert rep.get(url).get_json()["at"] == day(7, 10)
    assert rep.patch(url, json={"at": day(8, 10), "note": "Sent the report"}).status_code == 200


def test_moving_the_acceptance_later_is_refused_when_it_uncovers_the_ask(rep, audience, asked):
    contact, _, post = asked
    # An acceptance is recorded once it happened: to move it to five days ago, past the first
    # touch and within 14 days of the ask, the ask comes sooner (a published give covers it).
    give(rep, audience["id"], day(1), status="published")
    moved = rep.patch(f"/api/v1/posts/{post['id']}", json={"scheduled_at": day(15)})
    assert moved.status_code == 200, moved.get_json()
    url = f"/api/v1/contacts/{contact['id']}"
    assert rep.patch(url, json={"accepted_at": day(24)}).status_code == 422  # still to come
    body = refused(rep.patch(url, json={"accepted_at": day(5)}))
    assert {"days_after_connect", "touches"} <= set(conditions(body))
    assert contact_of(rep, contact)["accepted_at"] == day(0)
    refused(rep.patch(url, json={"accepted_at": None}))


def test_moving_or_re_kinding_a_direct_ask_through_the_posts_api_is_guarded(rep, asked):
    _, _, post = asked
    url = f"/api/v1/posts/{post['id']}"
    body = refused(rep.patch(url, json={"scheduled_at": day(12)}))
    assert conditions(body)["days_after_connect"]["post_id"] == post["id"]
    assert rep.patch(url, json={"kind": "give", "type": "tip"}).status_code in (409, 422)
    assert rep.patch(url, json={"scheduled_at": day(33)}).status_code == 200
    assert rep.patch(url, json={"title": "Coffee?"}).status_code == 200


def link_touch(caller, contact, post):
    """A touch linked to a give, dated by it (no ``at``)."""
    url = f"/api/v1/contacts/{contact['id']}/touches"
    response = caller.post(url, json={"kind": "shared_article", "post_id": post["id"]})
    assert response.status_code == 201, response.get_json()
    return f"{url}/{response.get_json()['id']}"


@pytest.fixture
def linked(rep, audience):
    """An ask on day 31 that stands on a touch linked to a give planned for day 12."""
    contact = add_contact(rep, audience, accepted_at=day(0))
    touch(rep, contact, day(4, 10))
    shared = give(rep, audience["id"], day(12, 10))
    touch_url = link_touch(rep, contact, shared)
    give(rep, audience["id"], day(19))
    response = direct_ask(rep, contact, day(31))
    assert response.status_code == 201
    return contact, touch_url, f"/api/v1/posts/{shared['id']}", response.get_json()


def test_a_touch_linked_to_a_give_moves_with_it_but_not_past_the_ask(rep, linked):
    _, touch_url, give_url, ask_post = linked
    body = refused(rep.patch(give_url, json={"scheduled_at": day(33, 10)}))
    assert conditions(body)["touches"]["post_id"] == ask_post["id"]
    assert rep.get(give_url).get_json()["scheduled_at"] == day(12, 10)
    assert rep.get(touch_url).get_json()["at"] == day(12, 10)
    assert rep.patch(give_url, json={"scheduled_at": day(14, 12)}).status_code == 200
    assert rep.get(touch_url).get_json()["at"] == day(14, 12)


def test_a_touch_linked_to_a_give_goes_when_the_give_is_cancelled_or_deleted(rep, audience, linked):
    contact, touch_url, give_url, ask_post = linked
    refused(rep.patch(give_url, json={"status": "cancelled"}))
    refused(rep.delete(give_url))
    assert rep.get(touch_url).status_code == 200
    assert rep.get(give_url).get_json()["status"] == "scheduled"
    # Once the ask is cancelled nothing stands on the touch: it leaves with its give.
    ask_url = f"/api/v1/posts/{ask_post['id']}"
    assert rep.patch(ask_url, json={"status": "cancelled"}).status_code == 200
    assert rep.patch(give_url, json={"status": "cancelled"}).status_code == 200
    assert rep.get(touch_url).status_code == 404
    other = give(rep, audience["id"], day(13, 10))
    second_url = link_touch(rep, contact, other)
    assert rep.delete(f"/api/v1/posts/{other['id']}").status_code == 204
    assert rep.get(second_url).status_code == 404
    touches = rep.get(f"/api/v1/contacts/{contact['id']}/touches").get_json()["items"]
    assert [t["at"] for t in touches] == [day(4, 10)]


def test_a_touch_is_not_linked_to_a_cancelled_give(rep, audience):
    contact = add_contact(rep, audience)
    shared = give(rep, audience["id"], "2053-01-06T09:00")
    cancelled = rep.patch(f"/api/v1/posts/{shared['id']}", json={"status": "cancelled"})
    assert cancelled.status_code == 200
    url = f"/api/v1/contacts/{contact['id']}/touches"
    response = rep.post(url, json={"kind": "shared_article", "post_id": shared["id"]})
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "post_id"
    assert rep.get(url).get_json()["items"] == []


def test_deleting_an_audience_takes_the_touches_of_its_gives_not_yet_out_and_keeps_the_rest(
    rep, audience
):
    """A give that went out did reach the person; one that now never will must stop counting,
    and is refused like cancelling it while an ask (on another audience) relies on it."""
    contact = add_contact(rep, audience, accepted_at=iso(20))
    other = make_audience(rep, name="COOs", timezone="UTC", policy=CONNECT_POLICY)
    went_out = link_touch(rep, contact, give(rep, other["id"], iso(3), status="published"))
    not_yet = link_touch(rep, contact, give(rep, other["id"], iso(-2)))
    give(rep, audience["id"], iso(-3))
    assert direct_ask(rep, contact, iso(-5)).status_code == 201
    url = f"/api/v1/audiences/{other['id']}"

    body = refused(rep.delete(url))
    assert conditions(body)["touches"]["touches_needed"] == 1
    assert rep.get(not_yet).status_code == 200

    touch(rep, contact, iso(1))
    assert rep.delete(url).status_code == 204
    assert rep.get(not_yet).status_code == 404
    assert rep.get(went_out).get_json()["post_id"] is None


def test_an_audience_whose_own_ask_relies_on_its_give_is_deleted_with_both(rep, linked):
    contact, touch_url, _, ask_post = linked
    assert rep.delete(f"/api/v1/audiences/{contact['audience_id']}").status_code == 204
    assert rep.get(touch_url).status_code == 404
    assert rep.get(f"/api/v1/posts/{ask_post['id']}").status_code == 404


def test_a_stricter_audience_policy_that_uncovers_a_direct_ask_is_refused(rep, asked):
    contact, _, _ = asked
    url = f"/api/v1/audiences/{contact['audience_id']}"
    body = refused(rep.patch(url, json={"policy": {"touches_per_ask": 3}}))
    assert conditions(body)["touches"]["touches_needed"] == 1
    assert rep.get(url).get_json()["policy"]["touches_per_ask"] == 2
    assert rep.patch(url, json={"policy": {"min_days_after_connect": 40}}).status_code == 409
    assert rep.patch(url, json={"policy": {"min_days_after_connect": 7}}).status_code == 200


def test_a_contact_with_a_scheduled_ask_cannot_change_audience(rep, asked):
    contact, _, _ = asked
    other = make_audience(rep, name="COOs")
    response = rep.patch(f"/api/v1/contacts/{contact['id']}", json={"audience_id": other["id"]})
    assert response.status_code == 409
    assert response.get_json()["errors"][0]["field"] == "audience_id"


def test_deleting_a_contact_takes_its_asks_off_the_audience_calendar(rep, asked):
    contact, _, post = asked
    assert rep.delete(f"/api/v1/contacts/{contact['id']}").status_code == 204
    assert rep.get(f"/api/v1/posts/{post['id']}").status_code == 404


# ---------------------------------------------------------------- workspaces


def test_other_workspaces_contacts_answer_404_and_change_nothing(rep, outsider, asked):
    contact, touches, post = asked
    url = f"/api/v1/contacts/{contact['id']}"
    touch_url = f"{url}/touches/{touches[0]['id']}"
    attempts = [
        outsider.get(url),
        outsider.patch(url, json={"name": "Hijacked"}),
        outsider.delete(url),
        outsider.post(f"{url}/connection-request", json={"note": PERSONAL_NOTE}),
        outsider.get(f"{url}/touches"),
        outsider.post(f"{url}/touches", json={"kind": "met", "at": "2053-01-09"}),
        outsider.get(touch_url),
        outsider.patch(touch_url, json={"note": "x"}),
        outsider.delete(touch_url),
        outsider.get(f"{url}/asks"),
        outsider.post(f"{url}/asks", json={"type": "offer", "scheduled_at": "2053-06-01T09:00"}),
    ]
    for response in attempts:
        assert response.status_code == 404, response.request.path
        assert response.mimetype == "application/problem+json"
    assert outsider.get("/api/v1/contacts").get_json() == {"items": [], "total": 0}
    assert contact_of(rep, contact)["name"] == "Ana Lima"
    assert len(rep.get(f"{url}/touches").get_json()["items"]) == 2
    # Nor can another workspace point its own records at this one's audience or posts.
    theirs = outsider.post(
        "/api/v1/contacts", json={"name": "X", "audience_id": contact["audience_id"]}
    )
    assert theirs.status_code == 422 and theirs.get_json()["errors"][0]["field"] == "audience_id"
    own = add_contact(outsider)
    linked = outsider.post(
        f"/api/v1/contacts/{own['id']}/touches",
        json={"kind": "met", "at": "2053-01-09", "post_id": post["id"]},
    )
    assert linked.status_code == 422 and linked.get_json()["errors"][0]["field"] == "post_id"
    assert (
        rep.get(f"/api/v1/contacts?audience_id={contact['audience_id']}").get_json()["total"] == 1
    )
    assert outsider.get(f"/api/v1/contacts?audience_id={contact['audience_id']}").status_code == 404
