"""GET /api/v1/contacts/export.csv: a rep takes their contacts out, as a file the import reads
back unchanged; admins may take a rep's or the team's."""

import csv
import io

from tests.api.helpers import add_contact, upload
from tests.helpers import make_audience

BOM = "\ufeff"
COLUMNS = ["name", "profile_url", "company", "title", "email", "accepted_at", "audience"]


def exported_text(caller, **query) -> str:
    response = caller.get("/api/v1/contacts/export.csv", query_string=query)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="value-planner-contacts.csv"'
    )
    text = response.get_data(as_text=True)
    assert text.startswith(BOM)
    return text


def exported(caller, **query) -> list[dict[str, str]]:
    text = exported_text(caller, **query).removeprefix(BOM)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    assert reader.fieldnames == COLUMNS
    return list(reader)


def names(caller, **query) -> list[str]:
    return [row["name"] for row in exported(caller, **query)]


def user_id(caller) -> int:
    return caller.get("/api/v1/me").get_json()["id"]


def test_a_rep_exports_their_own_contacts_by_name_with_dates_on_the_audiences_clock(rep, colleague):
    berlin = make_audience(rep, name="CFOs", timezone="Europe/Berlin")
    add_contact(
        rep, berlin, name="Dana Whitfield", profile_url="https://www.linkedin.com/in/dana",
        email="dana@initech.example", company="Nordlys, AS",
        accepted_at="2026-12-03T00:30:00+01:00",
    )  # fmt: skip
    add_contact(rep, name="ana Lima", profile_url="https://www.linkedin.com/in/ana", title="=1+1")
    add_contact(colleague, name="Sam's Contact", profile_url="https://www.linkedin.com/in/sc")
    ana, dana = exported(rep)
    assert (ana["name"], ana["title"], ana["email"], ana["accepted_at"], ana["audience"]) == (
        "ana Lima", "'=1+1", "", "", ""
    )  # fmt: skip
    assert dana == {
        "name": "Dana Whitfield", "profile_url": "https://www.linkedin.com/in/dana",
        "company": "Nordlys, AS", "title": "CFO", "email": "dana@initech.example",
        "accepted_at": "2026-12-03", "audience": "CFOs",  # 2 December 23:30 in UTC
    }  # fmt: skip
    assert names(colleague) == ["Sam's Contact"]


def test_another_workspaces_rep_gets_only_their_own_and_no_token_gets_nothing(app, rep, outsider):
    add_contact(rep, name="Acme's Person", profile_url="https://www.linkedin.com/in/acme")
    add_contact(outsider, name="Globex's Person", profile_url="https://www.linkedin.com/in/gx")
    assert names(outsider) == ["Globex's Person"]
    assert names(rep) == ["Acme's Person"]
    refused = outsider.get("/api/v1/contacts/export.csv", query_string={"owner": user_id(rep)})
    # The admin of their own team only: another team's rep is no member of it.
    assert (refused.status_code, refused.get_json()["errors"][0]["field"]) == (422, "owner")
    assert names(outsider, owner="all") == ["Globex's Person"]
    anonymous = app.test_client().get("/api/v1/contacts/export.csv")
    assert anonymous.status_code == 401 and anonymous.mimetype == "application/problem+json"


def test_the_owner_filter_is_the_contact_lists(rep, colleague):
    add_contact(rep, name="Pat's Person", profile_url="https://www.linkedin.com/in/pp")
    add_contact(colleague, name="Sam's Person", profile_url="https://www.linkedin.com/in/sp")
    assert names(rep, owner=user_id(colleague)) == ["Sam's Person"]
    assert names(rep, owner="all") == ["Pat's Person", "Sam's Person"]
    for owner, reason in ((user_id(rep), "read another rep's contacts"),
                          ("all", "read the team's contacts")):  # fmt: skip
        refused = colleague.get("/api/v1/contacts/export.csv", query_string={"owner": owner})
        assert refused.status_code == 403
        assert reason in refused.get_json()["detail"]
    bad = rep.get("/api/v1/contacts/export.csv?owner=someone")
    assert (bad.status_code, bad.get_json()["errors"][0]["field"]) == (422, "owner")
    unknown = rep.get("/api/v1/contacts/export.csv?stage=new")
    assert (unknown.status_code, unknown.get_json()["errors"][0]["field"]) == (422, "stage")


def test_exporting_then_importing_gives_the_same_contacts(rep, colleague):
    cfos = make_audience(rep, name="CFOs", timezone="America/New_York")
    add_contact(
        rep, cfos, name="Dana Whitfield", profile_url="https://www.linkedin.com/in/dana",
        email="dana@initech.example", company="Nordlys, AS", title='Head of "FP&A"\nEMEA',
        accepted_at="2026-11-14T23:30:00-05:00",
    )  # fmt: skip
    add_contact(rep, name="Lars Øberg", profile_url="https://www.linkedin.com/in/lars", title="")
    add_contact(rep, name="-Minus Corp", profile_url="https://www.linkedin.com/in/m", company="@x")
    add_contact(rep, name="Mia Keller")  # no profile URL: exported, but not matchable
    data = exported_text(rep).encode()

    # Into the same rep: everyone matched, nothing changed.
    again = upload(rep, data).get_json()
    assert again["created"] == []
    assert [row["changed"] for row in again["updated"]] == [[], [], []]
    assert [(s["field"], s["reason"]) for s in again["skipped"]] == [
        ("profile_url", "No profile URL: contacts are matched by it.")
    ]  # fmt: skip

    # Into another rep: the same contacts (those with a profile URL), the same file out again.
    taken = upload(colleague, data).get_json()
    assert [row["name"] for row in taken["created"]] == [
        "-Minus Corp", "Dana Whitfield", "Lars Øberg"
    ]  # fmt: skip
    mine = [row for row in exported(rep) if row["profile_url"]]
    assert exported(colleague) == mine
    dana = next(c for c in colleague.get("/api/v1/contacts").get_json()["items"] if c["email"])
    assert (dana["title"], dana["audience_id"]) == ('Head of "FP&A"\nEMEA', cfos["id"])
    assert dana["accepted_at"] == "2026-11-14T05:00:00+00:00"  # that day's start in New York
