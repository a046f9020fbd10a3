"""Every 201 Created says where the new resource is: a ``Location`` under /api/v1 (RFC 9110
10.2.2) that the same token can read, so a client need not build the URL from the body."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.api.helpers import CONNECT_POLICY, add_contact, iso, touch
from tests.api.test_feeds import CATEGORISED, serve
from tests.helpers import give, make_audience

SPEC = yaml.safe_load((Path(__file__).parents[2] / "openapi.yaml").read_text())
CREATES = sorted(
    path
    for path, operations in SPEC["paths"].items()
    if "201" in operations.get("post", {}).get("responses", {})
)


def test_every_created_answer_documents_its_location():
    assert len(CREATES) >= 9
    for path in CREATES:
        headers = SPEC["paths"][path]["post"]["responses"]["201"].get("headers", {})
        assert headers.get("Location", {}).get("schema", {}).get("type") == "string", path


@pytest.mark.options(FEEDS_ALLOW_PRIVATE=True)  # the feed and the webhook are on this machine
def test_every_create_answers_where_the_new_resource_is(rep, httpserver):
    audience = make_audience(rep, timezone="UTC", policy=CONNECT_POLICY)
    # Ready for a direct ask in 20 days: connected, touched twice, a give before it.
    contact = add_contact(rep, audience, accepted_at=iso(days=-30))
    for days in (-20, -10):
        touch(rep, contact, iso(days=days))
    give(rep, audience["id"], iso(days=10))
    bodies = {
        "/api/v1/audiences": {"name": "Founders"},
        "/api/v1/audiences/{audience_id}/posts": {
            "kind": "give", "type": "tip", "title": "A tip", "scheduled_at": iso(days=3)
        },
        "/api/v1/calendar/subscription": None,
        "/api/v1/contacts": {"name": "Dana Reyes"},
        "/api/v1/contacts/{contact_id}/asks": {
            "type": "meeting_request", "scheduled_at": iso(days=20)
        },
        "/api/v1/contacts/{contact_id}/touches": {"kind": "met", "at": iso(days=-1)},
        "/api/v1/feeds": {"url": serve(httpserver, "pricing.xml", CATEGORISED)},
        "/api/v1/users": {"email": "sam@acme.example", "role": "rep"},
        "/api/v1/webhooks": {"url": httpserver.url_for("/hooks")},
    }  # fmt: skip
    assert sorted(bodies) == CREATES  # a create added to the API is added here
    for path, body in bodies.items():
        url = path.format(audience_id=audience["id"], contact_id=contact["id"])
        created = rep.post(url, json=body)
        assert created.status_code == 201, (url, created.get_json())
        location = created.headers.get("Location", "")
        assert location.startswith("/api/v1/"), (url, location)
        shown = rep.get(location)
        assert shown.status_code == 200, (url, location)
        # The resource created, as it reads now: what the answer said of it (an invitation
        # also holds the token, a webhook its secret).
        said, now = created.get_json(), shown.get_json()
        assert {name: said.get(name) for name in now} == now, url


def test_the_team_subscription_answers_where_it_is_not_where_the_admin_s_own_is(rep):
    """``owner=all`` picks the team's address at the route of the admin's own, so following
    the answer's Location must read the team's, not the admin's."""
    own = rep.post("/api/v1/calendar/subscription").get_json()
    created = rep.post("/api/v1/calendar/subscription?owner=all")
    assert created.status_code == 201
    shown = rep.get(created.headers["Location"])
    assert shown.status_code == 200
    assert shown.get_json() == created.get_json() != own
