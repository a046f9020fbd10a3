"""The planner command: users, tokens, migrations and demo data."""

import re
import shutil
import subprocess
from importlib.metadata import version
from pathlib import Path
from zoneinfo import ZoneInfo

import click
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from app import create_app
from app.cli import COMMANDS, cli
from schedules.models import Audience, Post
from tests.api.helpers import stored_at_the_calendars_end
from tests.cli.helpers import REPO, planner
from tests.conftest import make_caller
from tests.helpers import PASSWORD, PlannerRunner, give, make_audience


def run(app, *args):
    return PlannerRunner(app).invoke(args=list(args))


def test_users_create_prints_a_token_that_works_once_shown(app, client):
    result = run(app, "users", "create", "--workspace", "Initech", "--email", "Pat@Initech.example")
    assert result.exit_code == 0, result.output
    assert "Created admin pat@initech.example in workspace 'Initech'." in result.output
    token = re.search(r"(vp_\S+)", result.output).group(1)
    listing = client.get("/api/v1/audiences", headers={"Authorization": f"Bearer {token}"})
    assert listing.status_code == 200


def test_users_create_refuses_a_duplicate_email_with_exit_code_2(app):
    run(app, "users", "create", "--workspace", "Initech", "--email", "pat@initech.example")
    result = run(app, "users", "create", "--workspace", "Other", "--email", "pat@initech.example")
    assert result.exit_code == 2
    assert "already exists" in result.output
    assert "Traceback" not in result.output


def test_users_create_refuses_an_unknown_role(app):
    result = run(app, "users", "create", "--workspace", "W", "--email", "a@b.c", "--role", "boss")
    assert result.exit_code == 2


def test_demo_load_is_idempotent_and_its_token_works(app, client):
    first = run(app, "demo", "load")
    second = run(app, "demo", "load")
    assert first.exit_code == 0 and second.exit_code == 0, first.output
    token = re.search(r"Demo API token: (\S+)", first.output).group(1)
    assert token in second.output
    audiences = client.get("/api/v1/audiences", headers={"Authorization": f"Bearer {token}"})
    assert audiences.get_json()["total"] == 2


def test_demo_load_names_the_public_address_unless_told_another(app, monkeypatch):
    # It printed http://127.0.0.1:5000/ whatever PLANNER_PUBLIC_URL said.
    monkeypatch.setenv("PLANNER_PUBLIC_URL", "https://planner.example.com/team/")
    said = run(app, "demo", "load").output
    assert "(sign in at https://planner.example.com/team/)" in said
    assert "https://planner.example.com/team/api/v1/audiences" in said
    told = run(app, "demo", "load", "--url", "http://127.0.0.1:5099").output
    assert "(sign in at http://127.0.0.1:5099/)" in told


def demo_load(app) -> tuple[str, str, str]:
    """``planner demo load``'s token and password, and what it printed."""
    output = run(app, "demo", "load").output
    token = re.search(r"Demo API token: (\S+)", output)
    password = re.search(r"Demo password: (\S+)", output)
    assert token and password, output
    return token[1], password[1], output


def test_demo_files_are_the_instance_databases_and_another_database_gets_its_own(
    app, sqlite_template, tmp_path
):
    """Loading the demo into another database (PostgreSQL, or another SQLite file) wrote its
    token and password over the instance database's, which then printed ones that fail there."""
    instance = tmp_path / "instance"
    instance.mkdir()
    shutil.copy(sqlite_template, instance / "planner.db")
    own = create_app({"DATABASE_URL": f"sqlite:///{instance / 'planner.db'}", "SECRET_KEY": "t"})
    own.instance_path = app.instance_path = str(instance)

    token, password, said = demo_load(own)
    other_token, other_password, other_said = demo_load(app)
    assert other_token != token and other_password != password
    assert demo_load(own)[:2] == (token, password)
    assert demo_load(app)[:2] == (other_token, other_password)
    signed = own.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert signed.get_json()["email"] == "rep@demo.example"
    own.extensions["planner_db"].engine.dispose()

    kept = f"kept in {instance / 'demo-token.txt'} and {instance / 'demo-password.txt'}\n"
    assert kept in said
    assert (
        (instance / "demo-token.txt").read_text(),
        (instance / "demo-password.txt").read_text(),
    ) == (f"{token}\n", f"{password}\n")
    other_files = re.search(r"kept in (\S+) and (\S+)\n", other_said).groups()
    assert re.fullmatch(r"demo-token\.[\w-]+-[0-9a-f]{8}\.txt", Path(other_files[0]).name)
    assert Path(other_files[1]).read_text() == f"{other_password}\n"


