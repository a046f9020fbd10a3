"""Handing a departed rep's plans over: one post at a time the rule may refuse (and says the
way out), or all of them at once with POST /api/v1/users/{id}/handover, judged as one change."""

from __future__ import annotations

import pytest

from tests.api.helpers import add_contact, direct_ask, iso, touch
from tests.conftest import make_caller
from tests.helpers import ask, give, make_audience, post

GIVES = ("2053-01-06T09:00", "2053-01-13T09:00", "2053-01-20T09:00")
ASK_AT = "2053-02-03T09:00"


def me(caller) -> dict:
    return caller.get("/api/v1/me").get_json()


def owners(admin, posts) -> list[int]:
    return [admin.get(f"/api/v1/posts/{p['id']}").get_json()["owner_id"] for p in posts]


@pytest.fixture
def lee(app, rep):
    return make_caller(app, "Acme Sales", "lee@acme.example")


@pytest.fixture
def cfos(rep):
    return make_audience(rep, policy={"gives_per_ask": 3, "min_days_between_asks": 30})


def depart(admin, rep) -> None:
    assert admin.post(f"/api/v1/users/{me(rep)['id']}/deactivate").status_code == 200


@pytest.fixture
def lees_plan(rep, lee, cfos):
    """Lee's three gives and the ask they cover, all scheduled (Lee leaves in the tests)."""
    gives = [give(lee, cfos["id"], at) for at in GIVES]
    covered = ask(lee, cfos["id"], ASK_AT)
    assert covered.status_code == 201, covered.get_json()
    return [*gives, covered.get_json()]


def test_one_post_at_a_time_is_refused_saying_the_way_out(rep, colleague, lee, cfos, lees_plan):
    """The probe's dead end: the give uncovers Lee's ask, the ask lacks Sam's gives. Each 409
    says what to do instead, in words."""
    sam_id, lee_id = me(colleague)["id"], lees_plan[0]["owner_id"]
    depart(rep, lee)
    handover = (
        f'POST /api/v1/users/{lee_id}/handover with {{"to": {sam_id}, "audience_id": {cfos["id"]}}}'
    )
    for moved in (lees_plan[0], lees_plan[3]):
        refused = rep.patch(f"/api/v1/posts/{moved['id']}", json={"owner_id": sam_id})
        assert refused.status_code == 409, refused.get_json()
        detail = refused.get_json()["detail"]
        assert detail.startswith("This change would leave asks to CFOs uncovered")
        assert detail.endswith(
            f"To move an ask with the value posts it stands on, hand over Lee's posts on "
            f"CFOs together ({handover}), or make the ask a draft first, move its value "
            "posts, then move the ask and schedule it again."
        ), detail
    assert set(owners(rep, lees_plan)) == {lee_id}


def test_a_handover_moves_a_reps_drafts_and_scheduled_posts_at_once(
    rep, colleague, lee, cfos, lees_plan
):
    sam_id, lee_id = me(colleague)["id"], lees_plan[0]["owner_id"]
    ctos = make_audience(rep, name="CTOs", policy={"gives_per_ask": 1})
    # Made while Lee was still here, by the admin on Lee's calendar: a draft, a published
    # give (history: it stays Lee's) and a cancelled one (off the calendar: stays too).
    draft = post(rep, ctos["id"], "give", None, owner_id=lee_id, status="draft")
    shared = post(rep, ctos["id"], "give", iso(-2), owner_id=lee_id, status="published")
    dropped = post(rep, ctos["id"], "give", "2053-05-05T09:00", owner_id=lee_id, status="cancelled")
    for made in (draft, shared, dropped):
        assert made.status_code == 201, made.get_json()
    sams_own = give(colleague, cfos["id"], "2052-12-01T09:00")
    depart(rep, lee)

    answer = rep.post(f"/api/v1/users/{lee_id}/handover", json={"to": sam_id})
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["post_ids"] == [p["id"] for p in lees_plan] + [draft.get_json()["id"]]
    assert body["still_owns"] == {
        "scheduled_posts": 0,
        "draft_posts": 0,
        "one_to_one_asks": 0,
        "contacts": 0,
        "detail": "lee@acme.example owns no draft or scheduled post and no contact.",
    }
    assert set(owners(rep, [*lees_plan, draft.get_json(), sams_own])) == {sam_id}
    assert owners(rep, [shared.get_json(), dropped.get_json()]) == [lee_id, lee_id]
    # Sam now stands where Lee stood: the ask is covered by the gives that came with it.
    ratio = colleague.get(f"/api/v1/audiences/{cfos['id']}/ratio").get_json()
    assert ratio["next_ask"]["covered"] is True
    assert ratio["next_ask"]["post_id"] == lees_plan[3]["id"]
    # Nothing left to hand over: a second call moves nothing.
    again = rep.post(f"/api/v1/users/{lee_id}/handover", json={"to": sam_id})
    assert again.status_code == 200 and again.get_json()["post_ids"] == []


def test_a_handover_may_be_one_audiences(rep, colleague, lee, cfos, lees_plan):
    sam_id, lee_id = me(colleague)["id"], lees_plan[0]["owner_id"]
    ctos = make_audience(rep, name="CTOs")
    other = give(rep, ctos["id"], "2053-03-03T09:00", owner_id=lee_id)
    depart(rep, lee)
    answer = rep.post(
        f"/api/v1/users/{lee_id}/handover", json={"to": sam_id, "audience_id": cfos["id"]}
    )
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["post_ids"] == [p["id"] for p in lees_plan]
    assert owners(rep, [other]) == [lee_id]
    left = answer.get_json()["still_owns"]
    assert (left["scheduled_posts"], left["draft_posts"]) == (1, 0)
    assert left["detail"] == (
        "lee@acme.example still owns 1 scheduled post: hand it over with "
        f'POST /api/v1/users/{lee_id}/handover and {{"to": <user id>}}.'
    )


