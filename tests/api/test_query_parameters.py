"""A query parameter the route does not take is a 422 naming it, not silently ignored: a typo
such as ``?audience=1`` for ``?audience_id=1`` would otherwise answer every contact."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from app.problems import MAX_LISTED_ERRORS
from tests.helpers import make_audience

SPEC = yaml.safe_load((Path(__file__).parents[2] / "openapi.yaml").read_text())
UNKNOWN = "Unknown parameter."


def unknown_names(response) -> list[str]:
    """The query parameters a 422 refused as unknown; [] for any other answer."""
    if response.status_code != 422:
        return []
    errors = response.get_json().get("errors", [])
    return [
        e["field"] for e in errors if e["location"] == "query" and e["message"].startswith(UNKNOWN)
    ]


def refused(response) -> list[dict[str, str]]:
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["type"].endswith("validation-error")
    assert body["detail"]
    return body["errors"]


def test_a_misspelt_filter_is_refused_not_ignored(rep):
    audience = make_audience(rep)
    rep.post("/api/v1/contacts", json={"name": "In it", "audience_id": audience["id"]})
    rep.post("/api/v1/contacts", json={"name": "In none"})
    errors = refused(rep.get(f"/api/v1/contacts?audience={audience['id']}"))
    assert errors == [
        {
            "field": "audience",
            "location": "query",
            "message": "Unknown parameter. This route takes: audience_id, limit, offset, owner, "
            "stage.",
        }
    ]
    listed = rep.get(f"/api/v1/contacts?audience_id={audience['id']}")
    assert [c["name"] for c in listed.get_json()["items"]] == ["In it"]


@pytest.mark.parametrize("value", ["10", "-1", "abc"])
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/webhooks",
        "/api/v1/contacts/{contact}/touches",
        "/api/v1/contacts/{contact}/asks",
        "/api/v1/audiences/{audience}/feedback",
    ],
)
def test_paging_a_list_that_does_not_page_is_refused(rep, path, value):
    audience = make_audience(rep)
    contact = rep.post("/api/v1/contacts", json={"name": "Ada"}).get_json()
    url = path.format(contact=contact["id"], audience=audience["id"])
    assert rep.get(url).status_code == 200
    errors = refused(rep.get(f"{url}?limit={value}"))
    # These routes take no query parameters at all: nothing to list.
    assert errors == [{"field": "limit", "location": "query", "message": UNKNOWN}]


def test_each_unknown_name_is_listed_once_and_the_list_is_capped(rep):
    errors = refused(rep.get("/api/v1/audiences?limit=5&colour=1&colour=2&size=3"))
    assert [(e["field"], e["location"]) for e in errors] == [("colour", "query"), ("size", "query")]
    assert errors[0]["message"] == UNKNOWN + " This route takes: limit, offset."
    many = "&".join(f"x{n}=1" for n in range(MAX_LISTED_ERRORS + 5))
    response = rep.get(f"/api/v1/audiences?{many}")
    assert [e["field"] for e in refused(response)] == [f"x{n}" for n in range(MAX_LISTED_ERRORS)]
    assert "(5 more not listed)" in response.get_json()["detail"]


def test_a_parameter_sent_twice_is_refused_not_read_first_one_wins(rep):
    for name in ("First", "Second"):
        rep.post("/api/v1/audiences", json={"name": name})
    twice = "Sent twice: send each parameter once."
    response = rep.get("/api/v1/audiences?limit=1&offset=0&limit=2")
    assert refused(response) == [{"field": "limit", "location": "query", "message": twice}]
    assert response.get_json()["detail"] == f"limit: {twice}"
    # The same value twice is no less ambiguous to a reader of the URL; each name once.
    both = refused(rep.get("/api/v1/audiences?offset=0&limit=1&offset=0&limit=1"))
    assert [(e["field"], e["message"]) for e in both] == [("offset", twice), ("limit", twice)]
    # A renamed field is refused under the name sent.
    assert refused(rep.get("/api/v1/team?from=2026-01-01&from=2026-02-01"))[0]["field"] == "from"
    assert rep.get("/api/v1/audiences?limit=1&offset=1").get_json()["items"][0]["name"] == "Second"


def test_a_renamed_field_answers_to_the_name_sent_only(rep):
    # TeamQuerySchema's ``start`` is sent as ``from``: the attribute name is not a parameter.
    assert rep.get("/api/v1/team?from=2026-01-01").status_code == 200
    errors = refused(rep.get("/api/v1/team?start=2026-01-01"))
    assert errors[0]["field"] == "start"
    assert errors[0]["message"] == UNKNOWN + " This route takes: from, to."


def test_a_write_refuses_query_parameters_and_writes_nothing(rep):
    errors = refused(rep.post("/api/v1/audiences?dry_run=1", json={"name": "CFOs"}))
    assert [e["field"] for e in errors] == ["dry_run"]
    assert rep.get("/api/v1/audiences").get_json()["total"] == 0


def test_head_is_checked_as_get_and_options_not_at_all(rep):
    assert rep.head("/api/v1/audiences?limit=5").status_code == 200
    assert rep.head("/api/v1/audiences?page=2").status_code == 422
    # OPTIONS only names the allowed methods; it reads nothing.
    assert rep.options("/api/v1/webhooks?limit=5").status_code == 204


def test_authentication_routing_and_method_come_first(app, client, rep):
    assert client.get("/api/v1/contacts?audience=1").status_code == 401
    assert rep.get("/api/v1/no-such-thing?audience=1").status_code == 404
    assert rep.put("/api/v1/contacts?audience=1", json={}).status_code == 405


def test_routes_outside_the_api_are_not_checked(app, client, rep):
    # Load balancers, calendar apps (cache-busting parameters) and web pages are not API clients.
    assert client.get("/healthz?probe=lb-1").status_code == 200
    assert client.get("/signin?utm_source=mail").status_code == 200
    url = rep.post("/api/v1/calendar/subscription").get_json()["url"]
    path = url.split("://", 1)[-1].split("/", 1)[1]
    assert client.get(f"/{path}?nocache=1712345678").status_code == 200


def example_value(parameter: dict) -> str:
    schema = parameter["schema"]
    if "enum" in schema:
        return str(schema["enum"][0])
    if "oneOf" in schema:  # owner: a user id or "all"
        return "all"
    if schema.get("type") == "integer":
        return str(schema.get("default", schema.get("minimum", 1)))
    if schema.get("type") == "boolean":
        return "true"
    if parameter["name"] in ("from", "since"):
        return "2026-01-01"
    if parameter["name"] == "to":
        return "2026-02-01"
    return "pricing"


DOCUMENTED = [
    (path, parameter)
    for path, operations in SPEC["paths"].items()
    for parameter in operations.get("get", {}).get("parameters", [])
    if parameter["in"] == "query"
]


def test_the_spec_documents_query_parameters():
    assert len(DOCUMENTED) > 30  # the walk below would pass vacuously on an empty list


def test_every_documented_query_parameter_is_taken(rep):
    audience = make_audience(rep)
    webhook = rep.post(
        "/api/v1/webhooks", json={"url": "https://hooks.example.com/planner", "events": ["*"]}
    ).get_json()
    ids = {"audience_id": audience["id"], "webhook_id": webhook.get("id", 1)}
    for path, parameter in DOCUMENTED:
        url = path.format(**ids)
        response = rep.get(url, query_string={parameter["name"]: example_value(parameter)})
        assert response.status_code != 500, (url, parameter["name"])
        assert unknown_names(response) == [], (url, parameter["name"], response.get_json())


WHOLE_NUMBER = "Must be a whole number written with the digits 0-9."
DOCUMENTED_INTEGERS = [(p, q) for p, q in DOCUMENTED if q["schema"].get("type") == "integer"]
# What int() reads as a number besides plain digits: full-width and Arabic-Indic digits, a sign,
# surrounding spaces, and digit-group underscores ("1_0" is 10).
NOT_PLAIN_DIGITS = ["\uff11", "\u0663", "+5", "-1", " 5", "5 ", "1_0", "", "2.0"]


@pytest.mark.options(FEEDS_ALLOW_PRIVATE=True)  # the webhook's receiver is on this machine
def test_integers_in_a_query_are_plain_digits_0_to_9(rep, httpserver):
    ids = {
        "audience_id": make_audience(rep)["id"],
        "webhook_id": rep.post(
            "/api/v1/webhooks", json={"url": httpserver.url_for("/hooks")}
        ).get_json()["id"],
    }
    assert len(DOCUMENTED_INTEGERS) > 10  # limit, offset, feed, audience_id on several routes
    for path, parameter in DOCUMENTED_INTEGERS:
        url, name = path.format(**ids), parameter["name"]
        for value in NOT_PLAIN_DIGITS:
            errors = refused(rep.get(url, query_string={name: value}))
            expected = [{"field": name, "location": "query", "message": WHOLE_NUMBER}]
            assert errors == expected, (url, name, value)
        # Leading zeros are still the number's digits (feed=01 names no feed here: a 404).
        leading = "0" + example_value(parameter)
        assert rep.get(url, query_string={name: leading}).status_code in (200, 404), (url, name)
