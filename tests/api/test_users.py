"""A team's users, managed by its admins through /api/v1/users; /api/v1/me for anyone."""

import threading

import httpx
import pytest

from tests.conftest import UserClient
from tests.helpers import give, make_audience
from tests.web.conftest import sign_in

ADMINS_ONLY = "Only a workspace admin can manage users; your admins: rep@acme.example."


def as_user(app, token: str) -> UserClient:
    return UserClient(app, app.response_class, token=token, workspace_id=0)


def me(caller) -> dict:
    response = caller.get("/api/v1/me")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def invite(caller, email: str, **fields):
    return caller.post("/api/v1/users", json={"email": email, **fields})


def emails_and_roles(caller) -> list[tuple[str, str, bool]]:
    listed = caller.get("/api/v1/users")
    assert listed.status_code == 200, listed.get_json()
    return [(user["email"], user["role"], user["active"]) for user in listed.get_json()["items"]]


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_json()
    assert response.mimetype == "application/problem+json"
    return response.get_json()


def test_an_invited_user_is_a_rep_whose_token_works_at_once(app, rep):
    response = invite(rep, "Lee@Acme.example")
    assert response.status_code == 201, response.get_json()
    invited = response.get_json()
    token = invited.pop("token")
    assert token.startswith("vp_")
    assert invited == {
        "id": invited["id"],
        "email": "lee@acme.example",
        "role": "rep",
        "active": True,
        "deactivated_at": None,
        "has_password": False,
        "created_at": invited["created_at"],
    }
    lee = as_user(app, token)
    assert me(lee) == {
        **invited,
        "workspace": {"id": me(rep)["workspace"]["id"], "name": "Acme Sales"},
    }
    assert lee.get("/api/v1/audiences").status_code == 200
    assert lee.get("/api/v1/users").status_code == 403
    # The token is shown once: nothing a user can read later holds it.
    assert token not in rep.get(f"/api/v1/users/{invited['id']}").get_data(as_text=True)
    assert token not in rep.get("/api/v1/users").get_data(as_text=True)


def test_an_admin_can_invite_another_admin(app, rep):
    response = invite(rep, "dana@acme.example", role="admin")
    assert response.status_code == 201, response.get_json()
    dana = as_user(app, response.get_json()["token"])
    assert me(dana)["role"] == "admin"
    assert ("dana@acme.example", "admin", True) in emails_and_roles(dana)


def test_the_list_is_the_team_by_email_and_me_says_who_is_calling(rep, colleague, outsider):
    assert emails_and_roles(rep) == [
        ("rep@acme.example", "admin", True),
        ("sam@acme.example", "rep", True),
    ]
    assert rep.get("/api/v1/users?limit=1&offset=1").get_json()["total"] == 2
    assert [u["email"] for u in rep.get("/api/v1/users?limit=1&offset=1").get_json()["items"]] == [
        "sam@acme.example"
    ]
    assert emails_and_roles(outsider) == [("rep@globex.example", "admin", True)]
    assert (me(rep)["role"], me(colleague)["role"]) == ("admin", "rep")
    assert me(colleague)["workspace"] == me(rep)["workspace"]
    assert me(outsider)["workspace"]["name"] == "Globex Sales"


def test_a_role_change_takes_effect_on_the_next_request(rep, colleague):
    sam = me(colleague)["id"]
    assert colleague.get("/api/v1/users").status_code == 403
    promoted = rep.patch(f"/api/v1/users/{sam}", json={"role": "admin"})
    assert promoted.status_code == 200, promoted.get_json()
    assert promoted.get_json()["role"] == "admin"
    assert colleague.get("/api/v1/users").status_code == 200
    assert me(colleague)["role"] == "admin"
    # Now that Sam is an admin, the first admin may step down to selling only.
    demoted = rep.patch(f"/api/v1/users/{me(rep)['id']}", json={"role": "rep"})
    assert demoted.status_code == 200, demoted.get_json()
    body = problem(rep.get("/api/v1/users"), 403)
    assert body["detail"] == (
        "Only a workspace admin can manage users; your admins: sam@acme.example."
    )


