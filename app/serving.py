"""``planner serve``: the app under gunicorn, configured from PLANNER_* variables.

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

Limits: gunicorn answers an over-long request line or header itself, in HTML. Its limits are
raised above the app's own (app.security), so those requests reach the app and get its
problem+json; only requests past gunicorn's ceilings (a 1 MiB request line, 32 KiB per header,
100 headers) or that are not HTTP at all still get gunicorn's page.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from gunicorn.app.base import BaseApplication

from app.settings import SettingError, rate_limit_warning, whole_number

METRICS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
# Set beside it when serve made the directory, so the re-executed command still removes it.
OWNED_METRICS_DIR_VARIABLE = "PLANNER_OWNED_METRICS_DIR"
WORKER_CLASSES = ("sync", "gthread")
LOG_LEVELS = ("debug", "info", "warning", "error", "critical")
DEFAULT_THREADS = 8
# 0 is gunicorn's "no limit", which it still caps at 1 MiB; the app refuses past 8 KiB (414).
LIMIT_REQUEST_LINE = 0
LIMIT_REQUEST_FIELD_SIZE = 32 * 1024


def cores() -> int:
    """The cores this process may run on (a container's CPU set), not the host's count."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@dataclass(frozen=True)
class Option:
    name: str
    variable: str
    help: str
    type: click.ParamType
    default: Callable[[], Any] | None

    def parse(self, raw: str) -> Any:
        if isinstance(self.type, click.IntRange):
            return whole_number(self.variable, raw, self.type.min or 0)
        if isinstance(self.type, click.Choice) and raw.lower() not in self.type.choices:
            choices = ", ".join(self.type.choices)
            raise SettingError(f"{self.variable} must be one of {choices}, not {raw!r}.")
        return raw.lower() if isinstance(self.type, click.Choice) else raw


OPTIONS = (
    Option(
        "bind", "PLANNER_BIND", "host:port or unix:PATH to listen on; default 127.0.0.1:8000.",
        click.STRING, lambda: "127.0.0.1:8000",
    ),
    Option(
        "workers", "PLANNER_WORKERS", "Worker processes; default (2 x cores) + 1.",
        click.IntRange(1), lambda: 2 * cores() + 1,
    ),
    Option(
        "worker_class", "PLANNER_WORKER_CLASS",
        "gthread (threads per worker, so slow clients do not block it) or sync; default gthread.",
        click.Choice(WORKER_CLASSES), lambda: "gthread",
    ),
    Option(
        "threads", "PLANNER_THREADS",
        f"Threads per gthread worker; default {DEFAULT_THREADS} (sync: 1).",
        click.IntRange(1), None,
    ),
    Option(
        "client_timeout", "PLANNER_CLIENT_TIMEOUT",
        "Seconds a client may go silent while sending a request or reading its answer before "
        "the connection is closed (gthread); default 15.",
        click.IntRange(1), lambda: 15,
    ),
    Option(
        "timeout", "PLANNER_TIMEOUT",
        "Seconds a request may take before its worker is restarted; default 30.",
        click.IntRange(1), lambda: 30,
    ),
    Option(
        "graceful_timeout", "PLANNER_GRACEFUL_TIMEOUT",
        "Seconds to finish requests on shutdown or reload; default 30.",
        click.IntRange(1), lambda: 30,
    ),
    Option(
        "keepalive", "PLANNER_KEEPALIVE",
        "Seconds an idle keep-alive connection is kept (gthread); default 2.",
        click.IntRange(0), lambda: 2,
    ),
    Option(
        "max_requests", "PLANNER_MAX_REQUESTS",
        "Restart a worker after this many requests (default 0: never), with 10% jitter.",
        click.IntRange(0), lambda: 0,
    ),
    Option(
        "log_level", "PLANNER_LOG_LEVEL", "Log level of the server and the app; default info.",
        click.Choice(LOG_LEVELS), lambda: "info",
    ),
)  # fmt: skip


@dataclass(frozen=True)
class ServeSettings:
    bind: str
    workers: int
    worker_class: str
    threads: int
    client_timeout: int
    timeout: int
    graceful_timeout: int
    keepalive: int
    max_requests: int
    log_level: str

    def gunicorn(self) -> dict[str, Any]:
        return {
            "bind": [self.bind],
            "workers": self.workers,
            "worker_class": WORKER_CLASS_PATHS[self.worker_class],
            "threads": self.threads,
            "limit_request_line": LIMIT_REQUEST_LINE,
            "limit_request_field_size": LIMIT_REQUEST_FIELD_SIZE,
            "timeout": self.timeout,
            "graceful_timeout": self.graceful_timeout,
            "keepalive": self.keepalive,
            "max_requests": self.max_requests,
            # Spread restarts so the workers, started together, are not all recycled at once.
            "max_requests_jitter": self.max_requests // 10,
            "loglevel": self.log_level,
            "errorlog": "-",
            "proc_name": "planner",
        }


def resolve(environ: Mapping[str, str], given: Mapping[str, Any]) -> ServeSettings:
    """Command-line options (None when not given) win over PLANNER_* variables over defaults."""
    values: dict[str, Any] = {}
    for option in OPTIONS:
        raw = environ.get(option.variable, "").strip()
        if given.get(option.name) is not None:
            values[option.name] = given[option.name]
        elif raw:
            values[option.name] = option.parse(raw)
        else:
            values[option.name] = option.default() if option.default else None
    if values["threads"] is None:
        values["threads"] = DEFAULT_THREADS if values["worker_class"] == "gthread" else 1
    elif values["worker_class"] == "sync" and values["threads"] > 1:
        raise SettingError(
            "PLANNER_THREADS above 1 needs PLANNER_WORKER_CLASS=gthread: a sync worker serves "
            "one request at a time."
        )
    return ServeSettings(**values)


# A path, not the class: gunicorn imports it when serving, and `planner --help` need not.
WORKER_CLASS_PATHS = {"gthread": "app.serve_worker.ThreadWorker", "sync": "sync"}


def cli_options(command: Callable) -> Callable:
    """One --option per setting, documented with its variable; unset options stay None."""
    for option in reversed(OPTIONS):
        flag = "--" + option.name.replace("_", "-")
        text = f"{option.help} [env: {option.variable}]"
        command = click.option(flag, option.name, type=option.type, help=text)(command)
    return command


def prepare_metrics_dir(environ: MutableMapping[str, str]) -> tuple[Path, bool]:
    """Use PROMETHEUS_MULTIPROC_DIR, emptied of a previous run's files (whose counts would
    otherwise be added to this run's), or a fresh temporary directory; say if serve owns it."""
    configured = environ.get(METRICS_DIR_VARIABLE)
    if not configured:
        path = Path(tempfile.mkdtemp(prefix="planner-metrics-"))
        environ[METRICS_DIR_VARIABLE] = environ[OWNED_METRICS_DIR_VARIABLE] = str(path)
        return path, True
    path = Path(configured)
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink()
    return path, environ.get(OWNED_METRICS_DIR_VARIABLE) == configured


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
        for key, value in self.settings.gunicorn().items():
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

        configure_logging(self.settings.log_level)
        return create_app({"SERVE_WORKERS": self.settings.workers})

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


def run(settings: ServeSettings) -> None:
    inherited = METRICS_DIR_VARIABLE in os.environ  # true after the re-execution: no loop
    metrics_dir, owned = prepare_metrics_dir(os.environ)
    if not inherited and not counting_across_processes():
        os.execv(sys.executable, sys.orig_argv)
    warning = rate_limit_warning(os.environ.get("PLANNER_RATELIMIT_STORAGE_URI"), settings.workers)
    if warning:
        click.echo(f"Warning: {warning}", err=True)
    PlannerServer(settings, metrics_dir, owned).run()
