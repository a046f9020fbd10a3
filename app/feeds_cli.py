"""``planner feeds refresh`` and ``planner feeds worker``."""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import click
from flask.cli import AppGroup
from sqlalchemy.exc import SQLAlchemyError

from app.db import database
from app.feed_jobs import DueFeedRunner, Totals, fetch_policy, refresh_and_commit
from core.db import is_unavailable
from feeds.models import Feed
from feeds.service import RefreshSummary

feeds_group = AppGroup("feeds", help="Feed subscriptions: refreshing and polling.")

workers_option = click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=4,
    show_default=True,
    help="Feeds fetched at the same time.",
)


def _report_error(feed: Feed, summary: RefreshSummary) -> None:
    if summary.errors:
        click.echo(f"Feed {feed.id} ({feed.url}): {feed.last_error or 'failed'}", err=True)


@feeds_group.command("refresh")
@click.option("--feed", "feed_id", type=int, help="Refresh this feed now, due or not.")
@workers_option
def refresh(feed_id: int | None, workers: int) -> None:
    """Refresh the feeds that are due (or one feed), then print what changed."""
    db = database()
    if feed_id is not None:
        with db.writer() as session:
            feed = session.get(Feed, feed_id)
            if feed is None:
                click.echo(f"Error: feed {feed_id} not found.", err=True)
                sys.exit(2)
            totals = Totals()
            summary = refresh_and_commit(session, feed, fetch_policy())
            totals.add(summary)
            _report_error(feed, summary)
        click.echo(f"Refreshed {totals.line()}.")
        return
    runner = DueFeedRunner(db.writer, fetch_policy(), workers)
    with click.progressbar(length=runner.due_count(), label="Refreshing feeds") as bar:

        def progress(feed: Feed, summary: RefreshSummary) -> None:
            bar.update(1)
            _report_error(feed, summary)

        totals = runner.run(progress)
    click.echo(f"Refreshed {totals.line()}.")


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
def worker(interval: float, once: bool, workers: int) -> None:
    """Poll for due feeds until SIGTERM or Ctrl-C.

    Several workers (on one or many machines, against PostgreSQL) may run at once: each feed is
    claimed by one of them. A stop signal lets the feeds being fetched finish and commit.
    """
    stop = threading.Event()
    runner = DueFeedRunner(database().writer, fetch_policy(), workers, stop)
    with _stop_on_signals(stop):
        while not stop.is_set():
            try:
                totals = runner.run(lambda feed, summary: _report_error(feed, summary))
            except SQLAlchemyError as error:
                # A restart or failover of the database is waited out, not a reason to exit
                # (a supervisor would only restart into the same outage).
                if once or not is_unavailable(error):
                    raise
                reason = " ".join(str(getattr(error, "orig", None) or error).split())
                click.echo(f"Database unavailable, retrying in {interval:g} s: {reason}", err=True)
            else:
                if totals.feeds:
                    click.echo(f"Refreshed {totals.line()}.")
            if once:
                break
            stop.wait(interval)
    click.echo("Worker stopped.")


@contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """The first SIGTERM or SIGINT asks for a graceful stop; the handlers are then restored, so
    a second one ends the process at once."""
    signals = (signal.SIGTERM, signal.SIGINT)
    previous = {number: signal.getsignal(number) for number in signals}

    def handle(number: int, _frame: object) -> None:
        click.echo("Stopping after the feeds in progress...", err=True)
        stop.set()
        for other, handler in previous.items():
            signal.signal(other, handler)

    for number in signals:
        signal.signal(number, handle)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