def test_the_demo_is_a_team_of_a_manager_and_two_reps_each_with_a_history(app, client):
    token = re.search(r"Demo API token: (\S+)", run(app, "demo", "load").output).group(1)
    auth = {"Authorization": f"Bearer {token}"}
    first = client.get("/api/v1/audiences", headers=auth).get_json()["items"][0]["id"]
    mine = client.get(f"/api/v1/audiences/{first}/posts", headers=auth).get_json()
    assert (mine["total"], client.get("/api/v1/me", headers=auth).get_json()["role"]) == (4, "rep")
    team = run(app, "posts", "list", "--audience", str(first), "--workspace", "Demo Sales")
    assert "(sam@demo.example)" in team.output and "(rep@demo.example)" in team.output
    listed = run(app, "users", "list", "--workspace", "Demo Sales").output
    assert "manager@demo.example  admin" in listed and "sam@demo.example  rep" in listed


def test_db_upgrade_reports_the_revision(app):
    result = run(app, "db", "upgrade")
    assert result.exit_code == 0
    assert "revision" in result.output


def test_demo_workspace_is_separate_from_others(app, rep):
    run(app, "demo", "load")
    make_audience(rep)
    assert rep.get("/api/v1/audiences").get_json()["total"] == 1


# --- a CLI of its own -------------------------------------------------------------------------


def one_line_error(result) -> str:
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    assert "Traceback" not in result.output
    return lines[0]


def test_help_lists_planners_own_commands_without_flask_options_or_plugins():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    commands = re.findall(r"^  ([a-z-]+)  ", result.output.split("Commands:")[1], re.M)
    assert set(commands) >= {"audiences", "posts", "feeds", "users", "export-ics", "serve", "dev"}
    assert not {"limiter", "routes", "shell", "openapi"} & set(commands)
    for flask_only in ("--env-file", "-A, --app", "--debug", "``"):
        assert flask_only not in result.output
    assert "give before you ask" in result.output


def test_version_is_planners():
    result = CliRunner().invoke(cli, ["--version"])
    assert result.output.strip() == f"planner, version {version('value-planner')}"
    assert "Flask" not in result.output and "Werkzeug" not in result.output


def test_each_summary_in_the_help_is_that_commands_own_help_line():
    group = cli
    context = click.Context(group)
    for name in COMMANDS:
        assert group.summary(name) == group.get_command(context, name).get_short_help_str(200), name


def test_developer_commands_are_under_dev(app, tmp_path):
    routes = run(app, "dev", "routes")
    assert routes.exit_code == 0, routes.output
    assert "/api/v1/audiences" in routes.output
    written = run(app, "dev", "openapi", "write", "--format=yaml", str(tmp_path / "o.yaml"))
    assert written.exit_code == 0, written.output
    assert "/api/v1/audiences" in (tmp_path / "o.yaml").read_text()
    assert run(app, "openapi", "write").exit_code == 2  # no longer at the top


def test_audiences_list_and_show_with_the_ratio(app, rep, outsider):
    audience = make_audience(rep, name="CFOs in retail")
    give(rep, audience["id"], "2031-01-06T09:00")
    make_audience(outsider, name="Globex CFOs")
    listed = run(app, "audiences", "list", "--workspace", "Acme Sales")
    assert listed.exit_code == 0, listed.output
    assert f"{audience['id']}  CFOs in retail  (Europe/Berlin)" in listed.output
    assert "1 of 3 gives so far (no ask yet), 2 more needed" in listed.output
    assert "Globex" not in listed.output
    for ref in (str(audience["id"]), "CFOs in retail"):
        shown = run(app, "audiences", "show", ref, "--workspace", "Acme Sales")
        assert shown.exit_code == 0, shown.output
        assert "Keywords: pricing" in shown.output
        assert "Policy: 3 gives per ask, asks at least 30 days apart" in shown.output
        assert "Ratio:\n    rep@acme.example: 1 of 3 gives" in shown.output


