"""``planner serve``: the app under gunicorn, configured from PLANNER_* variables (app.settings).

Database pools and forks: each worker builds its own app, and with it its own SQLAlchemy engine
and connection pool, after gunicorn has forked it (``load`` runs in the worker; ``preload_app``
stays off and the master never builds the app). A pool made before the fork would be inherited
by every worker, and two processes writing to one PostgreSQL socket or SQLite handle corrupt
each other's conversations. The price is a second of start-up per worker, nothing per request.

Metrics and forks: every worker counts in its own process, so prometheus-client runs in
multiprocess mode, which it chooses once, when it is first imported, from PROMETHEUS_MULTIPROC_DIR.
The command modules import it early (the feeds commands count refreshes), so when serve has to
create that directory itself it re-executes the same command line with the variable set, in
the same process (same pid for a supervisor), rather than run workers that count apart. Dead
workers' files are marked so their gauges go while their counts stay in the totals.

Slow clients: a sync worker reading a half-sent request does nothing else until it arrives, so
a handful of stalled connections stop the service and then get every worker killed for missing
its heartbeat. The default is therefore gthread, whose main thread keeps accepting and beating
while each stalled client holds one of its threads, and only for PLANNER_CLIENT_TIMEOUT seconds
without a byte (gunicorn has no read timeout of its own for a request it has started reading).

Limits: gunicorn's header limit is raised above the app's own (app.security), so an over-long
header reaches the app, whose problem+json names it. What gunicorn refuses itself, past its
limits (8190 bytes the request line, 32 KiB per header, 100 headers) or not HTTP/1.x, the worker
answers in problem+json too (app.serve_worker), where gunicorn would send its HTML page.
"""

from __future__ import annotations

import gc
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from gunicorn.app.base import BaseApplication

from app.settings import (
    SERVE_OPTIONS,
    ServeOption,
    ServeSettings,
    Settings,
    export_metrics_dir,
    rate_limit_warning,
)

# gunicorn's highest request line limit (any more is taken as 8190); 0 would be none at all with
# its own parser, which reads a line in time growing with its square (8 MiB: 11 s of a thread).
# The app's own 414 is for a path and query over 8190 bytes, the line's bulk.
LIMIT_REQUEST_LINE = 8190
LIMIT_REQUEST_FIELD_SIZE = 32 * 1024


def gunicorn_config(serve: ServeSettings) -> dict[str, Any]:
    return {
        "bind": [serve.bind],
        "workers": serve.workers,
        "worker_class": WORKER_CLASS_PATHS[serve.worker_class],
        "threads": serve.threads,
        "limit_request_line": LIMIT_REQUEST_LINE,
        "limit_request_field_size": LIMIT_REQUEST_FIELD_SIZE,
        "timeout": serve.timeout,
        "graceful_timeout": serve.graceful_timeout,
        "keepalive": serve.keepalive,
        "max_requests": serve.max_requests,
        # Spread restarts so the workers, started together, are not all recycled at once.
        "max_requests_jitter": serve.max_requests // 10,
        "loglevel": serve.log_level,
        "errorlog": "-",
        "proc_name": "planner",
    }


# A path, not the class: gunicorn imports it when serving, and `planner --help` need not.
WORKER_CLASS_PATHS = {
    "gthread": "app.serve_worker.ThreadWorker",
    "sync": "app.serve_worker.SyncWorker",
}


def cli_options(command: Callable) -> Callable:
    """One --option per setting, documented with its variable; unset options stay None."""
    for option in reversed(SERVE_OPTIONS):
        flag = "--" + option.name.replace("_", "-")
        text = f"{option.help} [env: {option.variable}]"
        command = click.option(flag, option.name, type=_click_type(option), help=text)(command)
    return command


def _click_type(option: ServeOption) -> click.ParamType:
    if option.minimum is not None:
        return click.IntRange(option.minimum)
    return click.Choice(option.choices) if option.choices else click.STRING


