"""``planner contacts import`` and ``export``: LinkedIn's export from the command line, all or
nothing, and a rep's contacts out again as a file the import reads back."""

from schedules.contacts import importing
from tests.api.helpers import CONNECTIONS, add_contact, upload
from tests.helpers import PlannerRunner, make_audience


def run(app, *args):
    return PlannerRunner(app).invoke(args=list(args))


def names(caller):
    return sorted(c["name"] for c in caller.get("/api/v1/contacts").get_json()["items"])


def test_importing_linkedins_export_for_a_named_rep_lists_the_skipped_rows(app, rep, colleague):
    audience = make_audience(rep)
    result = run(
        app, "contacts", "import", str(CONNECTIONS), "--owner", "sam@acme.example",
        "--audience", str(audience["id"]),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "sam@acme.example: 3 created, 0 matched (0 updated), 2 skipped." in result.output
    assert "line 7: profile_url: No profile URL" in result.output
    assert "line 8: accepted_at: Not a date: '31 Feb 2026'." in result.output
    assert names(colleague) == ["Dana Whitfield", "Lars Øberg", "Tom Berg"]
    assert names(rep) == []
    again = run(app, "contacts", "import", str(CONNECTIONS), "--owner", "sam@acme.example")
    assert "0 created, 3 matched (0 updated)" in again.output


def test_a_team_of_several_needs_owner_and_a_bad_file_imports_nothing(
    app, rep, colleague, tmp_path
):
    ambiguous = run(app, "contacts", "import", str(CONNECTIONS))
    assert ambiguous.exit_code == 2
    assert "name the rep with --owner EMAIL" in ambiguous.output
    not_csv = tmp_path / "export.zip"
    not_csv.write_bytes(b"PK\x03\x04\x00\x00binary")
    refused = run(app, "contacts", "import", str(not_csv), "--owner", "rep@acme.example")
    assert refused.exit_code == 2
    assert "Expected LinkedIn's Connections.csv" in refused.output
    unknown = run(
        app, "contacts", "import", str(CONNECTIONS), "--owner", "rep@acme.example",
        "--audience", "99",
    )  # fmt: skip
    assert unknown.exit_code == 2 and "No audience 99" in unknown.output
    assert names(rep) == []


def test_a_rep_of_another_workspace_than_the_one_named_is_refused(app, rep, outsider):
    """--workspace names the team the contacts go to: its rep only, never another team's."""
    result = run(
        app, "contacts", "import", str(CONNECTIONS), "--workspace", "Acme Sales",
        "--owner", "rep@globex.example",
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert result.output == "Error: No user with email rep@globex.example in this workspace.\n"
    assert names(outsider) == [] and names(rep) == []
    own = run(
        app, "contacts", "import", str(CONNECTIONS), "--workspace", "Globex Sales",
        "--owner", "rep@globex.example",
    )  # fmt: skip
    assert "rep@globex.example: 3 created" in own.output
    assert names(rep) == []


def test_a_deactivated_owner_is_named_by_the_email_given(app, rep, colleague):
    assert run(app, "users", "deactivate", "sam@acme.example").exit_code == 0
    for workspace in ([], ["--workspace", "Acme Sales"]):
        refused = run(
            app, "contacts", "import", str(CONNECTIONS), "--owner", "Sam@acme.example", *workspace
        )
        assert refused.exit_code == 2, refused.output
        assert refused.output == (
            "Error: sam@acme.example is deactivated: name an active rep with --owner EMAIL.\n"
        )
    assert names(rep) == []


def test_a_file_over_the_apis_limit_is_refused_unread_and_one_at_it_imports(app, rep, tmp_path):
    """The API's limit (16 MiB, a 413): a CLI import held every row of a 19 MB file in memory
    at once (1.4 GB)."""
    row = b"name,profile_url,company,title\nDana,https://www.linkedin.com/in/dana,Initech,CFO\n"
    at_limit = tmp_path / "at-limit.csv"
    blank = b" " * 65535 + b"\n"  # lines of spaces, skipped: few rows to parse
    padding, rest = divmod(importing.MAX_FILE_BYTES - len(row), len(blank))
    at_limit.write_bytes(row + blank * padding + b"\n" * rest)
    over = tmp_path / "over.csv"
    over.write_bytes(at_limit.read_bytes() + b"\n")

    refused = run(app, "contacts", "import", str(over), "--owner", "rep@acme.example")
    assert refused.exit_code == 2
    assert refused.output == (
        f"Error: {over} is over 16 MiB, the most one import takes (through the API too): split "
        "it; rows are matched by profile URL, so importing the parts adds no one twice.\n"
    )
    assert upload(rep, over.read_bytes()).status_code == 413
    assert names(rep) == []
    taken = run(app, "contacts", "import", str(at_limit), "--owner", "rep@acme.example")
    assert "rep@acme.example: 1 created" in taken.output


def test_a_quote_not_closed_is_refused_naming_its_line(app, rep, tmp_path):
    """It used to report only "line 2: No profile URL" and drop line 3 without a word."""
    broken = tmp_path / "contacts.csv"
    broken.write_text(
        "name,profile_url,company,title\n"
        '"Dana Whitfield,https://www.linkedin.com/in/dana-whitfield,Initech,CFO\n'
        "Tom Berg,https://www.linkedin.com/in/tom-berg,Hooli,Treasurer\n"
    )
    result = run(app, "contacts", "import", str(broken), "--owner", "rep@acme.example")
    assert result.exit_code == 2
    assert result.output == (
        "Error: file: Not a readable CSV: a quote in the record on line 2 is not closed where its "
        "field ends, so the lines after it, to the end of the file, were read into that field. "
        "Close it (a quote inside a quoted field is written twice) and import again.\n"
    )
    assert names(rep) == []


def test_excels_semicolon_csv_is_imported_as_the_api_imports_it(app, rep, tmp_path):
    excel = tmp_path / "contacts.csv"
    excel.write_bytes(
        "\ufeffname;profile_url;company;title\r\n"
        'Ana Lima;https://www.linkedin.com/in/ana;"Initech, Inc.";CFO\r\n'.encode()
    )
    result = run(app, "contacts", "import", str(excel))
    assert result.exit_code == 0, result.output
    assert "rep@acme.example: 1 created" in result.output
    assert names(rep) == ["Ana Lima"]


def test_a_reps_export_imports_back_as_the_same_contacts(app, rep, colleague, tmp_path):
    given = run(app, "contacts", "import", str(CONNECTIONS), "--owner", "sam@acme.example")
    assert "3 created" in given.output
    out = tmp_path / "sam.csv"
    written = run(app, "contacts", "export", "--owner", "sam@acme.example", "-o", str(out))
    assert (written.exit_code, written.output) == (0, "")
    # The API's file, byte for byte.
    assert out.read_bytes() == colleague.get("/api/v1/contacts/export.csv").data
    assert (
        out.read_bytes()
        .decode()
        .startswith("\ufeffname,profile_url,company,title,email,accepted_at,audience\r\n")
    )
    taken = run(app, "contacts", "import", str(out), "--owner", "rep@acme.example")
    assert "rep@acme.example: 3 created, 0 matched (0 updated), 0 skipped." in taken.output
    assert rep.get("/api/v1/contacts/export.csv").data == out.read_bytes()
    again = run(app, "contacts", "import", str(out), "--owner", "sam@acme.example")
    assert "0 created, 3 matched (0 updated), 0 skipped." in again.output


def test_an_export_names_its_rep_within_the_workspace_named(app, rep, colleague, outsider):
    add_contact(outsider, name="Globex's Person", profile_url="https://www.linkedin.com/in/gx")
    add_contact(colleague, name="Sam's Person", profile_url="https://www.linkedin.com/in/sp")
    assert run(app, "contacts", "export").output == (
        "Error: workspace: Name the workspace with --workspace.\n"
    )
    ambiguous = run(app, "contacts", "export", "--workspace", "Acme Sales")
    assert ambiguous.exit_code == 2
    assert "Acme Sales has 2 active users: name the rep with --owner EMAIL." in ambiguous.output
    other = run(
        app, "contacts", "export", "--workspace", "Acme Sales", "--owner", "rep@globex.example"
    )
    assert other.exit_code == 2
    assert other.output == "Error: No user with email rep@globex.example in this workspace.\n"
    only = run(app, "contacts", "export", "--workspace", "Globex Sales")
    assert only.exit_code == 0, only.output
    assert "Globex's Person" in only.output and "Sam's Person" not in only.output
    # A deactivated rep's contacts are what they left, to hand over: still exported.
    assert run(app, "users", "deactivate", "sam@acme.example").exit_code == 0
    left = run(app, "contacts", "export", "--owner", "sam@acme.example")
    assert left.exit_code == 0 and "Sam's Person" in left.output
