"""Teams: each rep earns the right to ask by what they gave, and sees only their own posts and
contacts; admins curate the audiences and may act for a rep."""

from __future__ import annotations

import threading

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from schedules.models import Post
from schedules.rule import Entry, Policy, violations
from tests.conftest import make_caller
from tests.helpers import ask, give, make_audience
from tests.web.conftest import sign_in

GIVES = ("2053-01-06T09:00", "2053-01-13T09:00", "2053-01-20T09:00")


@pytest.fixture
def pat(rep):
    """The team's admin, who sells too."""
    return rep


@pytest.fixture
def sam(colleague):
    return colleague


def me(caller) -> dict:
    return caller.get("/api/v1/me").get_json()


def test_a_colleagues_gives_never_cover_your_ask(pat, sam):
    audience = make_audience(pat)
    for at in GIVES:
        give(pat, audience["id"], at)
    refused = ask(sam, audience["id"], "2053-02-03T09:00")
    assert refused.status_code == 409
    (violation,) = refused.get_json()["violations"]
    assert violation["gives_counted"] == 0 and violation["gives_required"] == 3
    assert ask(pat, audience["id"], "2053-02-03T09:00").status_code == 201
    assert sam.get(f"/api/v1/audiences/{audience['id']}/ratio").get_json()["gives_needed"] == 3


def test_a_rep_sees_and_changes_only_their_own_posts(pat, sam):
    audience = make_audience(pat)
    pats = give(pat, audience["id"], GIVES[0])
    sams = give(sam, audience["id"], GIVES[1])
    for method in ("get", "patch", "delete"):
        call = getattr(sam, method)
        kwargs = {"json": {"status": "cancelled"}} if method == "patch" else {}
        answer = call(f"/api/v1/posts/{pats['id']}", **kwargs)
        assert answer.status_code == 404, method
        assert answer.content_type == "application/problem+json"
    listed = sam.get(f"/api/v1/audiences/{audience['id']}/posts").get_json()
    assert [p["id"] for p in listed["items"]] == [sams["id"]]
    assert pat.get(f"/api/v1/posts/{pats['id']}").get_json()["status"] == "scheduled"
    # The admin sees everyone's, and the team's when asked for all.
    assert pat.get(f"/api/v1/posts/{sams['id']}").status_code == 200
    team = pat.get(f"/api/v1/audiences/{audience['id']}/posts?owner=all").get_json()
    assert {p["owner_id"] for p in team["items"]} == {me(pat)["id"], me(sam)["id"]}
    only_sam = pat.get(f"/api/v1/audiences/{audience['id']}/posts?owner={me(sam)['id']}")
    assert [p["id"] for p in only_sam.get_json()["items"]] == [sams["id"]]
    assert sam.get(f"/api/v1/audiences/{audience['id']}/posts?owner=all").status_code == 403


def test_only_admins_curate_audiences_and_the_refusal_names_them(pat, sam):
    audience = make_audience(pat, policy={"gives_per_ask": 3})
    path = f"/api/v1/audiences/{audience['id']}"
    loosen = sam.patch(path, json={"policy": {"gives_per_ask": 1}})
    assert loosen.status_code == 403
    assert "rep@acme.example" in loosen.get_json()["detail"]
    assert sam.post("/api/v1/audiences", json={"name": "Mine"}).status_code == 403
    assert sam.delete(path).status_code == 403
    assert sam.get(path).get_json()["policy"]["gives_per_ask"] == 3  # reps read them
    assert sam.post("/api/v1/feeds", json={"url": "https://example.com/f.xml"}).status_code == 403


def test_a_colleagues_ask_never_blocks_yours(pat, sam):
    audience = make_audience(pat, policy={"gives_per_ask": 3, "min_days_between_asks": 30})
    for caller in (pat, sam):
        for at in GIVES:
            give(caller, audience["id"], at)
    assert ask(sam, audience["id"], "2053-02-03T09:00").status_code == 201
    assert ask(pat, audience["id"], "2053-02-04T09:00").status_code == 201
    # Each rep's own spacing still holds.
    assert ask(pat, audience["id"], "2053-02-10T09:00").status_code == 409


