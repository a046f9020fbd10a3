"""``planner feeds``: subscriptions (list, add, remove), ``refresh``, the polling ``worker``
and ``embed`` (meaning vectors for articles stored without one)."""

from __future__ import annotations

import threading
from functools import partial

import click

from app.feed_jobs import DueFeedRunner, Totals, load_text_models, refresh_and_commit
from app.polling import Loop, run_loops
from app.runtime import ROW_ID, Runtime, fail, pass_runtime, workspace_option
from core import accounts_db
from core.errors import DomainError
from feeds import articles_db, entries_db, semantic, subscriptions_db
from feeds.models import Feed
from feeds.refresh_db import RefreshSummary

workers_option = click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=4,
    show_default=True,
    help="Feeds fetched at the same time.",
)


@click.group("feeds")
def feeds_group() -> None:
    """Feed subscriptions: list, add, remove, refresh, poll, embed."""


@feeds_group.command("list")
@workspace_option
@pass_runtime
def list_feeds(runtime: Runtime, workspace: str | None) -> None:
    """The workspace's feeds: status, articles delivered and the last error."""
    with runtime.database.reader() as session:
        try:
            workspace_id = accounts_db.resolve_workspace(session, workspace).id
        except DomainError as error:
            fail(error)
        feeds = subscriptions_db.list_feeds(session, workspace_id)
        counts = articles_db.feed_article_counts(session, [feed.id for feed in feeds])
        if not feeds:
            click.echo("No feeds yet: add one with 'planner feeds add URL'.")
        for feed in feeds:
            status = (feed.last_status or "not fetched yet") if feed.enabled else "off"
            tags = f"  [{', '.join(feed.tags)}]" if feed.tags else ""
            click.echo(f"{feed.id}  {feed.title or feed.url}{tags}")
            click.echo(f"    {feed.url}  {status}, {counts.get(feed.id, 0)} articles")
            if feed.last_error:
                click.echo(f"    last error: {feed.last_error}")


@feeds_group.command("add")
@click.argument("url")
@workspace_option
@click.option("--title", help="Taken from the feed on its first fetch when not given.")
@click.option("--tag", "tags", multiple=True, help="A tag (repeatable).")
@pass_runtime
def add_feed(runtime: Runtime, url: str, workspace: str | None, title: str | None, tags) -> None:
    """Subscribe the workspace to the feed at URL; its first fetch is due at once."""
    with runtime.database.writer() as session:
        try:
            workspace_id = accounts_db.resolve_workspace(session, workspace).id
            feed = subscriptions_db.create_feed(
                session, workspace_id, url, title, tags, policy=runtime.fetch_policy
            )
        except DomainError as error:
            fail(error)
        session.commit()
        click.echo(
            f"Subscribed to {feed.url} as feed {feed.id}; 'planner feeds refresh' fetches it."
        )


@feeds_group.command("remove")
@click.argument("feed_id", type=ROW_ID)
@workspace_option
@pass_runtime
def remove_feed(runtime: Runtime, feed_id: int, workspace: str | None) -> None:
    """Unsubscribe from feed FEED_ID; the articles it delivered stay."""
    with runtime.database.writer() as session:
        try:
            workspace_id = accounts_db.resolve_workspace(session, workspace).id
            subscriptions_db.delete_feed(session, workspace_id, feed_id)
        except DomainError as error:
            fail(error)
        session.commit()
    click.echo(f"Unsubscribed from feed {feed_id}; its articles stay.")


def _report_error(feed: Feed, summary: RefreshSummary) -> None:
    if summary.errors:
        click.echo(f"Feed {feed.id} ({feed.url}): {feed.last_error or 'failed'}", err=True)


@feeds_group.command("refresh")
@click.option("--feed", "feed_id", type=ROW_ID, help="Refresh this feed now, due or not.")
@workers_option
@pass_runtime
def refresh(runtime: Runtime, feed_id: int | None, workers: int) -> None:
    """Refresh the feeds that are due (or one feed), then print what changed."""
    db = runtime.database
    if feed_id is not None:
        with db.writer() as session:
            feed = session.get(Feed, feed_id)
            if feed is None:
                fail(f"feed {feed_id} not found.")
            totals = Totals()
            summary = refresh_and_commit(session, feed, runtime.fetch_policy)
            totals.add(summary)
            _report_error(feed, summary)
        click.echo(f"Refreshed {totals.line()}.")
        return
    runner = DueFeedRunner(db.writer, runtime.fetch_policy, workers)
    with click.progressbar(length=runner.due_count(), label="Refreshing feeds") as bar:

        def progress(feed: Feed, summary: RefreshSummary) -> None:
            bar.update(1)
            _report_error(feed, summary)

        totals = runner.run(progress)
    click.echo(f"Refreshed {totals.line()}.")


@feeds_group.command("embed")
@pass_runtime
def embed(runtime: Runtime) -> None:
    """Give articles stored without a meaning vector one (after installing the semantic extra
    or upgrading past migration 0016), a batch per commit; safe to stop and run again."""
    if not semantic.installed():
        fail("the semantic extra is not installed: pip install -e '.[semantic]'")
    after_id, total = 0, 0
    while True:
        with runtime.database.writer() as session:
            after_id, stored = entries_db.embed_missing(session, after_id)
            session.commit()
        total += stored
        if not after_id:
            break
    click.echo(f"Stored {total:,} meaning vector{'s' * (total != 1)}.")


@feeds_group.command("worker")
@click.option(
    "--interval",
    type=click.FloatRange(min=0.1),
    default=60.0,
    show_default=True,
    help="Seconds between looks for due feeds.",
)
@click.option("--once", is_flag=True, help="Refresh what is due once, then exit.")
@workers_option
@pass_runtime
def worker(runtime: Runtime, interval: float, once: bool, workers: int) -> None:
    """Poll for due feeds until SIGTERM or Ctrl-C.

    Several workers (on one or many machines, against PostgreSQL) may run at once: each feed is
    claimed by one of them. A stop signal lets the feeds being fetched finish and commit.
    """
    stop = threading.Event()
    load_text_models()
    runner = DueFeedRunner(runtime.database.writer, runtime.fetch_policy, workers, stop)
    run_loops([Loop("feeds", partial(refresh_due, runner), interval)], once, stop)
    click.echo("Worker stopped.")


def refresh_due(runner: DueFeedRunner) -> None:
    """One look for due feeds, as the workers take it: failed feeds named, totals when any."""
    totals = runner.run(_report_error)
    if totals.feeds:
        click.echo(f"Refreshed {totals.line()}.")
