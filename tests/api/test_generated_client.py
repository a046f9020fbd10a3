"""A client generated from the committed openapi.yaml reads real answers with typed models.

openapi-python-client is what an integrator would run on the document; where the document is
vague (an untyped object, a non-nullable field that is null, read-only fields in requests) the
generated models fail to parse or lose data. Each answer is parsed and written back: equal to
the JSON the server sent means no field was untyped, dropped or mistyped.
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import make_caller

OPENAPI_YAML = Path(__file__).resolve().parents[2] / "openapi.yaml"
PACKAGE = "planner_client"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory):
    if importlib.util.find_spec("openapi_python_client") is None:
        pytest.skip("openapi-python-client is not installed: pip install -e '.[test]'")
    out = tmp_path_factory.mktemp("generated")
    config = out / "config.yaml"
    config.write_text("post_hooks: []\n")  # no ruff run over the generated code: not needed
    command = [sys.executable, "-m", "openapi_python_client", "generate", "--path",
               str(OPENAPI_YAML), "--output-path", str(out / PACKAGE), "--meta", "none",
               "--config", str(config)]  # fmt: skip
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    sys.path.insert(0, str(out))
    try:
        yield lambda name: importlib.import_module(f"{PACKAGE}.{name}")
    finally:
        sys.path.remove(str(out))
        for name in [m for m in sys.modules if m.split(".")[0] == PACKAGE]:
            del sys.modules[name]


@pytest.fixture
def client(generated, app, live_server):
    """The generated client, signed in as a rep of a new workspace against the live server."""
    token = make_caller(app, "Acme Sales", "rep@acme.example").token
    return generated("client").AuthenticatedClient(
        base_url=live_server.url(), token=token, raise_on_unexpected_status=True
    )


def _typed(response: Any, status: int) -> Any:
    """The parsed answer, checked to say exactly what the server sent."""
    assert response.status_code == status, response.content
    assert response.parsed.to_dict() == json.loads(response.content)
    return response.parsed


def test_a_generated_client_lists_audiences_creates_a_give_and_reads_a_refusal(generated, client):
    models, api = generated("models"), "api"

    new_audience = models.AudienceInput(
        name="CFOs",
        timezone="Europe/Berlin",
        cadence=models.Cadence(frequency=models.CadenceFrequency.MONTHLY, day=10, time="09:00"),
    )
    created = _typed(
        generated(f"{api}.audiences.create_audience").sync_detailed(
            client=client, body=new_audience
        ),
        201,
    )
    listed = _typed(generated(f"{api}.audiences.list_audiences").sync_detailed(client=client), 200)
    assert [a.id for a in listed.items] == [created.id]
    assert isinstance(listed.items[0].created_at, dt.datetime)

    create_post = generated(f"{api}.posts.create_post").sync_detailed
    when = dt.datetime(2030, 1, 10, 9, tzinfo=dt.UTC)
    give = _typed(
        create_post(
            created.id,
            client=client,
            body=models.PostInput(
                kind=models.PostInputKind.GIVE,
                type_=models.PostInputType.TIP,
                title="A tip",
                scheduled_at=when,
                status=models.PostInputStatus.SCHEDULED,
            ),
        ),
        201,
    )
    assert give.scheduled_at == when and give.sequence == 0

    refused = create_post(
        created.id,
        client=client,
        body=models.PostInput(
            kind=models.PostInputKind.ASK,
            type_=models.PostInputType.MEETING_REQUEST,
            title="Coffee?",
            scheduled_at=when + dt.timedelta(days=1),
            status=models.PostInputStatus.SCHEDULED,
        ),
    )
    problem = _typed(refused, 409)
    assert isinstance(problem, models.GiveBeforeAskProblem)
    [violation] = problem.violations
    assert isinstance(violation, models.RuleViolation)
    assert violation.post_id is None
    assert (violation.gives_counted, violation.gives_required) == (1, 3)
    assert isinstance(violation.scheduled_at, dt.datetime)

    slots = _typed(
        generated(f"{api}.audiences.get_slots").sync_detailed(
            created.id, client=client, from_="2030-01-01", to="2030-03-01"
        ),
        200,
    )
    assert [type(slot.post).__name__ for slot in slots.items] == ["SlotPost", "NoneType"]
    assert slots.items[0].post.scheduled_at == when

    ratio = _typed(
        generated(f"{api}.audiences.get_ratio").sync_detailed(created.id, client=client), 200
    )
    assert ratio.gives_needed == 2


def test_a_generated_patch_changes_only_what_it_sets_and_contacts_read_typed(generated, client):
    models, api = generated("models"), "api"
    created = _typed(
        generated(f"{api}.audiences.create_audience").sync_detailed(
            client=client,
            body=models.AudienceInput(name="CFOs", description="Finance", half_life_days=14),
        ),
        201,
    )
    patch = models.AudiencePatch(
        cadence=models.Cadence(rrule="FREQ=WEEKLY;INTERVAL=2;BYDAY=MO", time="08:00")
    )
    patched = _typed(
        generated(f"{api}.audiences.update_audience").sync_detailed(
            created.id, client=client, body=patch
        ),
        200,
    )
    assert (patched.description, patched.half_life_days) == ("Finance", 14)
    assert patched.cadence.starts_on == "2024-01-01" and patched.cadence.time == "08:00"

    # Touched the same minute: a touch is recorded after the fact, and recently.
    accepted = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) - dt.timedelta(days=2)
    contact = _typed(
        generated(f"{api}.contacts.create_contact").sync_detailed(
            client=client,
            body=models.ContactInput(name="Pat", audience_id=created.id, accepted_at=accepted),
        ),
        201,
    )
    assert contact.accepted_at == accepted
    touch = _typed(
        generated(f"{api}.contacts.create_touch").sync_detailed(
            contact.id,
            client=client,
            body=models.TouchInput(kind=models.TouchInputKind.HELPED, at=accepted),
        ),
        201,
    )
    assert touch.at == accepted and touch.post_id is None


def test_a_generated_client_adds_a_webhook_reads_its_secret_once_and_its_deliveries(
    generated, client
):
    models, api = generated("models"), "api.webhooks"
    created = _typed(
        generated(f"{api}.create_webhook").sync_detailed(
            client=client,
            body=models.WebhookInput(
                url="https://hooks.example/planner",
                events=[models.WebhookInputEventsItem.POST_DUE],
            ),
        ),
        201,
    )
    assert created.secret.startswith("whsec_")
    assert [e.value for e in created.events] == ["post.due"]
    shown = _typed(generated(f"{api}.get_webhook").sync_detailed(created.id, client=client), 200)
    assert "secret" not in shown.to_dict()
    pinged = generated(f"{api}.test_webhook").sync_detailed(created.id, client=client)
    assert pinged.status_code == 202
    deliveries = _typed(
        generated(f"{api}.list_webhook_deliveries").sync_detailed(created.id, client=client), 200
    )
    assert deliveries.total == 0  # the ping waits for the worker


def test_a_generated_client_imports_linkedins_connections_csv(generated, client):
    models, types = generated("models"), generated("types")
    data = (Path(__file__).parents[1] / "data" / "contacts" / "Connections.csv").read_bytes()
    body = models.ImportContactsBody(
        file=types.File(payload=io.BytesIO(data), file_name="Connections.csv")
    )
    answer = _typed(
        generated("api.contacts.import_contacts").sync_detailed(client=client, body=body), 200
    )
    assert [row.line for row in answer.created] == [5, 6, 9]
    assert [(row.line, row.field) for row in answer.skipped] == [
        (7, "profile_url"), (8, "accepted_at")
    ]  # fmt: skip