def test_racing_asks_of_two_reps_give_each_covered_rep_exactly_one(pat, sam, live_server, engine):
    audience = make_audience(pat, policy={"gives_per_ask": 3, "min_days_between_asks": 30})
    for caller in (pat, sam):
        for at in GIVES:
            give(caller, audience["id"], at)
    racers = [(caller, index) for index in range(10) for caller in (pat, sam)]
    barrier = threading.Barrier(len(racers))
    answers: dict[str, list[int]] = {pat.token: [], sam.token: []}

    def race(caller, index: int) -> None:
        with httpx.Client(base_url=live_server.url(), timeout=60) as client:
            barrier.wait()
            response = client.post(
                f"/api/v1/audiences/{audience['id']}/posts",
                headers={"Authorization": f"Bearer {caller.token}"},
                json={"kind": "ask", "type": "meeting_request", "title": f"Ask {index}",
                      "scheduled_at": f"2053-02-{index + 1:02d}T09:00"},
            )  # fmt: skip
            answers[caller.token].append(response.status_code)

    threads = [threading.Thread(target=race, args=racer) for racer in racers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    for statuses in answers.values():
        assert sorted(statuses) == [201] + [409] * 9
    with Session(engine) as session:
        rows = session.execute(
            select(Post.owner_id, Post.scheduled_at, Post.id, Post.kind).where(
                Post.status == "scheduled"
            )
        ).all()
    for owner in {row.owner_id for row in rows}:
        timeline = [Entry(r.scheduled_at, r.id, r.kind) for r in rows if r.owner_id == owner]
        assert sum(e.kind == "ask" for e in timeline) == 1
        assert violations(timeline, Policy(3, 30)) == []


def test_an_admin_posts_for_a_rep_on_that_reps_timeline(pat, sam, outsider):
    audience = make_audience(pat)
    for at in GIVES:
        give(pat, audience["id"], at)
    sam_id = me(sam)["id"]
    # Pat's gives do not cover an ask made for Sam.
    assert ask(pat, audience["id"], "2053-02-03T09:00", owner_id=sam_id).status_code == 409
    made = give(pat, audience["id"], "2053-01-27T09:00", owner_id=sam_id)
    assert made["owner_id"] == sam_id
    assert sam.get(f"/api/v1/posts/{made['id']}").status_code == 200
    # A rep cannot post for a colleague, and nobody for another team.
    refused = give_status(sam, audience["id"], owner_id=me(pat)["id"])
    assert refused.status_code == 403
    stranger = give_status(pat, audience["id"], owner_id=me(outsider)["id"])
    assert stranger.status_code == 422
    assert stranger.get_json()["errors"][0]["field"] == "owner_id"


def give_status(caller, audience_id: int, **fields):
    body = {"kind": "give", "type": "tip", "title": "t", "scheduled_at": "2053-03-03T09:00"}
    return caller.post(f"/api/v1/audiences/{audience_id}/posts", json={**body, **fields})


def test_reassigning_a_post_is_judged_on_both_reps_timelines(pat, sam):
    audience = make_audience(pat, policy={"gives_per_ask": 3, "min_days_between_asks": 0})
    gives = [give(pat, audience["id"], at) for at in GIVES]
    spare = give(pat, audience["id"], "2053-03-20T09:00")
    assert ask(pat, audience["id"], "2053-02-03T09:00").status_code == 201
    sam_id = me(sam)["id"]

    # Moving a give that Pat's ask stands on would uncover it.
    moved = pat.patch(f"/api/v1/posts/{gives[0]['id']}", json={"owner_id": sam_id})
    assert moved.status_code == 409
    assert pat.get(f"/api/v1/posts/{gives[0]['id']}").get_json()["owner_id"] == me(pat)["id"]
    # A give no ask needs goes over, and counts for Sam from then on.
    assert pat.patch(f"/api/v1/posts/{spare['id']}", json={"owner_id": sam_id}).status_code == 200
    assert sam.get(f"/api/v1/posts/{spare['id']}").status_code == 200
    ratio = sam.get(f"/api/v1/audiences/{audience['id']}/ratio").get_json()
    assert ratio["gives_since_last_ask"] == 1
    # Sam's ask after it is still uncovered on Sam's timeline.
    handed = ask(pat, audience["id"], "2053-04-01T09:00", owner_id=sam_id)
    assert handed.status_code == 409
    # Reps do not reassign.
    back = sam.patch(f"/api/v1/posts/{spare['id']}", json={"owner_id": me(pat)["id"]})
    assert back.status_code == 403


def test_ratio_and_slots_are_per_rep(pat, sam):
    audience = make_audience(pat)
    give(sam, audience["id"], "2053-01-14T09:00")  # the second Tuesday: a slot filled
    path = f"/api/v1/audiences/{audience['id']}"
    window = "from=2053-01-01&to=2053-02-01"
    sams = sam.get(f"{path}/slots?{window}").get_json()["items"]
    pats = pat.get(f"{path}/slots?{window}").get_json()["items"]
    team = pat.get(f"{path}/slots?{window}&owner=all").get_json()["items"]
    assert [s["post"] is not None for s in sams] == [True]
    assert [s["post"] is not None for s in pats] == [False]
    assert [s["post"] is not None for s in team] == [True]
    assert pat.get(f"{path}/ratio?owner={me(sam)['id']}").get_json()["gives_since_last_ask"] == 1
    whole = pat.get(f"{path}/ratio?owner=all")
    assert whole.status_code == 422 and whole.get_json()["errors"][0]["field"] == "owner"
    assert sam.get(f"{path}/ratio?owner={me(pat)['id']}").status_code == 403


def test_contacts_are_each_reps_own_and_two_reps_may_know_one_person(app, pat, sam):
    lee = make_caller(app, "Acme Sales", "lee@acme.example")
    url = "https://www.linkedin.com/in/dana-whitfield"
    sams = sam.post("/api/v1/contacts", json={"name": "Dana", "profile_url": url})
    assert sams.status_code == 201 and sams.get_json()["owner_id"] == me(sam)["id"]
    contact = sams.get_json()["id"]
    assert (
        lee.post("/api/v1/contacts", json={"name": "Dana W", "profile_url": url}).status_code == 201
    )
    again = sam.post("/api/v1/contacts", json={"name": "Dana", "profile_url": url})
    assert again.status_code == 409
    for path in ("", "/touches", "/asks"):
        assert lee.get(f"/api/v1/contacts/{contact}{path}").status_code == 404, path
    assert lee.patch(f"/api/v1/contacts/{contact}", json={"notes": "x"}).status_code == 404
    assert [c["name"] for c in lee.get("/api/v1/contacts").get_json()["items"]] == ["Dana W"]
    assert pat.get(f"/api/v1/contacts/{contact}").status_code == 200  # the admin sees all
    everyone = pat.get("/api/v1/contacts?owner=all").get_json()
    assert everyone["total"] == 2
    # Handing a contact to another rep is an admin's change.
    assert (
        sam.patch(f"/api/v1/contacts/{contact}", json={"owner_id": me(lee)["id"]}).status_code
        == 403
    )


def test_a_deactivated_reps_posts_stay_and_an_admin_reassigns_them(pat, sam):
    audience = make_audience(pat)
    sams = give(sam, audience["id"], GIVES[0])
    sam_id = me(sam)["id"]
    assert pat.post(f"/api/v1/users/{sam_id}/deactivate").status_code == 200
    assert sam.get("/api/v1/audiences").status_code == 401
    kept = pat.get(f"/api/v1/posts/{sams['id']}").get_json()
    assert kept["owner_id"] == sam_id
    moved = pat.patch(f"/api/v1/posts/{sams['id']}", json={"owner_id": me(pat)["id"]})
    assert moved.status_code == 200 and moved.get_json()["owner_id"] == me(pat)["id"]
    # A deactivated rep takes no new posts.
    assert give_status(pat, audience["id"], owner_id=sam_id).status_code == 422


def test_an_admin_lists_what_a_deactivated_rep_left_by_owner(app, pat, sam, outsider):
    """Handing over a departed rep's work starts with seeing it: their posts and contacts
    by ``owner``, on the API and the pages; a rep still reads only their own, and another
    team's user is as unknown as before."""
    audience = make_audience(pat)
    sams_give = give(sam, audience["id"], GIVES[0])
    dana = sam.post("/api/v1/contacts", json={"name": "Dana", "audience_id": audience["id"]})
    assert dana.status_code == 201
    lee = make_caller(app, "Acme Sales", "lee@acme.example")
    sam_id, lee_id = me(sam)["id"], me(lee)["id"]
    assert pat.post(f"/api/v1/users/{sam_id}/deactivate").status_code == 200
    posts = f"/api/v1/audiences/{audience['id']}/posts"

    listed = pat.get(f"{posts}?owner={sam_id}")
    assert listed.status_code == 200, listed.get_json()
    assert [p["id"] for p in listed.get_json()["items"]] == [sams_give["id"]]
    contacts = pat.get(f"/api/v1/contacts?owner={sam_id}")
    assert contacts.status_code == 200, contacts.get_json()
    assert [c["name"] for c in contacts.get_json()["items"]] == ["Dana"]
    exported = pat.get(f"/api/v1/posts/export.csv?owner={sam_id}")
    assert exported.status_code == 200 and str(sams_give["id"]) in exported.get_data(as_text=True)
    page = sign_in(app, pat, "rep@acme.example").get(f"/contacts?rep={sam_id}")
    assert page.status_code == 200 and "Dana" in page.get_data(as_text=True)

    assert lee.get(f"{posts}?owner={sam_id}").status_code == 403
    assert lee.get(f"/api/v1/contacts?owner={sam_id}").status_code == 403
    stranger = me(outsider)["id"]
    for path in (posts, "/api/v1/contacts"):
        refused = pat.get(f"{path}?owner={stranger}")
        assert refused.status_code == 422, path
        assert "owner" in str(refused.get_json()), path
    assert pat.get(f"/api/v1/contacts?owner={lee_id}").get_json()["items"] == []


def test_a_reps_refused_list_names_what_they_asked_to_read(pat, sam):
    audience = make_audience(pat)
    pats = me(pat)["id"]
    refusals = {
        f"/api/v1/contacts?owner={pats}": "read another rep's contacts",
        f"/api/v1/audiences/{audience['id']}/posts?owner={pats}": "read another rep's posts",
        "/api/v1/posts/export.csv?owner=all": "read the team's posts",
        f"/api/v1/audiences/{audience['id']}/slots?owner=all": "read the team's slots",
    }
    for path, doing in refusals.items():
        refused = sam.get(path)
        assert refused.status_code == 403, path
        assert f"Only a workspace admin can {doing}" in refused.get_json()["detail"], path