def test_an_audience_name_matches_whatever_its_case_unless_another_differs_only_by_case(app, rep):
    cfos = make_audience(rep, name="CFOs in mid-market manufacturing")
    roads = make_audience(rep, name="Leiter Straßenbau")
    for ref, audience in [
        ("cfos in MID-MARKET manufacturing", cfos),
        ("LEITER STRASSENBAU", roads),
    ]:
        shown = run(app, "audiences", "show", ref)
        assert shown.output.startswith(f"{audience['name']} (id {audience['id']})"), shown.output
        listed = run(app, "posts", "list", "--audience", ref)
        assert listed.output.startswith(f"{audience['name']}:"), listed.output
        assert run(app, "export-ics", "--audience", ref).exit_code == 0

    shouting = make_audience(rep, name="CFOS IN MID-MARKET MANUFACTURING")
    for exact in (cfos, shouting):
        shown = run(app, "audiences", "show", exact["name"])
        assert shown.output.startswith(f"{exact['name']} (id {exact['id']})"), shown.output
    ambiguous = one_line_error(run(app, "audiences", "show", "cfos in mid-market manufacturing"))
    assert ambiguous == (
        "Error: audience: 'cfos in mid-market manufacturing' could be 2 audiences whose names "
        f"differ only in case: 'CFOs in mid-market manufacturing' (id {cfos['id']}), "
        f"'CFOS IN MID-MARKET MANUFACTURING' (id {shouting['id']}); type one exactly, or its id."
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["audiences", "show", "Nobody", "--workspace", "Acme Sales"], "No audience 'Nobody'"),
        (["audiences", "show", "Globex CFOs", "--workspace", "Acme Sales"], "No audience"),
        (["audiences", "list"], "Name the workspace with --workspace."),
        (["audiences", "list", "--workspace", "Initech"], "No workspace named 'Initech'"),
        (["posts", "list", "--audience", "999", "--workspace", "Acme Sales"], "No audience '999'"),
        (["feeds", "add", "ftp://example.com/x", "--workspace", "Acme Sales"], "http and https"),
        (["feeds", "add", "not a url", "--workspace", "Acme Sales"], "url:"),
        (["feeds", "remove", "999", "--workspace", "Acme Sales"], "Feed 999 not found."),
        (["users", "rotate-token", "nobody@acme.example"], "No user with email"),
        (["users", "invite", "lee@acme.example"], "Name the workspace with --workspace."),
        (["users", "invite", "lee", "--workspace", "Acme Sales"], "email: Not an email address."),
        (
            ["users", "invite", "l" * 65 + "@acme.example", "--workspace", "Acme Sales"],
            "at most 64 bytes (RFC 5321)",
        ),
        (["users", "invite", "REP@globex.example", "--workspace", "Acme Sales"], "already exists"),
        (["users", "invite", "lee@acme.example", "--workspace", "Initech"], "No workspace named"),
        (["users", "role", "nobody@acme.example", "admin"], "No user with email"),
        (["users", "role", "rep@acme.example", "rep"], "the team's last active admin"),
    ],
)
def test_bad_input_exits_2_with_one_line(app, rep, outsider, args, message):
    make_audience(outsider, name="Globex CFOs")
    assert message in one_line_error(run(app, *args))


# Every write to it fails with ENOSPC, as to a full disk.
DEV_FULL = Path("/dev/full")