def test_deactivating_ends_the_users_token_and_web_session_at_once_and_keeps_their_posts(
    app, client, rep, colleague
):
    audience = make_audience(rep)
    kept = give(colleague, audience["id"], "2061-01-06T09:00")
    browser = sign_in(app, colleague, "sam@acme.example")
    assert browser.get("/").status_code == 200
    sam = me(colleague)["id"]

    response = rep.post(f"/api/v1/users/{sam}/deactivate")
    assert response.status_code == 200, response.get_json()
    deactivated = response.get_json()
    assert deactivated["active"] is False and deactivated["deactivated_at"]

    assert problem(colleague.get("/api/v1/audiences"), 401)
    assert problem(colleague.get("/api/v1/me"), 401)
    signed_out = browser.get("/")
    assert signed_out.status_code == 303
    assert signed_out.headers["Location"].startswith("/signin")
    assert rep.get(f"/api/v1/posts/{kept['id']}").get_json()["title"] == kept["title"]
    assert ("sam@acme.example", "rep", False) in emails_and_roles(rep)

    again = rep.post(f"/api/v1/users/{sam}/deactivate")
    assert again.status_code == 200
    assert again.get_json()["deactivated_at"] == deactivated["deactivated_at"]
    refused = rep.patch(f"/api/v1/users/{sam}", json={"role": "admin"})
    assert "deactivated" in problem(refused, 409)["detail"]


def test_deactivating_says_what_the_rep_still_owns_and_how_to_hand_it_over(rep, colleague):
    """A departed rep's scheduled posts would turn overdue with nobody to publish them."""
    audience = make_audience(rep)
    give(colleague, audience["id"], "2061-01-06T09:00")
    give(colleague, audience["id"], None, status="draft")
    assert colleague.post("/api/v1/contacts", json={"name": "Dana"}).status_code == 201
    sam = me(colleague)["id"]

    response = rep.post(f"/api/v1/users/{sam}/deactivate")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["still_owns"] == {
        "scheduled_posts": 1,
        "draft_posts": 1,
        "one_to_one_asks": 0,
        "contacts": 1,
        "detail": "sam@acme.example still owns 1 scheduled post, 1 draft and 1 contact: hand "
        f'the posts over with POST /api/v1/users/{sam}/handover and {{"to": <user id>}}, the '
        'contact over with PATCH /api/v1/contacts/{id} and {"owner_id": <user id>}.',
    }
    # Asked again, the answer still says it.
    again = rep.post(f"/api/v1/users/{sam}/deactivate").get_json()
    assert again["still_owns"]["scheduled_posts"] == 1


USERS_ROUTES = [
    ("get", "/api/v1/users", None),
    ("post", "/api/v1/users", {"email": "lee@acme.example"}),
    ("post", "/api/v1/users", {}),  # refused for who is asking before what is asked
    ("get", "/api/v1/users/{id}", None),
    ("patch", "/api/v1/users/{id}", {"role": "admin"}),
    ("patch", "/api/v1/users/{id}", {"role": "owner"}),
    ("post", "/api/v1/users/{id}/deactivate", None),
    ("post", "/api/v1/users/{id}/handover", {"to": 1}),
    ("get", "/api/v1/users/999", None),
]


@pytest.mark.parametrize(("method", "url", "body"), USERS_ROUTES)
def test_a_rep_is_refused_every_users_route_naming_the_admins(rep, colleague, method, url, body):
    before = emails_and_roles(rep)
    for target in (me(rep)["id"], me(colleague)["id"]):
        response = getattr(colleague, method)(url.format(id=target), json=body)
        refusal = problem(response, 403)
        assert refusal["detail"] == ADMINS_ONLY
        assert refusal["admins"] == ["rep@acme.example"]
    assert emails_and_roles(rep) == before


def test_another_teams_users_answer_404_and_stay_as_they_were(rep, outsider):
    theirs = me(outsider)["id"]
    for response in (
        rep.get(f"/api/v1/users/{theirs}"),
        rep.patch(f"/api/v1/users/{theirs}", json={"role": "rep"}),
        rep.post(f"/api/v1/users/{theirs}/deactivate"),
        rep.get("/api/v1/users/999"),
    ):
        assert problem(response, 404)["detail"].startswith("No user")
    assert me(outsider)["role"] == "admin"
    assert "rep@globex.example" not in str(emails_and_roles(rep))


