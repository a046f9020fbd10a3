"""``planner worker``: feed refreshes and webhook deliveries, each on its own loop."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

import click
from sqlalchemy.exc import SQLAlchemyError

from app.feed_jobs import DueFeedRunner
from app.feeds_cli import stop_on_signals, workers_option
from app.runtime import Runtime, pass_runtime
from app.webhook_jobs import DeliveryRunner
from core.db import is_unavailable


@click.command("worker")
@click.option(
    "--interval",
    type=click.FloatRange(min=0.1),
    default=1.0,
    show_default=True,
    help="Seconds between looks for due webhook deliveries.",
)
@click.option(
    "--feeds-interval",
    type=click.FloatRange(min=0.1),
    default=60.0,
    show_default=True,
    help="Seconds between looks for due feeds.",
)
@click.option("--once", is_flag=True, help="Do what is due once, then exit.")
@workers_option
@pass_runtime
def worker(
    runtime: Runtime, interval: float, feeds_interval: float, once: bool, workers: int
) -> None:
    """Refresh due feeds and deliver webhooks until SIGTERM or Ctrl-C.

    Several workers (against PostgreSQL) may run at once: each feed and each delivery is
    claimed by one of them. A stop signal lets the work in progress finish and commit.
    """
    stop = threading.Event()
    db = runtime.database
    feeds = DueFeedRunner(db.writer, runtime.fetch_policy, workers, stop)
    retention = dt.timedelta(days=runtime.config["WEBHOOK_RETENTION_DAYS"])
    hooks = DeliveryRunner(db.writer, runtime.fetch_policy, workers, stop, retention=retention)

    def refresh() -> None:
        totals = feeds.run()
        if totals.feeds:
            click.echo(f"Refreshed {totals.line()}.")

    def deliver() -> None:
        attempts = hooks.run()
        if attempts:
            click.echo(f"Sent {attempts} webhook deliveries.")

    failed: list[BaseException] = []
    loops = [
        threading.Thread(
            target=_poll, args=(refresh, feeds_interval, once, stop, failed), name="feeds"
        ),
        threading.Thread(
            target=_poll, args=(deliver, interval, once, stop, failed), name="webhooks"
        ),
    ]
    with stop_on_signals(stop):
        for loop in loops:
            loop.start()
        for loop in loops:
            while loop.is_alive():
                loop.join(0.2)  # the main thread stays free to take signals
    if failed:
        raise failed[0]
    click.echo("Worker stopped.")


def _poll(
    run: Callable[[], None],
    interval: float,
    once: bool,
    stop: threading.Event,
    failed: list[BaseException],
) -> None:
    """Run ``run`` every ``interval`` seconds; a failure other than the database being away
    stops both loops and ends the command with it."""
    while not stop.is_set():
        try:
            run()
        except SQLAlchemyError as error:
            # A restart or failover of the database is waited out, as the feeds worker does.
            if once or not is_unavailable(error):
                failed.append(error)
                stop.set()
                return
            reason = " ".join(str(getattr(error, "orig", None) or error).split())
            click.echo(f"Database unavailable, retrying in {interval:g} s: {reason}", err=True)
        except Exception as error:
            failed.append(error)
            stop.set()
            return
        if once:
            break
        stop.wait(interval)
