"""The planner command: users, tokens, migrations and demo data."""

import re

from tests.helpers import make_audience


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_users_create_prints_a_token_that_works_once_shown(app):
    result = run(app, "users", "create", "--workspace", "Initech", "--email", "Pat@Initech.example")
    assert result.exit_code == 0, result.output
    token = re.search(r"(vp_\S+)", result.output).group(1)
    client = app.test_client()
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


def test_demo_load_is_idempotent_and_its_token_works(app):
    first = run(app, "demo", "load")
    second = run(app, "demo", "load")
    assert first.exit_code == 0 and second.exit_code == 0, first.output
    token = re.search(r"Demo API token: (\S+)", first.output).group(1)
    assert token in second.output
    client = app.test_client()
    audiences = client.get("/api/v1/audiences", headers={"Authorization": f"Bearer {token}"})
    assert audiences.get_json()["total"] == 2


def test_db_upgrade_reports_the_revision(app):
    result = run(app, "db", "upgrade")
    assert result.exit_code == 0
    assert "revision" in result.output


def test_demo_workspace_is_separate_from_others(app, rep):
    run(app, "demo", "load")
    make_audience(rep)
    assert rep.get("/api/v1/audiences").get_json()["total"] == 1
