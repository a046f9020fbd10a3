"""``planner contacts import``: a rep's contacts from LinkedIn's Connections.csv or a plain CSV,
in one transaction, as the API imports them; ``planner contacts export``: the same rep's out
again as the API exports them, a plain CSV the import reads back."""

from __future__ import annotations

import click
from sqlalchemy.orm import Session

from app.runtime import ROW_ID, Runtime, fail, pass_runtime, workspace_option
from core import accounts_db
from core.errors import DomainError
from core.models import User
from schedules.contacts import contacts_db, exporting, importing


@click.group()
def contacts() -> None:
    """Contacts: import LinkedIn's Connections.csv or a plain CSV, export them as one."""


@contacts.command("import")
@click.argument("file", type=click.File("rb"))
@click.option("--owner", metavar="EMAIL", help="The rep whose contacts these are.")
@click.option("--audience", type=ROW_ID, help="Audience id of the new contacts.")
@workspace_option
@pass_runtime
def contacts_import(
    runtime: Runtime, file, owner: str | None, audience: int | None, workspace: str | None
) -> None:
    """Import FILE as a rep's contacts, matched to theirs by profile URL; rows that cannot be
    imported are listed with their line and reason, and nothing is imported if the file is
    not such a CSV."""
    data = file.read(importing.MAX_FILE_BYTES + 1)  # no further: the rest is refused unread
    if len(data) > importing.MAX_FILE_BYTES:
        fail(
            f"{file.name} is over {importing.MAX_FILE_BYTES // 2**20} MiB, the most one import "
            "takes (through the API too): split it; rows are matched by profile URL, so "
            "importing the parts adds no one twice."
        )
    with runtime.database.writer() as session:
        try:
            rep = _rep(session, owner, workspace)
            report = contacts_db.import_contacts(
                session, rep.workspace_id, importing.parse(data), rep.id, audience
            )
        except DomainError as error:
            fail(error)
        session.commit()
        changed = sum(1 for row in report.updated if row.changed)
        click.echo(
            f"{rep.email}: {len(report.created)} created, {len(report.updated)} matched "
            f"({changed} updated), {len(report.skipped)} skipped."
        )
        for skipped in report.skipped:
            click.echo(f"line {skipped.line}: {skipped.field}: {skipped.reason}")


@contacts.command("export")
@click.option("--owner", metavar="EMAIL", help="The rep whose contacts these are.")
@click.option("-o", "--output", type=click.File("wb"), default="-", help="File, or - for stdout.")
@workspace_option
@pass_runtime
def contacts_export(runtime: Runtime, owner: str | None, output, workspace: str | None) -> None:
    """Write a rep's contacts as a plain CSV (UTF-8), by name, in the columns the import
    reads, so importing the file again gives the same contacts."""
    with runtime.database.reader() as session:
        try:
            rep = _rep(session, owner, workspace, departed=True)
            rows = contacts_db.contact_rows(session, rep.workspace_id, rep.id)
        except DomainError as error:
            fail(error)
    output.write(exporting.contacts_csv(rows).encode())


def _rep(
    session: Session, owner: str | None, workspace: str | None, *, departed: bool = False
) -> User:
    """The named rep (of the workspace, when one is named: an email is unique across
    workspaces, so it alone names the team), or the team's only active user. ``departed``:
    a deactivated rep may be named, whose contacts stay to be read and handed over."""
    if owner is not None:
        team_id = (
            None if workspace is None else accounts_db.resolve_workspace(session, workspace).id
        )
        rep = accounts_db.find_user(session, owner, team_id)
        if rep.deactivated_at is not None and not departed:  # by email: the import names an id
            fail(f"{rep.email} is deactivated: name an active rep with --owner EMAIL.")
        return rep
    team = accounts_db.resolve_workspace(session, workspace)
    active = [u for u in accounts_db.list_users(session, team.id) if u.deactivated_at is None]
    if len(active) != 1:
        fail(f"{team.name} has {len(active)} active users: name the rep with --owner EMAIL.")
    return active[0]
