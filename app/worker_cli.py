"""``planner worker``: feed refreshes, webhook deliveries and forgetting old form keys, each on
its own loop."""

from __future__ import annotations

import datetime as dt
import threading
from functools import partial

import click

from app.feed_jobs import DueFeedRunner, load_text_models
from app.feeds_cli import refresh_due, workers_option
from app.polling import Loop, run_loops
from app.runtime import Runtime, pass_runtime
from app.settings import session_lifetime
from app.webhook_jobs import DeliveryRunner
from core import sent_forms_db
from core.db import utcnow

# How often the keys of forms sent in web sessions that have ended are forgotten.
FORGET_EVERY_S = 3600.0


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
    """Refresh due feeds, deliver webhooks and forget old form keys until SIGTERM or Ctrl-C.

    Several workers (against PostgreSQL) may run at once: each feed and each delivery is
    claimed by one of them. A stop signal lets the work in progress finish and commit.
    """
    stop = threading.Event()
    load_text_models()
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

    def forget_form_keys() -> None:
        """A user's keys go when they send their next form, which may never come."""
        with db.writer() as session:
            sent_forms_db.forget(session, utcnow() - session_lifetime(runtime.config))
            session.commit()

    loops = [
        Loop("feeds", partial(refresh_due, feeds), feeds_interval),
        Loop("webhooks", deliver, interval),
        Loop("forms", forget_form_keys, FORGET_EVERY_S),
    ]
    run_loops(loops, once, stop)
    click.echo("Worker stopped.")
