"""The long-running loops of ``planner worker`` and ``planner feeds worker``: each job polls on its
own thread, the main thread takes the stop signals, and a database outage is waited out."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import click
from sqlalchemy.exc import SQLAlchemyError

from core.db import driver_message, is_unavailable


@dataclass(frozen=True)
class Loop:
    name: str
    run: Callable[[], None]
    interval: float


def run_loops(loops: Sequence[Loop], once: bool, stop: threading.Event) -> None:
    """Run every loop until ``stop`` is set (by a signal or a failure); re-raise the first failure.

    A failure other than the database being away stops every loop, so a supervisor restarts the
    worker whole rather than leaving it half alive.
    """
    failed: list[BaseException] = []
    threads = [
        threading.Thread(target=_poll, args=(loop, once, stop, failed), name=loop.name)
        for loop in loops
    ]
    with stop_on_signals(stop):
        for thread in threads:
            thread.start()
        for thread in threads:
            while thread.is_alive():
                thread.join(0.2)  # the main thread stays free to take signals
    if failed:
        raise failed[0]


def _poll(loop: Loop, once: bool, stop: threading.Event, failed: list[BaseException]) -> None:
    while not stop.is_set():
        try:
            loop.run()
        except Exception as error:
            # A restart or failover of the database is waited out, not a reason to exit
            # (a supervisor would only restart into the same outage).
            if once or not (isinstance(error, SQLAlchemyError) and is_unavailable(error)):
                failed.append(error)
                stop.set()
                return
            reason = driver_message(error)
            click.echo(f"Database unavailable, retrying in {loop.interval:g} s: {reason}", err=True)
        if once:
            break
        stop.wait(loop.interval)


@contextmanager
def stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """The first SIGTERM or SIGINT asks for a graceful stop; the handlers are then restored, so
    a second one ends the process at once."""
    signals = (signal.SIGTERM, signal.SIGINT)
    previous = {number: signal.getsignal(number) for number in signals}

    def handle(number: int, _frame: object) -> None:
        click.echo("Stopping after the work in progress...", err=True)
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