@pytest.mark.skipif(not DEV_FULL.exists(), reason="/dev/full, a full disk to write to, is Linux's")
@pytest.mark.parametrize(
    "args",
    [
        ["export-ics", "--all"],
        ["export-ics", "--all", "-o", str(DEV_FULL)],
        ["posts", "list", "--audience", "CFOs"],
        ["audiences", "list"],
    ],
)
def test_output_that_cannot_be_written_is_one_error_line_and_exit_2(app, rep, database_url, args):
    give(rep, make_audience(rep)["id"], "2031-01-06T09:00")
    with DEV_FULL.open("w") as full:
        command = planner(*args, database_url=database_url, stdout=full)
        _, err = command.communicate(timeout=60)
    assert err.splitlines() == ["Error: The output cannot be written: No space left on device."]
    assert command.returncode == 2


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"DATABASE_URL": "not a url"}, "DATABASE_URL must be a database URL such as"),
        ({"DATABASE_URL": "mysql://planner@db/planner"}, "mysql:// is not supported"),
        (
            {"DATABASE_URL": "sqlite:////nonexistent/folder/planner.db"},
            "a SQLite file in /nonexistent/folder, a folder that does not exist",
        ),
        ({"PLANNER_PROXY_FIX": "yes"}, "PLANNER_PROXY_FIX must be a whole number"),
        # Port 9 (discard) refuses: a server that is down.
        ({"DATABASE_URL": "postgresql://planner@127.0.0.1:9/planner"}, "database is unavailable"),
    ],
)
@pytest.mark.parametrize("args", [["audiences", "list"], ["users", "list"]])
def test_a_bad_setting_or_an_unreachable_database_is_one_line_not_a_traceback(
    environ, message, args
):
    result = CliRunner().invoke(cli, args, env={"DATABASE_URL": None, **environ})
    assert message in one_line_error(result)


def test_posts_list_per_audience_with_the_ratio(app, rep):
    audience = make_audience(rep)
    first = give(rep, audience["id"], "2031-01-06T09:00")
    give(rep, audience["id"], "2031-02-06T09:00", status="draft")
    result = run(app, "posts", "list", "--audience", "CFOs")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[:2] == ["CFOs:", "  rep@acme.example: 1 of 3 gives so far (no ask yet), 2 more "
                         "needed; earliest next ask: after more gives"]  # fmt: skip
    assert (
        f"Mon 2031-01-06 09:00  give  scheduled  #{first['id']}  give at 2031-01-06T09:00  "
        "(rep@acme.example)"
    ) in result.output
    assert "draft" in lines[3] and lines[-1] == "2 posts."
    mine = run(app, "posts", "list", "--audience", "CFOs", "--owner", "rep@acme.example")
    assert mine.output.splitlines()[2].endswith("give at 2031-01-06T09:00")
    drafts = run(app, "posts", "list", "--audience", str(audience["id"]), "--status", "draft")
    assert drafts.output.splitlines()[-1] == "1 posts."


def test_posts_list_shows_posts_stored_at_the_calendars_end(app, rep):
    """Stored before dates were bounded; 23:30 UTC on 9999-12-31 has no Berlin wall time."""
    stored_at_the_calendars_end(app, rep)
    result = run(app, "posts", "list", "--audience", "CFOs")
    assert result.exit_code == 0, result.output
    assert "Wed 9999-12-01 01:00  give  scheduled" in result.output
    assert "Fri 9999-12-31 23:30  give  scheduled" in result.output


def test_feeds_list_add_and_remove(app, rep):
    added = run(app, "feeds", "add", "https://example.com/feed.xml", "--tag", "pricing")
    assert added.exit_code == 0, added.output
    feed_id = int(re.search(r"as feed (\d+)", added.output)[1])
    listed = run(app, "feeds", "list")
    assert f"{feed_id}  https://example.com/feed.xml  [pricing]" in listed.output
    assert "not fetched yet, 0 articles" in listed.output
    again = run(app, "feeds", "add", "https://example.com/feed.xml")
    assert "already subscribes" in one_line_error(again)
    removed = run(app, "feeds", "remove", str(feed_id))
    assert removed.exit_code == 0, removed.output
    assert "No feeds yet" in run(app, "feeds", "list").output
    assert rep.get(f"/api/v1/feeds/{feed_id}").status_code == 404


