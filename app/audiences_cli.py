"""``planner audiences``, ``planner posts`` and ``planner export-ics``: a workspace's calendar."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import click

from app.runtime import Runtime, fail, pass_runtime, workspace_option
from core import accounts_db
from core.db import utcnow
from core.errors import DomainError
from schedules import audiences_db, calendar_db, posts_db, rule, timeline_db, times
from schedules.models import STATUSES, Audience
from schedules.policy import policy_of


def _local(at: dt.datetime | None, timezone: str, empty: str = "none") -> str:
    return at.astimezone(ZoneInfo(timezone)).strftime("%a %Y-%m-%d %H:%M") if at else empty


def _ratio_line(audience: Audience, ratio: rule.Ratio) -> str:
    since = (
        f"since the last ask ({_local(ratio.last_ask_at, audience.timezone)})"
        if ratio.last_ask_at
        else "so far (no ask yet)"
    )
    needed = f"{ratio.gives_needed} more needed" if ratio.gives_needed else "an ask may follow"
    earliest = _local(ratio.earliest_next_ask_at, audience.timezone, "after more gives")
    return (
        f"{ratio.gives_since_last_ask} of {ratio.gives_required} gives {since}, {needed}; "
        f"earliest next ask: {earliest}"
    )


@click.group()
def audiences() -> None:
    """Audiences: list them, show one with its ratio."""


@click.group()
def posts() -> None:
    """An audience's posts, with its give-before-ask ratio."""


@audiences.command("list")
@workspace_option
@pass_runtime
def audiences_list(runtime: Runtime, workspace: str | None) -> None:
    """Every audience of the workspace with its ratio."""
    with runtime.database.reader() as session:
        try:
            workspace_id = accounts_db.resolve_workspace(session, workspace).id
        except DomainError as error:
            fail(error)
        found = audiences_db.list_audiences(session, workspace_id)
        if not found:
            click.echo("No audiences yet.")
        for audience in found:
            ratio = timeline_db.ratio(session, audience)
            click.echo(f"{audience.id}  {audience.name}  ({audience.timezone})")
            click.echo(f"    {_ratio_line(audience, ratio)}")


@audiences.command("show")
@click.argument("audience")
@workspace_option
@pass_runtime
def audiences_show(runtime: Runtime, audience: str, workspace: str | None) -> None:
    """One audience (AUDIENCE is its id or name): keywords, cadence, policy and ratio."""
    with runtime.database.reader() as session:
        try:
            workspace_id = accounts_db.resolve_workspace(session, workspace).id
            found = audiences_db.find_audience(session, workspace_id, audience)
        except DomainError as error:
            fail(error)
        policy = policy_of(found)
        click.echo(f"{found.name} (id {found.id})")
        for label, value in (
            ("Description", found.description or "none"),
            ("Time zone", found.timezone),
            ("Keywords", ", ".join(found.keywords) or "none"),
            ("Excluded", ", ".join(found.exclude_keywords) or "none"),
            ("Cadence", ", ".join(f"{k}={v}" for k, v in found.cadence.items())),
            (
                "Policy",
                f"{policy.gives_per_ask} gives per ask, asks at least "
                f"{policy.min_days_between_asks} days apart"
                + (f" ({found.policy_preset})" if found.policy_preset else ""),
            ),
            ("Ratio", _ratio_line(found, timeline_db.ratio(session, found))),
        ):
            click.echo(f"  {label}: {value}")


@posts.command("list")
@click.option("--audience", required=True, help="Audience id or name.")
@workspace_option
@click.option("--from", "start", help="Date or date-time; audience time when naive.")
@click.option("--to", "end", help="Date or date-time (exclusive).")
@click.option("--kind", type=click.Choice(["give", "ask"]))
@click.option("--status", type=click.Choice(STATUSES))
@click.option("--limit", type=click.IntRange(1, 1000), default=100, show_default=True)
@pass_runtime
def posts_list(runtime: Runtime, audience, workspace, start, end, kind, status, limit) -> None:
    """The audience's posts by date, after its give-before-ask ratio."""
    with runtime.database.reader() as session:
        try:
            workspace_id = accounts_db.resolve_workspace(session, workspace).id
            found = audiences_db.find_audience(session, workspace_id, audience)
            page, total = posts_db.list_posts(
                session, workspace_id, found.id, start=start, end=end, kind=kind,
                status=status, limit=limit,
            )  # fmt: skip
        except DomainError as error:
            fail(error)
        click.echo(f"{found.name}: {_ratio_line(found, timeline_db.ratio(session, found))}")
        for post in page:
            click.echo(
                f"  {_local(post.scheduled_at, found.timezone, 'no date'):20}  {post.kind:4}  "
                f"{post.status:9}  #{post.id}  {post.title}"
            )
        click.echo(f"{len(page)} of {total} posts." if total > len(page) else f"{total} posts.")


@click.command("export-ics")
@click.option("--audience", "refs", multiple=True, help="Audience id or name (repeatable).")
@click.option("--all", "everything", is_flag=True, help="Every audience of the workspace.")
@workspace_option
@click.option("--from", "start", help="Date or date-time; audience time when naive.")
@click.option("--to", "end", help="Date or date-time (exclusive).")
@click.option("--include-drafts", is_flag=True, help="Drafts with a date, as TENTATIVE.")
@click.option("--include-gaps", is_flag=True, help="Empty cadence slots, as TENTATIVE.")
@click.option("-o", "--output", type=click.File("wb"), default="-", help="File, or - for stdout.")
@pass_runtime
def export_ics(runtime: Runtime, refs, everything, workspace, start, end, include_drafts,
               include_gaps, output):  # fmt: skip
    """Write audience calendars as an RFC 5545 .ics file."""
    if bool(refs) == everything:
        raise click.UsageError("Give --audience (one or more) or --all.")
    with runtime.database.reader() as session:
        try:
            workspace_id = accounts_db.resolve_workspace(session, workspace).id
            chosen = calendar_db.audiences_for_export(session, workspace_id, list(refs) or None)
            zone = chosen[0].timezone if len(chosen) == 1 else "UTC"
            options = calendar_db.ExportOptions(
                start=times.parse_when("from", start, zone),
                end=times.parse_when("to", end, zone),
                include_drafts=include_drafts,
                include_gaps=include_gaps,
            )
            data = calendar_db.build(session, workspace_id, chosen, options, utcnow())
        except DomainError as error:
            fail(error)
    output.write(data.render(utcnow()))
