"""``planner worker``: feed refreshes and webhook deliveries, each on its own loop."""

from __future__ import annotations

import datetime as dt
import threading
from functools import partial

import click

from app.feed_jobs import DueFeedRunner
from app.feeds_cli import refresh_due, workers_option
from app.polling import Loop, run_loops
from app.runtime import Runtime, pass_runtime
from app.webhook_jobs import DeliveryRunner


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
    hooks = DeliveryRunner(
        db.writer, runtime.fetch_policy, workers, stop, retention=retention, poll=interval
    )

    def deliver() -> None:
        attempts = hooks.run()
        if attempts:
            click.echo(f"Sent {attempts} webhook deliveries.")

    loops = [
        Loop("feeds", partial(refresh_due, feeds), feeds_interval),
        Loop("webhooks", deliver, interval),
    ]
    run_loops(loops, once, stop)
    click.echo("Worker stopped.")