def test_users_list_and_rotate_token_revokes_the_old_one(app, client, rep):
    make_caller(app, "Acme Sales", "sam@acme.example")
    listed = run(app, "users", "list")
    assert listed.output.splitlines() == [
        "Users of Acme Sales:",
        "  rep@acme.example  admin  active  API only",
        "  sam@acme.example  rep  active  API only",
    ]
    rotated = run(app, "users", "rotate-token", "REP@acme.example")
    assert rotated.exit_code == 0, rotated.output
    new = re.search(r"New API token .*: (vp_\S+)", rotated.output)[1]
    assert rotated.output.count("vp_") == 1
    assert rep.get("/api/v1/audiences").status_code == 401
    fresh = client.get("/api/v1/audiences", headers={"Authorization": f"Bearer {new}"})
    assert fresh.status_code == 200


def test_users_invite_role_and_deactivate_keep_the_team_an_admin(app, client, rep):
    invited = run(app, "users", "invite", "Lee@Acme.example")
    assert invited.exit_code == 0, invited.output
    assert "Invited rep lee@acme.example to workspace 'Acme Sales'." in invited.output
    token = re.search(r"(vp_\S+)", invited.output)[1]
    lee = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=lee).get_json()["role"] == "rep"
    assert client.get("/api/v1/users", headers=lee).status_code == 403

    promoted = run(app, "users", "role", "LEE@acme.example", "admin")
    assert promoted.output == "lee@acme.example is now an admin.\n"
    assert client.get("/api/v1/users", headers=lee).status_code == 200
    assert run(app, "users", "role", "rep@acme.example", "rep").output == (
        "rep@acme.example is now a rep.\n"
    )
    refused = one_line_error(run(app, "users", "deactivate", "lee@acme.example"))
    assert "lee@acme.example is the team's last active admin" in refused
    assert run(app, "users", "role", "lee@acme.example", "boss").exit_code == 2

    assert run(app, "users", "deactivate", "rep@acme.example").exit_code == 0
    listed = run(app, "users", "list").output.splitlines()
    assert listed[1] == "  lee@acme.example  admin  active  API only"
    assert re.fullmatch(
        r"  rep@acme\.example  rep  deactivated \d{4}-\d\d-\d\d  API only", listed[2]
    )
    # The operator may close a team down: its last admin goes with its last active user.
    closed = run(app, "users", "deactivate", "lee@acme.example")
    assert closed.output == "Deactivated lee@acme.example.\n"
    assert client.get("/api/v1/me", headers=lee).status_code == 401


def test_a_deactivated_user_gets_no_new_token_or_password(app, rep):
    lee = run(app, "users", "invite", "lee@acme.example")
    assert lee.exit_code == 0, lee.output
    assert run(app, "users", "deactivate", "lee@acme.example").exit_code == 0
    for args, kwargs in [
        (["rotate-token", "Lee@acme.example"], {}),
        (["set-password", "lee@acme.example", "--password-stdin"], {"input": f"{PASSWORD}\n"}),
    ]:
        refused = one_line_error(PlannerRunner(app).invoke(args=["users", *args], **kwargs))
        assert "lee@acme.example is deactivated" in refused
        assert "invite them again under another address" in refused
    assert run(app, "users", "list").output.splitlines()[1].endswith("API only")  # no password


