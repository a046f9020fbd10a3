"""Settings from the environment, read and checked in this one module (docs/configuration.md).

:func:`read` turns every ``PLANNER_*`` variable, ``DATABASE_URL`` and ``PROMETHEUS_MULTIPROC_DIR``
into one frozen :class:`Settings`, refusing a bad value with a message that names its variable,
so a typo stops a command at start-up instead of surfacing at the first request or fetch.
:func:`load` copies it into the Flask config, where tests override single keys; ``planner
serve``, the CLI and the feed refreshes take their values from the same object.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import re
import secrets
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from core.db import sqlite_file

if TYPE_CHECKING:
    from feeds.fetch_policy import FetchPolicy, IPNetwork

METRICS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
# Not configuration (docs/configuration.md leaves it out): set by serve beside the directory it
# made, so the re-executed command still removes it at exit.
OWNED_METRICS_DIR_VARIABLE = "PLANNER_OWNED_METRICS_DIR"
SWITCH_ON = ("1", "true", "yes", "on")
SWITCH_OFF = ("0", "false", "no", "off")
WORKER_CLASSES = ("sync", "gthread")
LOG_LEVELS = ("debug", "info", "warning", "error", "critical")
DEFAULT_THREADS = 8
# ``make run`` serves on http://localhost:$PORT, 5000 unless PORT says otherwise (README).
DEFAULT_PORT = 5000
# Finished webhook deliveries are kept this many days (PLANNER_WEBHOOK_RETENTION_DAYS).
DEFAULT_WEBHOOK_RETENTION_DAYS = 30
# Seconds PostgreSQL may leave a statement unanswered before the request answers 503: below
# PLANNER_TIMEOUT's default 30, after which gunicorn restarts the worker without an answer.
DB_ANSWER_TIMEOUT = 20
# Without DATABASE_URL, the database is this file in the instance folder.
DEFAULT_DATABASE_FILE = "planner.db"
# The databases the app runs on: SQLite, and PostgreSQL through psycopg 3 (core.db.make_engine
# reads postgresql:// and postgres:// as psycopg). Any other driver fails in every worker.
DATABASE_DRIVERS = ("sqlite", "sqlite+pysqlite", "postgresql", "postgres", "postgresql+psycopg")


class SettingError(ValueError):
    """A setting that cannot be used; the message names the variable, so it can be fixed."""


def cores() -> int:
    """The cores this process may run on (a container's CPU set), not the host's count."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@dataclass(frozen=True)
class FeedFetching:
    """``PLANNER_FEEDS_*``; a limit left as None is the fetcher's own default."""

    allow_private: bool = False
    allowed_hosts: frozenset[str] = frozenset()
    allowed_networks: tuple[IPNetwork, ...] = ()
    connect_timeout: float | None = None
    timeout: float | None = None
    max_bytes: int | None = None
    max_entries: int | None = None
    max_per_import: int | None = None

    def policy(self) -> FetchPolicy:
        from feeds.fetch_policy import FetchPolicy  # the SSRF guard, for feed work only

        limits = {
            "connect_timeout": self.connect_timeout,
            "timeout": self.timeout,
            "max_bytes": self.max_bytes,
            "max_entries": self.max_entries,
            "max_per_import": self.max_per_import,
        }
        return FetchPolicy(
            allow_private=self.allow_private,
            allowed_hosts=self.allowed_hosts,
            allowed_networks=self.allowed_networks,
            **{name: value for name, value in limits.items() if value is not None},
        )


@dataclass(frozen=True)
class ServeOption:
    """One ``planner serve`` setting: its variable, its ``--option`` and how it is checked."""

    name: str
    variable: str
    help: str
    minimum: int | None = None  # a whole number of at least this
    choices: tuple[str, ...] = ()
    default: Callable[[], Any] | None = None

    def parse(self, raw: str) -> Any:
        if self.minimum is not None:
            return whole_number(self.variable, raw, self.minimum)
        if self.choices and raw.lower() not in self.choices:
            choices = ", ".join(self.choices)
            raise SettingError(f"{self.variable} must be one of {choices}, not {raw!r}.")
        return raw.lower() if self.choices else raw


SERVE_OPTIONS = (
    ServeOption(
        "bind", "PLANNER_BIND", "host:port or unix:PATH to listen on; default 127.0.0.1:8000.",
        default=lambda: "127.0.0.1:8000",
    ),
    ServeOption(
        "workers", "PLANNER_WORKERS", "Worker processes; default (2 x cores) + 1.",
        minimum=1, default=lambda: 2 * cores() + 1,
    ),
    ServeOption(
        "worker_class", "PLANNER_WORKER_CLASS",
        "gthread (threads per worker, so slow clients do not block it) or sync; default gthread.",
        choices=WORKER_CLASSES, default=lambda: "gthread",
    ),
    ServeOption(
        "threads", "PLANNER_THREADS",
        f"Threads per gthread worker; default {DEFAULT_THREADS} (sync: 1).",
        minimum=1,
    ),
    ServeOption(
        "client_timeout", "PLANNER_CLIENT_TIMEOUT",
        "Seconds a client may go silent while sending a request or reading its answer before "
        "the connection is closed (gthread); default 15.",
        minimum=1, default=lambda: 15,
    ),
    ServeOption(
        "timeout", "PLANNER_TIMEOUT",
        "Seconds a request may take before its worker is restarted; default 30.",
        minimum=1, default=lambda: 30,
    ),
    ServeOption(
        "graceful_timeout", "PLANNER_GRACEFUL_TIMEOUT",
        "Seconds to finish requests on shutdown or reload; default 30.",
        minimum=1, default=lambda: 30,
    ),
    ServeOption(
        "keepalive", "PLANNER_KEEPALIVE",
        "Seconds an idle keep-alive connection is kept (gthread); default 2.",
        minimum=0, default=lambda: 2,
    ),
    ServeOption(
        "max_requests", "PLANNER_MAX_REQUESTS",
        "Restart a worker after this many requests (default 0: never), with 10% jitter.",
        minimum=0, default=lambda: 0,
    ),
    ServeOption(
        "log_level", "PLANNER_LOG_LEVEL", "Log level of the server and the app; default info.",
        choices=LOG_LEVELS, default=lambda: "info",
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


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str | None  # None: a random key kept in the instance folder (see load)
    proxy_fix: int
    metrics_public: bool
    db_pool_size: int | None  # None: SQLAlchemy's own
    db_max_overflow: int | None
    db_answer_timeout: int | None  # seconds; None: no limit
    ics_cache_mib: int
    suggestions_cache_seconds: int
    ratelimit_storage_uri: str
    auth_failure_limit: str
    signin_failure_limit: str
    feed_refresh_limit: str
    semantic: bool  # suggestions weigh meaning when the model is installed (feeds.semantic)
    feeds: FeedFetching
    webhook_retention_days: int
    serve: ServeSettings
    metrics_dir: str | None
    owns_metrics_dir: bool  # serve made the directory, so it removes it at exit
    public_url: str  # where people reach the service; absolute links in webhook payloads

    def flask_config(self) -> dict[str, Any]:
        """The app config keys these settings fill (the limits keep their variables' names)."""
        config = {
            "DATABASE_URL": self.database_url,
            "PROXY_FIX": self.proxy_fix,
            "METRICS_PUBLIC": self.metrics_public,
            "METRICS_DIR": self.metrics_dir,
            "DB_POOL_SIZE": self.db_pool_size,
            "DB_MAX_OVERFLOW": self.db_max_overflow,
            "DB_ANSWER_TIMEOUT": self.db_answer_timeout,
            "ICS_CACHE_MIB": self.ics_cache_mib,
            "SUGGESTIONS_CACHE_SECONDS": self.suggestions_cache_seconds,
            "RATELIMIT_STORAGE_URI": self.ratelimit_storage_uri,
            "PLANNER_AUTH_FAILURE_LIMIT": self.auth_failure_limit,
            "PLANNER_SIGNIN_FAILURE_LIMIT": self.signin_failure_limit,
            "PLANNER_FEED_REFRESH_LIMIT": self.feed_refresh_limit,
            "FEED_FETCHING": self.feeds,
            "SEMANTIC_RANKING": self.semantic,
            "PUBLIC_URL": self.public_url,
            "WEBHOOK_RETENTION_DAYS": self.webhook_retention_days,
        }
        if self.secret_key is not None:
            config["SECRET_KEY"] = self.secret_key
        return config


def instance_path() -> str:
    """Where Flask would put the app's instance folder, found without importing Flask (most
    commands never build the app): beside the package in a checkout or editable install,
    under the environment's prefix when the package is installed into it."""
    package_parent = Path(__file__).resolve().parents[1]
    prefix = Path(sys.prefix).resolve()
    if package_parent.is_relative_to(prefix):
        return str(prefix / "var" / "app-instance")
    return str(package_parent / "instance")


def read(
    environ: Mapping[str, str] | None = None,
    *,
    instance: str | None = None,
    serve_options: Mapping[str, Any] | None = None,
) -> Settings:
    """The settings from ``environ`` (the process's environment by default); ``serve_options``
    (``planner serve``'s command-line options, None when not given) win over their variables.
    An unset or blank variable means the default, so templates may leave it empty."""
    env = _Environment(os.environ if environ is None else environ)
    instance_dir = Path(instance or instance_path())
    metrics_dir = env.text(METRICS_DIR_VARIABLE)
    return Settings(
        database_url=env.database_url(
            "DATABASE_URL", f"sqlite:///{instance_dir / DEFAULT_DATABASE_FILE}"
        ),
        secret_key=env.text("PLANNER_SECRET_KEY"),
        proxy_fix=env.number("PLANNER_PROXY_FIX", 0),
        metrics_public=env.switch("PLANNER_METRICS_PUBLIC"),
        db_pool_size=env.number("PLANNER_DB_POOL_SIZE", None, minimum=1),
        db_max_overflow=env.number("PLANNER_DB_MAX_OVERFLOW", None),
        db_answer_timeout=env.number("PLANNER_DB_ANSWER_TIMEOUT", DB_ANSWER_TIMEOUT) or None,
        ics_cache_mib=env.number("PLANNER_ICS_CACHE_MIB", 64),
        suggestions_cache_seconds=env.number("PLANNER_SUGGESTIONS_CACHE_SECONDS", 60, maximum=3600),
        ratelimit_storage_uri=env.storage_uri("PLANNER_RATELIMIT_STORAGE_URI", "memory://"),
        auth_failure_limit=env.rate_limit("PLANNER_AUTH_FAILURE_LIMIT", "20/minute"),
        signin_failure_limit=env.rate_limit("PLANNER_SIGNIN_FAILURE_LIMIT", "5/minute"),
        feed_refresh_limit=env.rate_limit("PLANNER_FEED_REFRESH_LIMIT", "30/minute"),
        semantic=env.switch("PLANNER_SEMANTIC", default=True),
        feeds=FeedFetching(
            env.switch("PLANNER_FEEDS_ALLOW_PRIVATE"),
            *parse_allowlist(env.text("PLANNER_FEEDS_ALLOWLIST") or ""),
            connect_timeout=env.positive("PLANNER_FEEDS_CONNECT_TIMEOUT", float),
            timeout=env.positive("PLANNER_FEEDS_TIMEOUT", float),
            max_bytes=env.positive("PLANNER_FEEDS_MAX_BYTES", int),
            max_entries=env.positive("PLANNER_FEEDS_MAX_ENTRIES", int),
            max_per_import=env.positive("PLANNER_FEEDS_MAX_PER_IMPORT", int),
        ),
        webhook_retention_days=env.number(  # type: ignore[arg-type]
            "PLANNER_WEBHOOK_RETENTION_DAYS", DEFAULT_WEBHOOK_RETENTION_DAYS, minimum=1
        ),
        serve=_serve(env, serve_options or {}),
        metrics_dir=metrics_dir,
        owns_metrics_dir=metrics_dir is not None
        and env.text(OWNED_METRICS_DIR_VARIABLE) == metrics_dir,
        public_url=public_url(env.environ),
    )


def public_url(environ: Mapping[str, str] | None = None) -> str:
    """``PLANNER_PUBLIC_URL`` without its trailing slash: the address people and tools reach
    the service at, which the process itself cannot know behind a proxy. Unset, it is where
    ``make run`` serves: http://localhost:$PORT (5000)."""
    env = _Environment(os.environ if environ is None else environ)
    raw = env.text("PLANNER_PUBLIC_URL")
    if raw is None:
        return f"http://localhost:{env.number('PORT', DEFAULT_PORT, 1, 65535)}"
    if not _web_address(raw):
        raise SettingError(
            "PLANNER_PUBLIC_URL must be an http(s) address such as https://planner.example.com "
            f"(a path is allowed; no user, query or fragment), not {raw!r}."
        )
    return raw.rstrip("/")


def _web_address(raw: str) -> bool:
    parts = urlsplit(raw)
    try:
        parts.port  # noqa: B018 - a port that is not a number, or beyond 65535, raises
    except ValueError:
        return False
    return (
        parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and parts.username is None
        and not parts.query
        and not parts.fragment
    )


def load(
    instance_path: str, overrides: dict[str, Any], environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The app config: explicit overrides first, then the environment, then defaults."""
    config = {**read(environ, instance=instance_path).flask_config(), **overrides}
    if "SECRET_KEY" not in config:
        config["SECRET_KEY"] = _stored_secret(Path(instance_path))
    return config


def export_metrics_dir(path: Path) -> None:
    """Hand the metrics directory serve made to its re-executed self and its workers, which
    find it (and prometheus-client its mode) in their environment."""
    os.environ[METRICS_DIR_VARIABLE] = os.environ[OWNED_METRICS_DIR_VARIABLE] = str(path)


def rate_limit_warning(storage_uri: str | None, workers: int) -> str | None:
    """Why the documented rate limits do not hold, when several processes count apart."""
    if workers <= 1 or (storage_uri or "memory://").strip().lower() != "memory://":
        return None
    return (
        f"Rate limits are counted per worker: {workers} workers with the default memory:// "
        f"store let a client through up to {workers} times each limit. Point "
        "PLANNER_RATELIMIT_STORAGE_URI at a shared store such as redis://127.0.0.1:6379/0."
    )


def whole_number(name: str, raw: str, minimum: int = 0, maximum: int | None = None) -> int:
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or value < minimum or (maximum is not None and value > maximum):
        upper = f" and at most {maximum}" if maximum is not None else ""
        raise SettingError(
            f"{name} must be a whole number of at least {minimum}{upper}, not {raw!r}."
        )
    return value


def parse_allowlist(text: str) -> tuple[frozenset[str], tuple[IPNetwork, ...]]:
    """Split a comma-separated list into host names and CIDR networks (bare IPs are /32, /128)."""
    hosts: set[str] = set()
    networks: list[IPNetwork] = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            if not re.fullmatch(r"[A-Za-z0-9.-]+", item):
                raise SettingError(
                    f"PLANNER_FEEDS_ALLOWLIST: {item!r} is neither host nor CIDR network."
                ) from None
            hosts.add(item.lower().rstrip("."))
    return frozenset(hosts), tuple(networks)


@dataclass(frozen=True)
class _Environment:
    """Typed reads of one environment; each refusal names its variable."""

    environ: Mapping[str, str]

    def text(self, name: str) -> str | None:
        raw = self.environ.get(name, "").strip()
        return raw or None

    def number(
        self, name: str, default: int | None, minimum: int = 0, maximum: int | None = None
    ) -> int | None:
        raw = self.text(name)
        return whole_number(name, raw, minimum, maximum) if raw else default

    def switch(self, name: str, default: bool = False) -> bool:
        raw = (self.text(name) or ("1" if default else "0")).lower()
        if raw not in SWITCH_ON + SWITCH_OFF:
            raise SettingError(
                f"{name} must be 1 or 0 (or true/false, yes/no, on/off), not {raw!r}."
            )
        return raw in SWITCH_ON

    def positive(self, name: str, kind: type[int] | type[float]) -> Any:
        raw = self.text(name)
        if raw is None:
            return None
        try:
            value = kind(raw)
        except ValueError:
            value = 0
        if value <= 0:
            what = "whole number" if kind is int else "number"
            raise SettingError(f"{name} must be a positive {what}, not {raw!r}.")
        return value

    def rate_limit(self, name: str, default: str) -> str:
        raw = self.text(name)
        if raw is None:
            return default
        from limits import parse_many  # ~40 ms to import, paid only when a limit is set

        try:
            parse_many(raw)
        except ValueError:
            raise SettingError(
                f"{name} must be a rate limit such as 20/minute (several separated by commas), "
                f"not {raw!r}."
            ) from None
        return raw

    def storage_uri(self, name: str, default: str) -> str:
        raw = self.text(name)
        if raw is not None and not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*://.*", raw):
            raise SettingError(
                f"{name} must be a URI such as redis://127.0.0.1:6379/0, not {raw!r}."
            )
        return raw or default

    def database_url(self, name: str, default: str) -> str:
        raw = self.text(name)
        if raw is None:
            return default
        try:
            url = make_url(raw)
        except ArgumentError:
            raise SettingError(
                f"{name} must be a database URL such as postgresql://user:password@host/db or "
                f"sqlite:///path/planner.db, not {raw!r}."
            ) from None
        if url.drivername not in DATABASE_DRIVERS:
            raise SettingError(
                f"{name} must name SQLite (sqlite:///path/planner.db) or PostgreSQL "
                f"(postgresql://user:password@host/db); {url.drivername}:// is not supported."
            )
        path = sqlite_file(raw)
        if path is not None and not Path(path).parent.is_dir():  # SQLite cannot make folders
            raise SettingError(
                f"{name} names a SQLite file in {Path(path).parent}, a folder that does not exist."
            )
        return raw


def _serve(env: _Environment, given: Mapping[str, Any]) -> ServeSettings:
    values: dict[str, Any] = {}
    for option in SERVE_OPTIONS:
        raw = env.text(option.variable)
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


def _stored_secret(instance: Path) -> str:
    """A random key kept beside the SQLite file, so sign-ins survive a restart without setup."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


# Flask's own default PERMANENT_SESSION_LIFETIME, written here so that the worker, which
# builds no app, need not import Flask to know it.
DEFAULT_SESSION_LIFETIME = dt.timedelta(days=31)


def session_lifetime(config: Mapping[str, Any]) -> dt.timedelta:
    """How long a web session lasts, and so a sent form's key is remembered: the app's
    PERMANENT_SESSION_LIFETIME, or Flask's default."""
    lifetime = config.get("PERMANENT_SESSION_LIFETIME", DEFAULT_SESSION_LIFETIME)
    return lifetime if isinstance(lifetime, dt.timedelta) else dt.timedelta(seconds=lifetime)
