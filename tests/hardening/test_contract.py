"""The committed OpenAPI document is a contract: schemathesis checks the running app against it.

Every operation is called with generated valid and invalid data, authenticated as a real user,
and each answer must match a documented status, content type and body schema; invalid data
must be refused with a documented 4xx problem, never a 5xx.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import load_all_checks
from schemathesis.specs.openapi import checks as openapi_checks

from tests.helpers import ask, give, make_audience

ROOT = Path(__file__).resolve().parents[2]
load_all_checks()
CHECKS = [
    schemathesis.checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_schema_conformance,
    openapi_checks.negative_data_rejection,
]


schema = schemathesis.openapi.from_path(ROOT / "openapi.yaml")
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
    # Unknown query parameters are ignored, as HTTP intermediaries add their own (utm_*, _=...);
    # unknown body fields are refused. The token is always a real one: auth has its own tests.
    allow_extra_parameters=False,
    with_security_parameters=False,
)


@pytest.fixture
def seeded(rep):
    """Real ids 1 and 2, so generated small ids reach the code behind the 404."""
    audience = make_audience(rep)
    for day in (6, 13, 20):
        give(rep, audience["id"], f"2053-01-{day:02d}T09:00")
    assert ask(rep, audience["id"], "2053-01-27T09:00").status_code == 201
    make_audience(rep, name="CTOs")
    return rep


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_keeps_its_contract(case, app, seeded):
    case.call_and_validate(
        app=app, headers={"Authorization": f"Bearer {seeded.token}"}, checks=CHECKS
    )
