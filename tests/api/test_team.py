"""The team view (admins) and the records of refused asks it counts, on a known data set."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from schedules.cadence import parse_cadence, slots_between
from schedules.models import AskRefusal, Post
from tests.api.helpers import NEXT
from tests.conftest import make_caller
from tests.helpers import ask, give, make_audience, post

WINDOW = f"/api/v1/team?from={NEXT}-01-01&to={NEXT}-04-01"
STAGES = {"new": 0, "requested": 0, "connected": 0, "engaged": 0, "ready_to_ask": 0, "asked": 0}


def me(caller) -> dict:
    return caller.get("/api/v1/me").get_json()


def rows(app) -> list[AskRefusal]:
    with app.extensions["planner_db"].reader() as session:
        return list(session.scalars(select(AskRefusal).order_by(AskRefusal.id)))


def post_count(app) -> int:
    with app.extensions["planner_db"].reader() as session:
        return session.scalar(select(func.count()).select_from(Post))


@pytest.fixture
def team(app, rep, colleague):
    """Pat (rep, the admin) and Sam on CFOs (3 gives per ask) and CTOs (1 give per ask).

    Pat: CFOs gives in January, February and March, no ask; CTOs a give and an ask in
    February. Sam: CFOs a give in January, and a contact. Lee: a CFOs give in February, then
    deactivated; Max: deactivated with nothing.
    """
    cfos = make_audience(rep, name="CFOs")
    ctos = make_audience(rep, name="CTOs", policy={"gives_per_ask": 1})
    for month in ("01", "02", "03"):
        give(rep, cfos["id"], f"{NEXT}-{month}-05T10:00")
    give(rep, ctos["id"], f"{NEXT}-02-10T10:00")
    assert ask(rep, ctos["id"], f"{NEXT}-02-20T10:00").status_code == 201
    give(colleague, cfos["id"], f"{NEXT}-01-12T10:00")
    dana = colleague.post("/api/v1/contacts", json={"name": "Dana Whitfield",
                                                    "audience_id": cfos["id"]})  # fmt: skip
    assert dana.status_code == 201
    lee = make_caller(app, "Acme Sales", "lee@acme.example")
    give(lee, cfos["id"], f"{NEXT}-02-15T10:00")
    maxi = make_caller(app, "Acme Sales", "max@acme.example")
    for caller in (lee, maxi):
        assert rep.post(f"/api/v1/users/{me(caller)['id']}/deactivate").status_code == 200
    return {"cfos": cfos, "ctos": ctos, "dana": dana.get_json(), "lee": lee}


def first_open_slot(months: set[str]) -> str:
    """The CFOs' first slot from now whose month (YYYY-MM) holds no give of the rep."""
    now = dt.datetime.now(dt.UTC)
    cadence = parse_cadence({"frequency": "monthly", "week": 2, "weekday": "TU", "time": "09:00"})
    slots = slots_between(cadence, "Europe/Berlin", now, now + dt.timedelta(days=366))
    return next(s for s in slots if f"{s:%Y-%m}" not in months).isoformat()


def test_the_team_view_counts_each_reps_own_figures_per_audience(rep, colleague, team):
    response = rep.get(WINDOW)
    assert response.status_code == 200, response.get_json()
    view = response.get_json()
    assert (view["from"], view["to"], view["timezone"]) == (
        f"{NEXT}-01-01T00:00:00+00:00", f"{NEXT}-04-01T00:00:00+00:00", "UTC"
    )  # fmt: skip
    reps = {r["email"]: r for r in view["reps"]}
    assert list(reps) == ["lee@acme.example", "rep@acme.example", "sam@acme.example"]
    pat, sam, lee = reps["rep@acme.example"], reps["sam@acme.example"], reps["lee@acme.example"]
    assert (pat["name"], pat["role"], pat["deactivated"]) == ("Rep", "admin", False)
    assert (lee["deactivated"], sam["deactivated"]) == (True, False)

    def figures(rep_row: dict) -> dict:
        keys = ("gives", "asks", "slots_filled", "slots_open", "refused_asks")
        return {a["audience_name"]: tuple(a[k] for k in keys) for a in rep_row["audiences"]}

    assert figures(pat) == {"CFOs": (3, 0, 3, 0, 0), "CTOs": (1, 1, 1, 2, 0)}
    assert figures(sam) == {"CFOs": (1, 0, 1, 2, 0), "CTOs": (0, 0, 0, 3, 0)}
    assert figures(lee) == {"CFOs": (1, 0, 1, 2, 0), "CTOs": (0, 0, 0, 3, 0)}
    assert pat["totals"] == {"gives": 4, "asks": 1, "slots_filled": 4, "slots_open": 2,
                             "refused_asks": 0, "contacts": STAGES}  # fmt: skip
    assert sam["totals"]["contacts"] == {**STAGES, "new": 1}
    assert sam["audiences"][0]["contacts"] == {**STAGES, "new": 1}

    pat_cfos, pat_ctos = pat["audiences"]
    # Three gives cover an ask a minute after the third (10:00 Berlin is 09:00 UTC).
    assert pat_cfos["earliest_allowed_ask_at"] == f"{NEXT}-03-05T09:01:00+00:00"
    # After the CTOs ask only a new give would cover another; Sam has given too little.
    assert pat_ctos["earliest_allowed_ask_at"] is None
    assert sam["audiences"][0]["earliest_allowed_ask_at"] is None
    assert pat_cfos["next_open_slot"] == first_open_slot({f"{NEXT}-0{m}" for m in (1, 2, 3)})
    assert sam["audiences"][0]["next_open_slot"] == first_open_slot({f"{NEXT}-01"})

    window = f"from {NEXT}-01-01 to {NEXT}-03-31"
    assert view["needs_help"] == [  # the furthest behind first
        {"user_id": me(colleague)["id"], "sentence": f"Sam: 5 open slots {window}"},
        {"user_id": me(rep)["id"], "sentence": f"Rep: 2 open slots {window}"},
    ]


