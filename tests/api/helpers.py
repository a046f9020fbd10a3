"""What the API test modules share: contacts, touches, asks, refusals, imports, suggestions."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

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