def test_a_handover_the_rule_refuses_moves_nothing_and_says_why(
    rep, colleague, lee, cfos, lees_plan
):
    """Sam's own ask ten days before Lee's: the two would come too close on Sam's timeline."""
    sam_id, lee_id = me(colleague)["id"], lees_plan[0]["owner_id"]
    for at in ("2052-12-01T09:00", "2052-12-08T09:00", "2052-12-15T09:00"):
        give(colleague, cfos["id"], at)
    sams_ask = ask(colleague, cfos["id"], "2053-01-24T09:00")
    assert sams_ask.status_code == 201, sams_ask.get_json()
    depart(rep, lee)

    refused = rep.post(f"/api/v1/users/{lee_id}/handover", json={"to": sam_id})
    assert refused.status_code == 409, refused.get_json()
    body = refused.get_json()
    assert body["type"] == "/problems/give-before-ask"
    assert [v["post_id"] for v in body["violations"]] == [lees_plan[3]["id"]]
    assert body["detail"].startswith("This change would leave asks to CFOs uncovered: ask ")
    assert body["detail"].endswith(
        "Nothing was handed over. On Sam's calendar: make the ask a draft first and schedule "
        "it again after the handover, or move it to a date that passes."
    ), body["detail"]
    assert set(owners(rep, lees_plan)) == {lee_id}
    # Nobody tried an ask: the team view blames no one.
    team = rep.get("/api/v1/team").get_json()
    assert all(r["totals"]["refused_asks"] == 0 for r in team["reps"])


def test_a_one_to_one_ask_stays_with_its_contact_and_keeps_its_gives(rep, colleague, lee):
    """A one-to-one ask stays with the rep who knows the person; handing over the gives it
    stands on would uncover it, so the handover is refused saying so."""
    audience = make_audience(
        rep, name="CIOs", policy={"gives_per_ask": 1, "min_days_after_connect": 0}
    )
    dana = add_contact(lee, audience, name="Dana Reyes", accepted_at=iso(-20))
    for days in (-3, -2):
        touch(lee, dana, iso(days))
    lees_give = give(lee, audience["id"], iso(5))
    one_to_one = direct_ask(lee, dana, iso(10))
    assert one_to_one.status_code == 201, one_to_one.get_json()
    lee_id, sam_id = me(lee)["id"], me(colleague)["id"]
    depart(rep, lee)

    refused = rep.post(f"/api/v1/users/{lee_id}/handover", json={"to": sam_id})
    assert refused.status_code == 409, refused.get_json()
    assert refused.get_json()["detail"].endswith(
        "Nothing was handed over. On Lee's calendar: a one-to-one ask stays with the rep who "
        "knows the person; cancel it first, or hand over its contact once it is cancelled."
    ), refused.get_json()["detail"]
    assert owners(rep, [lees_give]) == [lee_id]

    cancelled = rep.patch(
        f"/api/v1/posts/{one_to_one.get_json()['id']}", json={"status": "cancelled"}
    )
    assert cancelled.status_code == 200, cancelled.get_json()
    handed = rep.post(f"/api/v1/users/{lee_id}/handover", json={"to": sam_id})
    assert handed.status_code == 200, handed.get_json()
    assert handed.get_json()["post_ids"] == [lees_give["id"]]
    assert handed.get_json()["still_owns"]["detail"] == (
        "lee@acme.example still owns 1 contact: hand it over with "
        'PATCH /api/v1/contacts/{id} and {"owner_id": <user id>}.'
    )


def test_a_handover_names_the_field_to_blame(app, rep, colleague, lee, outsider, cfos):
    lee_id, sam_id = me(lee)["id"], me(colleague)["id"]
    max_id = me(make_caller(app, "Acme Sales", "max@acme.example"))["id"]
    assert rep.post(f"/api/v1/users/{max_id}/deactivate").status_code == 200
    stranger = me(outsider)
    their_audience = make_audience(outsider, name="Theirs")
    cases = [
        ({"to": lee_id}, "to", "The posts would stay with lee@acme.example; name another rep."),
        ({"to": max_id}, "to", f"No active user {max_id} in this workspace."),
        ({"to": stranger["id"]}, "to", f"No user {stranger['id']} in this workspace."),
        ({}, "to", "Missing data for required field."),
        (
            {"to": sam_id, "audience_id": their_audience["id"]},
            "audience_id",
            f"No audience {their_audience['id']} in this workspace.",
        ),
    ]
    for body, field, message in cases:
        refused = rep.post(f"/api/v1/users/{lee_id}/handover", json=body)
        assert refused.status_code == 422, (body, refused.get_json())
        assert refused.get_json()["errors"] == [
            {"field": field, "location": "json", "message": message}
        ], body
    assert (
        rep.post(f"/api/v1/users/{stranger['id']}/handover", json={"to": sam_id}).status_code == 404
    )
    refused = colleague.post(f"/api/v1/users/{lee_id}/handover", json={"to": sam_id})
    assert refused.status_code == 403