def prepare_metrics_dir(settings: Settings) -> tuple[Path, bool]:
    """Use PROMETHEUS_MULTIPROC_DIR, emptied of a previous run's files (whose counts would
    otherwise be added to this run's), or a fresh temporary directory exported to the
    environment; say if serve owns it."""
    if settings.metrics_dir is None:
        path = Path(tempfile.mkdtemp(prefix="planner-metrics-"))
        export_metrics_dir(path)
        return path, True
    path = Path(settings.metrics_dir)
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink()
    return path, settings.owns_metrics_dir


def counting_across_processes() -> bool:
    """False when prometheus-client was imported before PROMETHEUS_MULTIPROC_DIR was set."""
    if "prometheus_client" not in sys.modules:
        return True  # it will read the variable when the workers import it
    from prometheus_client import values

    return values.ValueClass is not values.MutexValue


def configure_logging(level: str) -> None:
    """Request lines are JSON already, so they go out bare on stderr; the rest is prefixed."""
    requests = logging.getLogger("planner.requests")
    if not requests.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        requests.addHandler(handler)
        requests.propagate = False
    requests.setLevel(logging.INFO)
    logging.basicConfig(
        level=level.upper(),
        format="[%(asctime)s] [%(process)d] [%(levelname)s] %(name)s: %(message)s",
    )


class PlannerServer(BaseApplication):
    """gunicorn embedded: its arbiter, our settings and app factory, no config file or argv."""

    def __init__(self, settings: ServeSettings, metrics_dir: Path, owns_metrics_dir: bool):
        self.settings = settings
        self.metrics_dir = metrics_dir
        self.owns_metrics_dir = owns_metrics_dir
        super().__init__(prog="planner serve")

    def load_config(self) -> None:
        for key, value in gunicorn_config(self.settings).items():
            self.cfg.set(key, value)
        # Not a gunicorn setting: the config object is what reaches every connection.
        self.cfg.planner_client_timeout = self.settings.client_timeout
        if "control_socket_disable" in self.cfg.settings:
            # gunicorn >= 25.1 opens a control socket at one path per user, which a second
            # server on the machine (SQLite and PostgreSQL side by side) would take over.
            self.cfg.set("control_socket_disable", True)
        self.cfg.set("when_ready", self.when_ready)
        self.cfg.set("child_exit", self.child_exit)
        self.cfg.set("on_exit", self.on_exit)

    def load(self) -> Callable:
        # Imported here: the master process never needs Flask, only the workers that load it.
        from app import create_app
        from app.feed_jobs import load_text_models

        configure_logging(self.settings.log_level)
        app = create_app({"SERVE_WORKERS": self.settings.workers})
        load_text_models()
        # The app, its schemas and the models live as long as the worker: frozen (after
        # collecting what loading left behind), the cyclic collector's full passes stop walking
        # them, which stalled requests while they ran.
        gc.collect()
        gc.freeze()
        return app

    def when_ready(self, arbiter: Any) -> None:
        arbiter.log.info("Metrics directory: %s", self.metrics_dir)

    def child_exit(self, _arbiter: Any, worker: Any) -> None:
        # Imported late: importing this module must not fix prometheus-client's mode early.
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)

    def on_exit(self, _arbiter: Any) -> None:
        # The master alone runs this hook; workers leave through the same Python frames, so a
        # `finally` around run() would let the first worker to exit delete the live files.
        if self.owns_metrics_dir:
            shutil.rmtree(self.metrics_dir, ignore_errors=True)


def run(settings: Settings) -> None:
    metrics_dir, owned = prepare_metrics_dir(settings)
    # A directory given in the environment (after the re-execution too: no loop) was there
    # before prometheus-client was imported.
    if settings.metrics_dir is None and not counting_across_processes():
        os.execv(sys.executable, sys.orig_argv)
    warning = rate_limit_warning(settings.ratelimit_storage_uri, settings.serve.workers)
    if warning:
        click.echo(f"Warning: {warning}", err=True)
    PlannerServer(settings.serve, metrics_dir, owned).run()