def test_the_default_window_is_this_quarter_on_the_workspaces_clock(rep, colleague):
    view = rep.get("/api/v1/team").get_json()
    today = dt.datetime.now(dt.UTC)
    first = (today.month - 1) // 3 * 3 + 1
    assert view["from"] == f"{today.year}-{first:02d}-01T00:00:00+00:00"
    assert [r["email"] for r in view["reps"]] == ["rep@acme.example", "sam@acme.example"]
    # No audience, no slots: nobody needs help yet.
    assert view["needs_help"] == []


def test_refused_asks_are_recorded_per_rep_and_counted_in_the_window(app, rep, colleague, team):
    cfos, dana = team["cfos"], team["dana"]
    before = post_count(app)
    refused = ask(colleague, cfos["id"], f"{NEXT}-01-20T10:00")
    assert refused.status_code == 409
    direct = colleague.post(f"/api/v1/contacts/{dana['id']}/asks",
                            json={"type": "meeting_request",
                                  "scheduled_at": f"{NEXT}-02-20T10:00"})  # fmt: skip
    assert direct.status_code == 409
    assert direct.get_json()["type"] == "/problems/relationship-guard"
    # Moving Pat's covered CTOs ask before its give is refused too, and names the ask.
    pat_ask = rep.get(f"/api/v1/audiences/{team['ctos']['id']}/posts?kind=ask").get_json()
    ask_id = pat_ask["items"][0]["id"]
    moved = rep.patch(f"/api/v1/posts/{ask_id}", json={"scheduled_at": f"{NEXT}-02-01T10:00"})
    assert moved.status_code == 409
    # Not asks, or not refused: a give in the past (422), a give that passes, a cancelled give
    # that would uncover Pat's ask (a give refused, not an ask).
    assert post(colleague, cfos["id"], "give", "2020-01-01T10:00").status_code == 422
    give(colleague, cfos["id"], f"{NEXT}-03-12T10:00")
    pat_give = rep.get(f"/api/v1/audiences/{team['ctos']['id']}/posts?kind=give").get_json()
    cancel = rep.patch(f"/api/v1/posts/{pat_give['items'][0]['id']}", json={"status": "cancelled"})
    assert cancel.status_code == 409

    assert post_count(app) == before + 1  # the refused changes wrote nothing
    sam_id, pat_id = me(colleague)["id"], me(rep)["id"]
    keys = ("owner_id", "audience_id", "contact_id", "post_id", "rule", "type")
    found = [
        (*(getattr(r, k) for k in keys), r.scheduled_at.isoformat(), r.workspace_id)
        for r in rows(app)
    ]
    assert found == [
        (sam_id, cfos["id"], None, None, "give_before_ask", "meeting_request",
         f"{NEXT}-01-20T09:00:00+00:00", rep.workspace_id),
        (sam_id, cfos["id"], dana["id"], None, "relationship", "meeting_request",
         f"{NEXT}-02-20T09:00:00+00:00", rep.workspace_id),
        (pat_id, team["ctos"]["id"], None, ask_id, "give_before_ask", "meeting_request",
         f"{NEXT}-02-01T09:00:00+00:00", rep.workspace_id),
    ]  # fmt: skip
    assert [r.detail for r in rows(app)] == [
        refused.get_json()["detail"],
        direct.get_json()["detail"],
        moved.get_json()["detail"],
    ]

    today = dt.date.today()
    now_window = f"/api/v1/team?from={today}&to={today + dt.timedelta(days=1)}"
    view = rep.get(now_window).get_json()
    reps = {r["email"]: r for r in view["reps"]}
    assert [a["refused_asks"] for a in reps["sam@acme.example"]["audiences"]] == [2, 0]
    assert [a["refused_asks"] for a in reps["rep@acme.example"]["audiences"]] == [0, 1]
    assert reps["sam@acme.example"]["totals"]["refused_asks"] == 2
    sentences = [n["sentence"] for n in view["needs_help"]]
    assert any(s.startswith("Sam: ") and s.endswith("2 refused asks") for s in sentences)
    # The future quarter counts no refusal: they happened today.
    assert rep.get(WINDOW).get_json()["reps"][2]["totals"]["refused_asks"] == 0


