"""What the API test modules share: contacts, touches, asks, refusals, imports, suggestions."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from sqlalchemy import update

from schedules.models import Contact, Post, Touch
from tests.helpers import ask, give, make_audience

ARTICLE = "https://cfo.example/pricing?ref=weekly"
CONNECTIONS = Path(__file__).parents[1] / "data" / "contacts" / "Connections.csv"
CONNECT_POLICY = {
    "gives_per_ask": 1,
    "min_days_between_asks": 30,
    "min_days_after_connect": 14,
    "touches_per_ask": 2,
}
NEXT = dt.date.today().year + 1


def iso(days: float = 0, hours: float = 0) -> str:
    """The minute ``days`` (and ``hours``) from now, as a form holds it; negative is the past."""
    at = dt.datetime.now(dt.UTC) + dt.timedelta(days=days, hours=hours)
    return at.replace(second=0, microsecond=0).isoformat()


def add_contact(caller, audience=None, **fields):
    body = {"name": "Ana Lima", "company": "Initech", "title": "CFO", **fields}
    if audience is not None:
        body.setdefault("audience_id", audience["id"])
    response = caller.post("/api/v1/contacts", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def store_acceptance(app, contact, at: str) -> None:
    """Write a contact's acceptance as stored, past the API's checks (a row from before them)."""
    accepted = dt.datetime.fromisoformat(at).replace(tzinfo=dt.UTC)
    with app.extensions["planner_db"].writer() as session:
        session.execute(
            update(Contact).where(Contact.id == contact["id"]).values(accepted_at=accepted)
        )
        session.commit()


def touch(caller, contact, at, kind="commented", **fields):
    response = caller.post(
        f"/api/v1/contacts/{contact['id']}/touches", json={"kind": kind, "at": at, **fields}
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def direct_ask(caller, contact, at, type_="meeting_request", **fields):
    return caller.post(
        f"/api/v1/contacts/{contact['id']}/asks",
        json={"type": type_, "scheduled_at": at, **fields},
    )


def refused(response):
    assert response.status_code == 409, response.get_json()
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["type"] == "/problems/relationship-guard"
    return body


def conditions(body):
    return {c["condition"]: c for c in body["conditions"]}


def upload(caller, data: bytes, filename="Connections.csv", **form):
    return caller.post(
        "/api/v1/contacts/import",
        data={"file": (io.BytesIO(data), filename), **{k: str(v) for k, v in form.items()}},
        content_type="multipart/form-data",
    )


def suggestions(caller, audience_id, **params):
    response = caller.get(f"/api/v1/audiences/{audience_id}/suggestions", query_string=params)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def stored_at_the_calendars_end(app, rep) -> dict:
    """A rep's history dated at the calendar's very end, as the API stored it before dates were
    bounded (made with ordinary dates, then moved there in the database): an acceptance on
    9999-12-31, a give on 1 December 9999 and an ask on the 20th, and a give, a touch and a
    one-to-one ask in its last half hour (past the year's end on Berlin's clock)."""
    audience = make_audience(rep, policy={"gives_per_ask": 1, "min_days_after_connect": 0})
    ready = add_contact(rep, audience, name="Dana Reyes", accepted_at=iso(-20))
    touched = touch(rep, ready, iso(-3))
    touch(rep, ready, iso(-2))
    planned = give(rep, audience["id"], iso(5))
    one_to_one = direct_ask(rep, ready, iso(10))
    assert one_to_one.status_code == 201, one_to_one.get_json()
    gives = [give(rep, audience["id"], iso(day)) for day in (20, 21)]
    later_ask = ask(rep, audience["id"], iso(40))
    assert later_ask.status_code == 201, later_ask.get_json()
    far = add_contact(
        rep,
        audience,
        name="Fut Ure",
        profile_url="https://linkedin.com/in/fut",
        accepted_at=iso(-1),
    )
    moves = [
        (Post, gives[0]["id"], "scheduled_at", "9999-12-01T00:00"),
        (Post, later_ask.get_json()["id"], "scheduled_at", "9999-12-20T00:00"),
        (Post, gives[1]["id"], "scheduled_at", "9999-12-31T23:30"),
        (Post, one_to_one.get_json()["id"], "scheduled_at", "9999-12-31T23:50"),
        (Touch, touched["id"], "at", "9999-12-31T23:59"),
        (Contact, far["id"], "accepted_at", "9999-12-31T00:00"),
    ]
    with app.extensions["planner_db"].writer() as session:
        for model, row_id, column, at in moves:
            moved = dt.datetime.fromisoformat(at).replace(tzinfo=dt.UTC)
            session.execute(update(model).where(model.id == row_id).values({column: moved}))
        session.commit()
    return {"audience": audience, "ready": ready, "far": far, "give": planned,
            "ask": later_ask.get_json()}  # fmt: skip
