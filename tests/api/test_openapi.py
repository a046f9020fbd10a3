"""openapi.yaml is generated from the code; it must never drift from it."""

import re
from pathlib import Path

import pytest
import yaml

from app import security

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def spec(app):
    return app.extensions["planner_api"].spec.to_dict()


def test_committed_openapi_yaml_matches_the_code(spec):
    committed = yaml.safe_load((ROOT / "openapi.yaml").read_text())
    assert committed == spec, "openapi.yaml is stale: run `make openapi` and commit it"


def test_served_document_is_the_generated_one(client, spec):
    assert client.get("/openapi.json").get_json() == spec


def test_every_operation_documents_its_errors_and_security(spec):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            codes = set(operation["responses"])
            if operation.get("security") == []:
                assert path in ("/healthz", "/ics/{token}.ics"), f"{path} must not be public"
                continue
            assert {"401", "413", "422", "429", "503"} <= codes, (method, path)
            if method in ("post", "put", "patch"):
                assert "415" in codes, (method, path)
            if "{" in path:
                assert "404" in codes, (method, path)
            if "requestBody" in operation:
                assert "422" in codes, (method, path)
            for code, response in operation["responses"].items():
                if code.startswith(("4", "5")) and "$ref" not in response:
                    assert "application/problem+json" in response["content"], (method, path)


def _operations(spec):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method != "parameters":
                yield method, path, operation


def _schema(spec, ref: str) -> dict:
    return spec["components"]["schemas"][ref.rsplit("/", 1)[-1]]


def test_every_operation_has_a_unique_readable_operation_id(spec):
    ids = [operation.get("operationId") for _, _, operation in _operations(spec)]
    assert all(isinstance(i, str) and re.fullmatch(r"[a-z]+(_[a-z]+)*", i) for i in ids), ids
    assert len(ids) == len(set(ids))
    assert {"list_audiences", "create_audience", "get_audience", "update_audience",
            "create_post", "get_post", "list_touches", "create_touch"} <= set(ids)  # fmt: skip


def test_request_bodies_carry_no_read_only_fields(spec):
    for method, path, operation in _operations(spec):
        for media in operation.get("requestBody", {}).get("content", {}).values():
            ref = media["schema"].get("$ref")
            if ref:
                properties = _schema(spec, ref).get("properties", {})
                read_only = [name for name, p in properties.items() if p.get("readOnly")]
                assert read_only == [], (method, path, read_only)


def test_nullable_nested_objects_are_typed_and_instants_are_date_times(spec):
    schemas = spec["components"]["schemas"]
    for name, schema in schemas.items():
        for field, prop in schema.get("properties", {}).items():
            assert {"type": "object", "nullable": True} not in prop.get("anyOf", []), (name, field)
    assert schemas["Slot"]["properties"]["post"] == {
        "allOf": [{"$ref": "#/components/schemas/SlotPost"}],
        "nullable": True,
    }
    assert schemas["RuleViolation"]["properties"]["post_id"]["nullable"] is True
    for name, field in (("Post", "scheduled_at"), ("Touch", "at"), ("Contact", "accepted_at")):
        assert schemas[name]["properties"][field]["format"] == "date-time", (name, field)


def test_the_body_guard_reads_a_body_where_the_document_says_one_is_sent(app, spec):
    """app.security refuses a body sent to a view that reads none (422) and checks JSON where one
    is read; it must agree with the requestBody this document promises, operation by operation.
    Uploads (NON_JSON_ENDPOINTS) are passed through before that question is asked."""
    documented, guarded = set(), set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/") or rule.endpoint in security.NON_JSON_ENDPOINTS:
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            operation = spec["paths"].get(path, {}).get(method.lower())
            if operation is None:
                continue  # not part of the API document (none today)
            if "requestBody" in operation:
                documented.add((method, path))
            with app.app_context():
                if security._takes_body(rule.endpoint, method):
                    guarded.add((method, path))
    assert documented, "no operation found: the path translation is wrong"
    assert guarded == documented


def test_the_owner_parameter_reads_the_same_wherever_it_is_taken(spec):
    """One field, one description: a client reading the subscription's ``owner`` learns what
    the calendars', posts' and contacts' mean."""
    owners = {
        (method, path): parameter
        for method, path, operation in _operations(spec)
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "query" and parameter["name"] == "owner"
    }
    assert ("post", "/api/v1/calendar/subscription") in owners and len(owners) >= 9
    assert len({yaml.safe_dump(parameter) for parameter in owners.values()}) == 1