def test_users_deactivate_says_what_is_left_and_handover_moves_it(app, rep, colleague):
    lee = make_caller(app, "Acme Sales", "lee@acme.example")
    cfos = make_audience(rep, policy={"gives_per_ask": 3})
    plan = [give(lee, cfos["id"], f"2053-01-{day}T09:00") for day in ("06", "13", "20")]
    covered = lee.post(
        f"/api/v1/audiences/{cfos['id']}/posts",
        json={"kind": "ask", "type": "meeting_request", "title": "Coffee?",
              "scheduled_at": "2053-02-03T09:00"},
    )  # fmt: skip
    assert covered.status_code == 201, covered.get_json()
    draft = give(lee, cfos["id"], None, status="draft")

    left = run(app, "users", "deactivate", "lee@acme.example")
    assert left.exit_code == 0, left.output
    assert left.output == (
        "Deactivated lee@acme.example.\n"
        "lee@acme.example still owns 4 scheduled posts and 1 draft: hand them over with "
        "planner users handover lee@acme.example --to EMAIL.\n"
    )
    same = one_line_error(
        run(app, "users", "handover", "lee@acme.example", "--to", "LEE@acme.example")
    )
    assert same == "Error: to: The posts would stay with lee@acme.example; name another rep."
    handed = run(
        app, "users", "handover", "lee@acme.example", "--to", "sam@acme.example",
        "--audience", "CFOs",
    )  # fmt: skip
    assert handed.exit_code == 0, handed.output
    assert handed.output == (
        "Handed 5 posts of lee@acme.example to sam@acme.example.\n"
        "lee@acme.example owns no draft or scheduled post and no contact.\n"
    )
    moved = [*plan, covered.get_json(), draft]
    owners = {rep.get(f"/api/v1/posts/{p['id']}").get_json()["owner_id"] for p in moved}
    assert owners == {colleague.get("/api/v1/me").get_json()["id"]}
    unknown = one_line_error(run(app, "users", "handover", "lee@acme.example", "--to", "x@y.z"))
    assert unknown == "Error: No user with email x@y.z."


def test_make_run_says_how_to_use_another_port():
    plan = subprocess.run(
        ["make", "-n", "run", "PORT=5050"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout
    assert "planner run --host 127.0.0.1 --port 5050" in plan
    assert "demo load --url http://127.0.0.1:5050" in plan
    assert "PORT=5050 make run" in plan  # printed when it starts
    assert (
        "--port 5000"
        in subprocess.run(
            ["make", "-n", "run"], cwd=REPO, capture_output=True, text=True, check=True
        ).stdout
    )


@pytest.mark.parametrize("huge", ["2147483648", "99999999999999999999999"])
def test_an_id_past_the_id_columns_is_one_error_line_and_exit_2(app, rep, tmp_path, huge):
    """Past PostgreSQL's INTEGER (and SQLite's) the lookup overflowed: a traceback, exit 1."""
    make_audience(rep)
    csv = tmp_path / "contacts.csv"
    csv.write_text("name\nAna Lima\n")
    for args in (
        ("feeds", "refresh", "--feed", huge),
        ("feeds", "remove", huge),
        ("audiences", "show", huge),
        ("posts", "list", "--audience", huge),
        ("export-ics", "--audience", huge),
        ("contacts", "import", str(csv), "--audience", huge),
    ):
        result = run(app, *args)
        assert result.exit_code == 2, (args, result.output)
        assert "Traceback" not in result.output and result.exception.__class__ is SystemExit
        [error] = [line for line in result.output.splitlines() if line.startswith("Error:")]
        assert f"'{huge}' is not an id (a whole number from 1 to 2147483647)" in error, args
    for ref in ("1", "CFOs"):
        assert run(app, "audiences", "show", ref).output.startswith("CFOs (id 1)")
    unknown = run(app, "audiences", "show", "\u0661")  # a name here, not audience 1
    assert unknown.exit_code == 2 and "No audience '\u0661'" in unknown.output


def test_demo_posts_fall_at_each_audiences_cadence_time_on_its_clock(app):
    """They were all at 08:00 UTC: 03:00 for the New York audience."""
    run(app, "demo", "load")
    with app.extensions["planner_db"].reader() as session:
        dated = session.execute(
            select(Post.scheduled_at, Audience.timezone, Audience.cadence)
            .join(Audience, Audience.id == Post.audience_id)
            .where(Post.scheduled_at.is_not(None))
        ).all()
    assert {zone for _, zone, _ in dated} == {"Europe/Berlin", "America/New_York"}
    for at, zone, cadence in dated:
        assert f"{at.astimezone(ZoneInfo(zone)):%H:%M}" == cadence["time"], (zone, at)