def test_an_admins_refused_change_to_a_reps_ask_is_not_the_reps_refused_ask(
    app, rep, colleague, team
):
    """The manager moving Lee's covered ask to Sam, making an ask for Sam, or moving Sam's
    ask too early: each refused, none of them Sam's attempt, so none is Sam's to be coached
    on. Sam's own refused ask still counts."""
    cfos, ctos = team["cfos"], team["ctos"]
    sam_id = me(colleague)["id"]
    for at in (f"{NEXT}-02-02T10:00", f"{NEXT}-02-09T10:00"):
        give(colleague, ctos["id"], at)
    sams_ask = ask(colleague, ctos["id"], f"{NEXT}-02-16T10:00")
    assert sams_ask.status_code == 201, sams_ask.get_json()
    pats_ask = rep.get(f"/api/v1/audiences/{ctos['id']}/posts?kind=ask").get_json()["items"][0]

    refusals = [
        rep.patch(f"/api/v1/posts/{pats_ask['id']}", json={"owner_id": sam_id}),
        ask(rep, cfos["id"], f"{NEXT}-01-20T10:00", owner_id=sam_id),
        rep.patch(
            f"/api/v1/posts/{sams_ask.get_json()['id']}",
            json={"scheduled_at": f"{NEXT}-02-01T10:00"},
        ),
    ]
    for refused in refusals:
        assert refused.status_code == 409, refused.get_json()
    assert rows(app) == []
    assert ask(colleague, cfos["id"], f"{NEXT}-01-20T10:00").status_code == 409
    assert [(r.owner_id, r.audience_id) for r in rows(app)] == [(sam_id, cfos["id"])]

    today = dt.date.today()
    view = rep.get(f"/api/v1/team?from={today}&to={today + dt.timedelta(days=1)}").get_json()
    reps = {r["email"]: r for r in view["reps"]}
    assert reps["sam@acme.example"]["totals"]["refused_asks"] == 1
    assert reps["rep@acme.example"]["totals"]["refused_asks"] == 0
    sentences = [n["sentence"] for n in view["needs_help"]]
    assert any(s.startswith("Sam: ") and s.endswith(" 1 refused ask") for s in sentences)


def test_a_rep_is_refused_the_team_view_naming_the_admins(rep, colleague):
    response = colleague.get("/api/v1/team")
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["admins"] == ["rep@acme.example"]


def test_another_workspace_sees_only_its_own_team(rep, outsider, team):
    view = outsider.get(WINDOW).get_json()
    assert [r["email"] for r in view["reps"]] == ["rep@globex.example"]
    assert view["reps"][0]["audiences"] == []
    # A refused ask in one team is not another's figure.
    assert ask(rep, team["cfos"]["id"], f"{NEXT}-01-06T10:00").status_code == 409
    assert outsider.get("/api/v1/team").get_json()["reps"][0]["totals"]["refused_asks"] == 0


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=yesterday-ish", "from"),
        ("to=not-a-date", "to"),
        ("from=2027-03-01&to=2027-01-01", "to"),
        ("from=2027-01-01&to=2028-06-01", "to"),
        ("from=0001-01-01T00:00%2B14:00", "from"),
        ("from=2026-01-01&to=2027-01-02", "to"),  # a year and a day
        # The cadence's slots would run past the calendar's last year.
        ("from=9999-01-01&to=9999-12-31", "to"),
        ("from=9998-12-31&to=9999-12-30", "to"),
    ],
)
def test_a_bad_window_is_a_422_naming_the_field(rep, query, field):
    make_audience(rep)
    response = rep.get(f"/api/v1/team?{query}")
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"
    assert field in {e["field"] for e in response.get_json()["errors"]}


def test_a_window_of_exactly_a_year_is_answered(rep):
    make_audience(rep)
    response = rep.get("/api/v1/team?from=2028-01-01&to=2029-01-01")  # 366 days
    assert response.status_code == 200, response.get_json()


@pytest.mark.parametrize("start", ["9999-12-31", "2020-01-01"])
def test_a_from_alone_that_the_quarters_end_cannot_follow_blames_from_not_to(rep, start):
    """Without to, the window ends with this quarter: a from past it (or over a year before it)
    is the from's fault, said so, rather than a "to" the client never sent."""
    make_audience(rep)
    response = rep.get(f"/api/v1/team?from={start}")
    assert response.status_code == 422, response.get_json()
    [error] = response.get_json()["errors"]
    assert error["field"] == "from" and error["location"] == "query"
    assert "without an end, the window ends with this quarter" in error["message"]
