"""``planner users``: create and list users, set web passwords, rotate API tokens."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TypeVar

import click
from sqlalchemy.orm import Session

from app.runtime import Runtime, fail, pass_runtime, workspace_option
from core import accounts_db, passwords_db
from core import models as core_models
from core.errors import DomainError

T = TypeVar("T")


@click.group()
def users() -> None:
    """Users and their API tokens."""


def _commit(runtime: Runtime, change: Callable[[Session], T]) -> T:
    """One account change in a write session: a domain error exits 2, anything else commits."""
    with runtime.database.writer() as session:
        try:
            result = change(session)
        except DomainError as error:
            fail(error)
        session.commit()
    return result


@users.command("create")
@click.option("--workspace", required=True, help="Workspace name; created if new.")
@click.option("--email", required=True)
@click.option("--role", type=click.Choice(core_models.ROLES), default="rep", show_default=True)
@pass_runtime
def users_create(runtime: Runtime, workspace: str, email: str, role: str) -> None:
    """Create a user and print its API token (shown only this once)."""
    user, token = _commit(
        runtime, lambda session: accounts_db.create_user(session, workspace, email, role)
    )
    click.echo(f"Created {role} {user.email} in workspace {workspace!r}.")
    click.echo(f"API token (store it now, it is not shown again): {token}")


@users.command("list")
@workspace_option
@pass_runtime
def users_list(runtime: Runtime, workspace: str | None) -> None:
    """The workspace's users: email, role, and whether they can sign in to the web pages."""
    with runtime.database.reader() as session:
        try:
            found = accounts_db.resolve_workspace(session, workspace)
        except DomainError as error:
            fail(error)
        click.echo(f"Users of {found.name}:")
        for user in accounts_db.list_users(session, found.id):
            web = "web password set" if user.password_hash else "API only"
            click.echo(f"  {user.email}  {user.role}  {web}")


@users.command("rotate-token")
@click.argument("email")
@pass_runtime
def users_rotate_token(runtime: Runtime, email: str) -> None:
    """Revoke EMAIL's API tokens and print a new one (shown only this once)."""
    user, token = _commit(runtime, lambda session: accounts_db.rotate_token(session, email))
    click.echo(f"Revoked the API tokens of {user.email}; requests with them now answer 401.")
    click.echo(f"New API token (store it now, it is not shown again): {token}")


@users.command("set-password")
@click.argument("email")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from the first line of stdin."
)
@pass_runtime
def users_set_password(runtime: Runtime, email: str, password_stdin: bool) -> None:
    """Set the password EMAIL signs in to the web pages with; ends that user's web sessions."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    user = _commit(runtime, lambda session: passwords_db.set_password(session, email, password))
    click.echo(f"Password set for {user.email}.")


@users.command("deactivate")
@click.argument("email")
@pass_runtime
def users_deactivate(runtime: Runtime, email: str) -> None:
    """Stop EMAIL signing in or using API tokens and end their web sessions; data is kept."""
    user = _commit(runtime, lambda session: accounts_db.deactivate_user(session, email))
    click.echo(f"Deactivated {user.email}.")
