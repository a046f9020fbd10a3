"""The ``planner`` command: Flask's CLI for this app plus its own commands."""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, FlaskGroup, with_appcontext

from app import demo, serving
from app.db import database
from app.feeds_cli import feeds_group
from app.settings import SettingError
from core import accounts, backup, migrations, passwords
from core.db import utcnow
from core.errors import DomainError
from schedules import calendar, service


def main() -> None:
    cli = FlaskGroup(create_app=lambda: __import__("app").create_app(), help=__doc__)
    # On the group itself, not app.cli: the server's master process must not build the app
    # (see app.serving), and Flask loads the app only to find commands it does not know.
    cli.add_command(serve)
    cli.main(prog_name="planner")


db_group = AppGroup("db", help="Database schema and maintenance.")
users_group = AppGroup("users", help="Users and API tokens.")
demo_group = AppGroup("demo", help="Demo data for trying the service.")


def fail(error: DomainError) -> None:
    click.echo(f"Error: {error.detail}", err=True)
    sys.exit(2)


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply the Alembic migrations to DATABASE_URL."""
    migrations.upgrade(database().engine, revision)
    click.echo(f"Database at revision {migrations.current(database().engine)}.")


@db_group.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def db_backup(file: Path) -> None:
    """Copy the SQLite database to FILE, consistently, while the service keeps running."""
    try:
        revision = backup.backup(current_app.config["DATABASE_URL"], file)
    except backup.BackupError as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(2)
    click.echo(f"Backed up to {file} (schema revision {revision}).")


@db_group.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.confirmation_option(prompt="Replace everything in the database with the backup?")
def db_restore(file: Path) -> None:
    """Replace the SQLite database's content with the backup in FILE."""
    try:
        revision = backup.restore(current_app.config["DATABASE_URL"], file)
    except backup.BackupError as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(2)
    click.echo(f"Restored {file} (schema revision {revision}); now run 'planner db upgrade'.")


@users_group.command("create")
@click.option("--workspace", required=True, help="Workspace name; created if new.")
@click.option("--email", required=True)
@click.option("--role", type=click.Choice(accounts.ROLES), default="rep", show_default=True)
def users_create(workspace: str, email: str, role: str) -> None:
    """Create a user and print its API token (shown only this once)."""
    with database().writer() as session:
        try:
            user, token = accounts.create_user(session, workspace, email, role)
        except DomainError as error:
            fail(error)
        session.commit()
        click.echo(f"Created {role} {user.email} in workspace {workspace!r}.")
        click.echo(f"API token (store it now, it is not shown again): {token}")


@users_group.command("set-password")
@click.argument("email")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from the first line of stdin."
)
def users_set_password(email: str, password_stdin: bool) -> None:
    """Set the password EMAIL signs in to the web pages with; ends that user's web sessions."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with database().writer() as session:
        try:
            user = passwords.set_password(session, email, password)
        except DomainError as error:
            fail(error)
        session.commit()
        click.echo(f"Password set for {user.email}.")


@users_group.command("deactivate")
@click.argument("email")
def users_deactivate(email: str) -> None:
    """Stop EMAIL signing in or using API tokens and end their web sessions; data is kept."""
    with database().writer() as session:
        try:
            user = accounts.deactivate_user(session, email)
        except DomainError as error:
            fail(error)
        session.commit()
        click.echo(f"Deactivated {user.email}.")


@demo_group.command("load")
def demo_load() -> None:
    """Load the demo workspace once; print its API token and web password."""
    with database().writer() as session:
        token = demo.load(session, current_app.instance_path)
        password = demo.password(session, current_app.instance_path)
        session.commit()
    click.echo(f"Demo user: {demo.EMAIL}")
    click.echo(f"Demo password: {password}  (sign in at http://127.0.0.1:5000/)")
    click.echo(f"Demo API token: {token}")
    click.echo(
        f"Try: curl -H 'Authorization: Bearer {token}' http://127.0.0.1:5000/api/v1/audiences"
    )


@click.command("export-ics")
@with_appcontext
@click.option("--audience", "audiences", multiple=True, help="Audience id or name (repeatable).")
@click.option("--all", "everything", is_flag=True, help="Every audience of the workspace.")
@click.option("--workspace", help="Workspace name; needed when there is more than one.")
@click.option("--from", "start", help="Date or date-time; audience time when naive.")
@click.option("--to", "end", help="Date or date-time (exclusive).")
@click.option("--include-drafts", is_flag=True, help="Drafts with a date, as TENTATIVE.")
@click.option("--include-gaps", is_flag=True, help="Empty cadence slots, as TENTATIVE.")
@click.option("-o", "--output", type=click.File("wb"), default="-", help="File, or - for stdout.")
def export_ics(audiences, everything, workspace, start, end, include_drafts, include_gaps, output):
    """Write audience calendars as an RFC 5545 .ics file."""
    if bool(audiences) == everything:
        raise click.UsageError("Give --audience (one or more) or --all.")
    with database().reader() as session:
        try:
            workspace_id = accounts.resolve_workspace(session, workspace).id
            chosen = calendar.audiences_for_export(
                session, workspace_id, list(audiences) if audiences else None
            )
            zone = chosen[0].timezone if len(chosen) == 1 else "UTC"
            options = calendar.ExportOptions(
                start=service.parse_when("from", start, zone),
                end=service.parse_when("to", end, zone),
                include_drafts=include_drafts,
                include_gaps=include_gaps,
            )
            data = calendar.build(session, workspace_id, chosen, options, utcnow())
        except DomainError as error:
            fail(error)
    output.write(data.render(utcnow()))


@click.command("serve")
@serving.cli_options
@click.option("--print-config", is_flag=True, help="Print the resolved settings and exit.")
def serve(print_config: bool, **given) -> None:
    """Serve the app under gunicorn. Options win over PLANNER_* variables."""
    try:
        settings = serving.resolve(os.environ, given)
    except SettingError as error:
        raise click.UsageError(str(error)) from None
    if print_config:
        click.echo(json.dumps(dataclasses.asdict(settings), indent=2))
        return
    serving.run(settings)


def init_app(app: Flask) -> None:
    for group in (db_group, users_group, demo_group):
        app.cli.add_command(group)
    app.cli.add_command(export_ics)
    app.cli.add_command(feeds_group)
