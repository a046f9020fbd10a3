"""``planner export-ics``: calendars as .ics files, in a module of its own so that a cron job
exporting them imports only the calendar's code, not the other audience commands'."""

from __future__ import annotations

import click

from app.runtime import ROW_ID_OR_NAME, Runtime, fail, pass_runtime, workspace_option
from core import accounts_db
from core.db import utcnow
from core.errors import DomainError
from schedules import calendar_db, times


@click.command("export-ics")
@click.option(
    "--audience",
    "refs",
    type=ROW_ID_OR_NAME,
    multiple=True,
    help="Audience id or name (repeatable).",
)
@click.option("--all", "everything", is_flag=True, help="Every audience of the workspace.")
@workspace_option
@click.option("--from", "start", help="Date or date-time; audience time when naive.")
@click.option("--to", "end", help="Date or date-time (exclusive).")
@click.option("--include-drafts", is_flag=True, help="Drafts with a date, as TENTATIVE.")
@click.option("--include-gaps", is_flag=True, help="Empty cadence slots, as TENTATIVE.")
@click.option("-o", "--output", type=click.File("wb"), default="-", help="File, or - for stdout.")
@click.option("--owner", metavar="EMAIL", help="One rep's calendar (default: the team's).")
@pass_runtime
def export_ics(runtime: Runtime, refs, everything, workspace, start, end, include_drafts,
               include_gaps, output, owner):  # fmt: skip
    """Write audience calendars as an RFC 5545 .ics file: one rep's, or the whole team's."""
    if bool(refs) == everything:
        raise click.UsageError("Give --audience (one or more) or --all.")
    with runtime.database.reader() as session:
        try:
            workspace_id = accounts_db.resolve_workspace(session, workspace).id
            owner_id = accounts_db.find_user(session, owner, workspace_id).id if owner else None
            chosen = calendar_db.audiences_for_export(session, workspace_id, list(refs) or None)
            zone = chosen[0].timezone if len(chosen) == 1 else "UTC"
            options = calendar_db.ExportOptions(
                start=times.parse_when("from", start, zone),
                end=times.parse_when("to", end, zone),
                include_drafts=include_drafts,
                include_gaps=include_gaps,
                owner_id=owner_id,
            )
            data = calendar_db.build(session, workspace_id, chosen, options, utcnow())
        except DomainError as error:
            fail(error)
    output.write(data.render(utcnow()))