def test_the_last_active_admin_can_be_neither_demoted_nor_deactivated(rep, colleague):
    mine, sam = me(rep)["id"], me(colleague)["id"]
    for response in (
        rep.patch(f"/api/v1/users/{mine}", json={"role": "rep"}),
        rep.post(f"/api/v1/users/{mine}/deactivate"),
    ):
        refusal = problem(response, 409)
        assert refusal["type"] == "/problems/last-admin"
        assert refusal["detail"] == (
            "rep@acme.example is the team's last active admin: make another user an admin "
            "first, so that someone can still manage the team."
        )
        # The role sent is to blame; a deactivation sends no field.
        fields = [e["field"] for e in refusal.get("errors", [])]
        assert fields == (["role"] if response.request.method == "PATCH" else [])
    assert me(rep)["role"] == "admin"
    # A deactivated admin manages nothing, so does not count as the team's other admin.
    assert rep.patch(f"/api/v1/users/{sam}", json={"role": "admin"}).status_code == 200
    assert rep.post(f"/api/v1/users/{sam}/deactivate").status_code == 200
    refusal = problem(rep.patch(f"/api/v1/users/{sam}", json={"role": "rep"}), 409)
    assert [e["field"] for e in refusal["errors"]] == ["role"]
    assert problem(rep.patch(f"/api/v1/users/{mine}", json={"role": "rep"}), 409)
    assert emails_and_roles(rep) == [
        ("rep@acme.example", "admin", True),
        ("sam@acme.example", "admin", False),
    ]


def test_with_a_second_admin_an_admin_may_deactivate_themselves(app, rep):
    dana = as_user(app, invite(rep, "dana@acme.example", role="admin").get_json()["token"])
    response = rep.post(f"/api/v1/users/{me(rep)['id']}/deactivate")
    assert response.status_code == 200, response.get_json()
    assert problem(rep.get("/api/v1/users"), 401)
    assert emails_and_roles(dana) == [
        ("dana@acme.example", "admin", True),
        ("rep@acme.example", "admin", False),
    ]


def test_admins_stepping_down_at_once_leave_the_team_one(app, rep, live_server):
    tokens = [rep.token] + [
        invite(rep, f"admin{n}@acme.example", role="admin").get_json()["token"] for n in range(4)
    ]
    ids = [me(as_user(app, token))["id"] for token in tokens]
    barrier = threading.Barrier(len(tokens))
    statuses: list[int] = []

    def step_down(token: str, user_id: int) -> None:
        with httpx.Client(base_url=live_server.url(), timeout=60) as client:
            barrier.wait()
            response = client.patch(
                f"/api/v1/users/{user_id}",
                headers={"Authorization": f"Bearer {token}"},
                json={"role": "rep"},
            )
            statuses.append(response.status_code)

    threads = [
        threading.Thread(target=step_down, args=pair) for pair in zip(tokens, ids, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [200, 200, 200, 200, 409]
    roles = [me(as_user(app, token))["role"] for token in tokens]
    assert roles.count("admin") == 1


@pytest.mark.parametrize("email", ["sam@acme.example", "SAM@Acme.example", "rep@globex.example"])
def test_an_email_already_used_is_a_409_naming_the_field(rep, colleague, outsider, email):
    refusal = problem(invite(rep, email), 409)
    assert refusal["errors"] == [
        {"field": "email", "location": "json", "message": "Already used by another user."}
    ]
    assert email.lower() in refusal["detail"]
    assert len(emails_and_roles(rep)) == 2


@pytest.mark.parametrize(
    ("method", "body", "field"),
    [
        ("post", {"email": "not an email"}, "email"),
        ("post", {"email": "x" * 320 + "@acme.example"}, "email"),
        # RFC 5321: at most 64 bytes before the @, 254 in all (marshmallow took any length).
        ("post", {"email": "x" * 65 + "@acme.example"}, "email"),
        ("post", {"email": "\u00e9" * 33 + "@acme.example"}, "email"),  # 33 characters, 66 bytes
        (
            "post",
            {"email": "lee@" + ".".join(["d" * 63] * 3 + ["e" * 51]) + ".example"},
            "email",
        ),  # 255 bytes
        ("post", {}, "email"),
        ("post", {"email": "lee@acme.example", "role": "boss"}, "role"),
        ("post", {"email": "lee@acme.example", "password": "hunter2"}, "password"),
        ("patch", {}, "role"),
        ("patch", {"role": "owner"}, "role"),
        ("patch", {"role": "rep", "email": "new@acme.example"}, "email"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(rep, colleague, method, body, field):
    url = "/api/v1/users" if method == "post" else f"/api/v1/users/{me(colleague)['id']}"
    refusal = problem(getattr(rep, method)(url, json=body), 422)
    assert refusal["type"] == "/problems/validation-error"
    assert field in [error["field"] for error in refusal["errors"]]
    assert emails_and_roles(rep) == [
        ("rep@acme.example", "admin", True),
        ("sam@acme.example", "rep", True),
    ]
