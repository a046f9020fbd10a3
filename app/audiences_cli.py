"""``planner audiences``, ``planner posts`` and ``planner export-ics``: a workspace's calendar."""

from __future__ import annotations

import datetime as dt

import click

from app.runtime import ROW_ID_OR_NAME, Runtime, fail, pass_runtime, workspace_option
from core import accounts_db
from core.errors import DomainError
from core.models import User
from schedules import audiences_db, posts_db, rule, timeline_db
from schedules.models import STATUSES, Audience
from schedules.policy import policy_of
from schedules.times import local


def _local(at: dt.datetime | None, timezone: str, empty: str = "none") -> str:
    return local(at, timezone).strftime("%a %Y-%m-%d %H:%M") if at else empty


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


owner_option = click.option(
    "--owner", metavar="EMAIL", help="One rep's posts and ratio (default: every rep's)."
)


def _reps(session, workspace_id: int, owner: str | None) -> list[User]:
    """The rep named, or every active rep of the workspace: each has their own ratio."""
    if owner is not None:
        return [accounts_db.find_user(session, owner, workspace_id)]
    return [u for u in accounts_db.list_users(session, workspace_id) if u.deactivated_at is None]


def _echo_ratios(session, audience: Audience, reps: list[User], indent: str) -> None:
    for rep in reps:
        ratio = timeline_db.ratio(session, audience, rep.id)
        click.echo(f"{indent}{rep.email}: {_ratio_line(audience, ratio)}")


@click.group()
def audiences() -> None:
    """Audiences: list them, show one with its ratio."""


@click.group()
def posts() -> None:
    """An audience's posts, with its give-before-ask ratio."""


@audiences.command("list")
@workspace_option
@owner_option
@pass_runtime
def audiences_list(runtime: Runtime, workspace: str | None, owner: str | None) -> None:
    """Every audience of the workspace with each rep's ratio."""
    with runtime.database.reader() as session:
        try:
            workspace_id = accounts_db.resolve_workspace(session, workspace).id
            reps = _reps(session, workspace_id, owner)
        except DomainError as error:
            fail(error)
        found = audiences_db.list_audiences(session, workspace_id)
        if not found:
            click.echo("No audiences yet.")
        for audience in found:
            click.echo(f"{audience.id}  {audience.name}  ({audience.timezone})")
            _echo_ratios(session, audience, reps, "    ")


@audiences.command("show")
@click.argument("audience", type=ROW_ID_OR_NAME)
@workspace_option
@owner_option
@pass_runtime
def audiences_show(
    runtime: Runtime, audience: int | str, workspace: str | None, owner: str | None
) -> None:
    """One audience (AUDIENCE is its id or name): keywords, cadence, policy and each rep's
    ratio."""
    with runtime.database.reader() as session:
        try:
            workspace_id = accounts_db.resolve_workspace(session, workspace).id
            found = audiences_db.find_audience(session, workspace_id, audience)
            reps = _reps(session, workspace_id, owner)
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
        ):
            click.echo(f"  {label}: {value}")
        click.echo("  Ratio:")
        _echo_ratios(session, found, reps, "    ")


@posts.command("list")
@click.option("--audience", type=ROW_ID_OR_NAME, required=True, help="Audience id or name.")
@workspace_option
@click.option("--from", "start", help="Date or date-time; audience time when naive.")
@click.option("--to", "end", help="Date or date-time (exclusive).")
@click.option("--kind", type=click.Choice(["give", "ask"]))
@click.option("--status", type=click.Choice(STATUSES))
@click.option("--limit", type=click.IntRange(1, 1000), default=100, show_default=True)
@owner_option
@pass_runtime
def posts_list(
    runtime: Runtime, audience, workspace, start, end, kind, status, limit, owner
) -> None:
    """The audience's posts by date (one rep's, or the team's with each rep named), after
    each rep's give-before-ask ratio."""
    with runtime.database.reader() as session:
        try:
            workspace_id = accounts_db.resolve_workspace(session, workspace).id
            found = audiences_db.find_audience(session, workspace_id, audience)
            reps = _reps(session, workspace_id, owner)
            page, total = posts_db.list_posts(
                session, workspace_id, found.id, start=start, end=end, kind=kind,
                status=status, owner_id=reps[0].id if owner else None, limit=limit,
            )  # fmt: skip
        except DomainError as error:
            fail(error)
        click.echo(f"{found.name}:")
        _echo_ratios(session, found, reps, "  ")
        emails = {rep.id: rep.email for rep in accounts_db.list_users(session, workspace_id)}
        for post in page:
            click.echo(
                f"  {_local(post.scheduled_at, found.timezone, 'no date'):20}  {post.kind:4}  "
                f"{post.status:9}  #{post.id}  {post.title}"
                + ("" if owner else f"  ({emails[post.owner_id]})")
            )
        click.echo(f"{len(page)} of {total} posts." if total > len(page) else f"{total} posts.")
