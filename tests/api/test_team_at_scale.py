"""The team view and the contact lists of a workspace with more contacts than a PostgreSQL
statement takes parameters (65,535): no query lists their ids."""

from __future__ import annotations

from sqlalchemy import insert

from schedules.models import Contact
from tests.api.test_team import me
from tests.helpers import make_audience
from tests.web.conftest import sign_in

PAST_THE_PARAMETER_LIMIT = 65_600


def test_the_team_view_reads_a_workspace_past_65535_contacts(app, rep, colleague):
    cfos = make_audience(rep, name="CFOs")
    owners = (me(rep)["id"], me(colleague)["id"])
    rows = [
        {"workspace_id": rep.workspace_id, "owner_id": owners[i % 2], "name": f"Person {i}",
         "audience_id": cfos["id"] if i % 3 else None}
        for i in range(PAST_THE_PARAMETER_LIMIT)
    ]  # fmt: skip
    with app.extensions["planner_db"].writer() as session:
        session.execute(insert(Contact.__table__), rows)  # executemany, not the API: fast
        session.commit()

    response = rep.get("/api/v1/team")
    assert response.status_code == 200, response.get_json()
    reps = {r["email"]: r for r in response.get_json()["reps"]}
    assert reps["rep@acme.example"]["totals"]["contacts"]["new"] == PAST_THE_PARAMETER_LIMIT // 2
    sams_on_cfos = sum(1 for i in range(PAST_THE_PARAMETER_LIMIT) if i % 2 and i % 3)
    assert reps["sam@acme.example"]["audiences"][0]["contacts"]["new"] == sams_on_cfos
    # The stage filter derives every listed contact's stage, the whole team's here.
    listed = rep.get("/api/v1/contacts?owner=all&stage=new&limit=1")
    assert listed.status_code == 200, listed.get_json()
    assert listed.get_json()["total"] == PAST_THE_PARAMETER_LIMIT
    page = sign_in(app, rep, "rep@acme.example").get("/team")
    assert page.status_code == 200
