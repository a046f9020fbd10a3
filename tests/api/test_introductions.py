"""Warm introductions: a contact says which colleagues already have the same person (however
the profile URL was pasted) and at what stage, never anything else of theirs."""

from __future__ import annotations

import pytest

from schedules.models import Contact
from tests.conftest import make_caller

DANA = "https://www.linkedin.com/in/dana-whitfield/"
SECRET = "Owes me a favour; do not mention the merger"


def add(caller, **fields):
    response = caller.post("/api/v1/contacts", json={"name": "Dana Whitfield", **fields})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def me(caller) -> int:
    return caller.get("/api/v1/me").get_json()["id"]


@pytest.mark.parametrize(
    "pasted",
    [
        "http://linkedin.com/in/dana-whitfield",
        "https://www.LinkedIn.com/in/Dana-Whitfield?trk=public_profile&originalSubdomain=de",
        "https://de.linkedin.com/in/dana-whitfield/",
    ],
)
def test_adding_a_person_a_colleague_knows_says_who_and_at_what_stage(rep, colleague, pasted):
    add(colleague, profile_url=DANA, notes=SECRET, accepted_at="2026-11-02T10:00")

    added = add(rep, profile_url=pasted)

    assert added["known_by"] == [
        {"user_id": me(colleague), "email": "sam@acme.example", "stage": "connected"}
    ]
    assert rep.get(f"/api/v1/contacts/{added['id']}").get_json()["known_by"] == added["known_by"]


def test_the_colleagues_notes_and_history_never_leak(app, rep, colleague):
    pat = make_caller(app, "Acme Sales", "pat@acme.example")  # a rep, like Sam
    theirs = add(pat, profile_url=DANA, notes=SECRET, company="Initech")
    request = pat.post(
        f"/api/v1/contacts/{theirs['id']}/connection-request",
        json={"note": "Good to meet you at the CFO breakfast, Dana"},
    )
    assert request.status_code == 200

    ours = add(colleague, profile_url=DANA)
    answers = [
        colleague.get(f"/api/v1/contacts/{ours['id']}"),
        colleague.get("/api/v1/contacts"),
        colleague.get(f"/api/v1/contacts/{theirs['id']}"),  # still another rep's: 404
    ]

    assert answers[2].status_code == 404
    for answer in answers:
        text = answer.get_data(as_text=True)
        assert SECRET not in text and "CFO breakfast" not in text and "Initech" not in text
    [entry] = answers[0].get_json()["known_by"]
    assert entry == {"user_id": me(pat), "email": "pat@acme.example", "stage": "requested"}


def test_both_colleagues_see_each_other_and_the_list_says_it_too(rep, colleague):
    ours = add(rep, profile_url=DANA)
    add(colleague, profile_url="http://linkedin.com/in/dana-whitfield")
    add(colleague, name="Someone Else", profile_url="https://www.linkedin.com/in/someone")

    assert [
        a["email"] for a in rep.get(f"/api/v1/contacts/{ours['id']}").get_json()["known_by"]
    ] == ["sam@acme.example"]
    listed = {
        c["name"]: c["known_by"] for c in colleague.get("/api/v1/contacts").get_json()["items"]
    }
    assert listed == {
        "Dana Whitfield": [{"user_id": me(rep), "email": "rep@acme.example", "stage": "new"}],
        "Someone Else": [],
    }


def test_colleagues_come_furthest_stage_first_and_each_once(app, writer, rep, colleague):
    pat = make_caller(app, "Acme Sales", "pat@acme.example")
    add(colleague, profile_url=DANA)
    first = add(pat, profile_url=DANA, accepted_at="2026-11-02T10:00")
    # Pat has Dana twice, under two spellings, as stored before the API refused such twins:
    # listed once, at the furthest stage.
    with writer() as session:
        twin = Contact(workspace_id=session.get(Contact, first["id"]).workspace_id,
                       owner_id=me(pat), name="Dana W.",
                       profile_url="http://linkedin.com/in/dana-whitfield")  # fmt: skip
        session.add(twin)
        session.commit()

    ours = add(rep, profile_url=DANA)

    assert [(a["email"], a["stage"]) for a in ours["known_by"]] == [
        ("pat@acme.example", "connected"),
        ("sam@acme.example", "new"),
    ]


def test_another_workspace_never_shows_and_a_different_person_does_not_match(
    rep, colleague, outsider
):
    add(outsider, profile_url=DANA)
    add(colleague, profile_url="https://www.linkedin.com/in/dana-whitfield-2")
    add(
        colleague,
        name="Dana's company",
        profile_url="https://www.linkedin.com/company/dana-whitfield",
    )

    assert add(rep, profile_url=DANA)["known_by"] == []
    assert add(outsider, name="Dana again", profile_url=None)["known_by"] == []
    [theirs] = outsider.get("/api/v1/contacts").get_json()["items"][:1]
    assert theirs["known_by"] == []


def test_a_deactivated_colleague_is_not_offered_as_an_introduction(rep, colleague):
    add(colleague, profile_url=DANA)
    ours = add(rep, profile_url=DANA)
    assert len(ours["known_by"]) == 1

    assert rep.post(f"/api/v1/users/{me(colleague)}/deactivate").status_code == 200

    assert rep.get(f"/api/v1/contacts/{ours['id']}").get_json()["known_by"] == []
