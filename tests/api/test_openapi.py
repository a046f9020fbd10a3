"""openapi.yaml is generated from the code; it must never drift from it."""

from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def spec(app):
    return app.extensions["planner_api"].spec.to_dict()


def test_committed_openapi_yaml_matches_the_code(spec):
    committed = yaml.safe_load((ROOT / "openapi.yaml").read_text())
    assert committed == spec, "openapi.yaml is stale: run `make openapi` and commit it"


def test_served_document_is_the_generated_one(app, spec):
    assert app.test_client().get("/openapi.json").get_json() == spec


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
