"""``planner users``: create, invite and list users, change roles, set web passwords, rotate API
tokens, deactivate."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TypeVar

import click
from sqlalchemy.orm import Session

from app.runtime import ROW_ID_OR_NAME, Runtime, fail, pass_runtime, workspace_option
from core import accounts_db, passwords_db
from core import models as core_models
from core.errors import DomainError
from schedules import audiences_db, handover, handover_db
from schedules.team import plural

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
    click.echo(f"Created {user.role} {user.email} in workspace {workspace!r}.")
    click.echo(f"API token (store it now, it is not shown again): {token}")


@users.command("invite")
@click.argument("email")
@click.option("--role", type=click.Choice(core_models.ROLES), default="rep", show_default=True)
@workspace_option
@pass_runtime
def users_invite(runtime: Runtime, email: str, role: str, workspace: str | None) -> None:
    """Add EMAIL to an existing team and print its API token (shown only this once)."""

    def invite(session: Session) -> tuple[core_models.User, str, str]:
        team = accounts_db.resolve_workspace(session, workspace)
        user, token = accounts_db.invite_user(session, team.id, email, role)
        return user, token, team.name

    user, token, team = _commit(runtime, invite)
    click.echo(f"Invited {user.role} {user.email} to workspace {team!r}.")
    click.echo(f"API token (store it now, it is not shown again): {token}")


@users.command("role")
@click.argument("email")
@click.argument("role", type=click.Choice(core_models.ROLES))
@pass_runtime
def users_role(runtime: Runtime, email: str, role: str) -> None:
    """Make EMAIL an admin or a rep; a team's last active admin stays one."""

    def change(session: Session) -> core_models.User:
        user = accounts_db.find_user(session, email)
        return accounts_db.change_role(session, user.workspace_id, user.id, role)

    user = _commit(runtime, change)
    click.echo(f"{user.email} is now {'an' if user.role == 'admin' else 'a'} {user.role}.")


@users.command("list")
@workspace_option
@pass_runtime
def users_list(runtime: Runtime, workspace: str | None) -> None:
    """The workspace's users: email, role, whether active, and whether they can sign in to the
    web pages."""
    with runtime.database.reader() as session:
        try:
            found = accounts_db.resolve_workspace(session, workspace)
        except DomainError as error:
            fail(error)
        click.echo(f"Users of {found.name}:")
        for user in accounts_db.list_users(session, found.id):
            web = "web password set" if user.password_hash else "API only"
            active = (
                f"deactivated {user.deactivated_at:%Y-%m-%d}" if user.deactivated_at else "active"
            )
            click.echo(f"  {user.email}  {user.role}  {active}  {web}")


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
    """Stop EMAIL signing in or using API tokens and end their web sessions; data is kept.

    A team's last active admin can be deactivated only with its last active user."""

    def deactivate(session: Session) -> handover.Holdings:
        return handover_db.holdings(session, accounts_db.deactivate_user(session, email))

    left = _commit(runtime, deactivate)
    click.echo(f"Deactivated {left.email}.")
    if left.scheduled_posts or left.draft_posts or left.contacts:
        click.echo(left.sentence(_cli_handover(left.email)))


def _cli_handover(email: str) -> str:
    """The command the sentences point to: the operator may have no admin's API token."""
    return f"planner users handover {email} --to EMAIL"


@users.command("handover")
@click.argument("email")
@click.option("--to", "to", required=True, help="The active member who takes the posts over.")
@click.option("--audience", type=ROW_ID_OR_NAME, help="Only this audience's (id or name).")
@pass_runtime
def users_handover(runtime: Runtime, email: str, to: str, audience: int | str | None) -> None:
    """Give EMAIL's drafts and scheduled posts to another member at once, judged by the
    give-before-ask rule as one change (refused whole if it breaks); published and cancelled
    posts and one-to-one asks stay."""

    def hand_over(session: Session) -> tuple[int, str, handover.Holdings]:
        giver = accounts_db.find_user(session, email)
        taker = accounts_db.find_user(session, to, giver.workspace_id)
        audience_id = None
        if audience is not None:
            audience_id = audiences_db.find_audience(session, giver.workspace_id, audience).id
        moved = handover_db.hand_over(session, giver.workspace_id, giver.id, taker.id, audience_id)
        return len(moved), taker.email, handover_db.holdings(session, giver)

    moved, taker, left = _commit(runtime, hand_over)
    click.echo(f"Handed {plural(moved, 'post')} of {left.email} to {taker}.")
    click.echo(left.sentence(_cli_handover(left.email)))
