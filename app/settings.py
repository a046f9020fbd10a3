"""Settings from the environment, so every deployment is configured the same way."""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def instance_path() -> str:
    """Where Flask would put the app's instance folder, found without importing Flask (most
    commands never build the app): beside the package in a checkout or editable install,
    under the environment's prefix when the package is installed into it."""
    package_parent = Path(__file__).resolve().parents[1]
    prefix = Path(sys.prefix).resolve()
    if package_parent.is_relative_to(prefix):
        return str(prefix / "var" / "app-instance")
    return str(package_parent / "instance")


def load(
    instance_path: str, overrides: dict[str, Any], environ: Mapping[str, str] = os.environ
) -> dict[str, Any]:
    """Explicit overrides first, then the environment, then defaults beside the instance."""
    instance = Path(instance_path)
    config = dict(overrides)
    if "DATABASE_URL" not in config:
        config["DATABASE_URL"] = (
            environ.get("DATABASE_URL") or f"sqlite:///{instance / 'planner.db'}"
        )
    if "SECRET_KEY" not in config:
        config["SECRET_KEY"] = environ.get("PLANNER_SECRET_KEY") or _stored_secret(instance)
    config.setdefault("PROXY_FIX", env_int(environ, "PLANNER_PROXY_FIX", 0))
    config.setdefault("METRICS_PUBLIC", env_int(environ, "PLANNER_METRICS_PUBLIC", 0, 0, 1) == 1)
    config.setdefault("DB_POOL_SIZE", env_int(environ, "PLANNER_DB_POOL_SIZE", None, 1))
    config.setdefault("DB_MAX_OVERFLOW", env_int(environ, "PLANNER_DB_MAX_OVERFLOW", None))
    config.setdefault("ICS_CACHE_MIB", env_int(environ, "PLANNER_ICS_CACHE_MIB", 64))
    # Rate limits (app/ratelimits.py): counters in memory unless a shared store is named.
    for key, variable in (
        ("RATELIMIT_STORAGE_URI", "PLANNER_RATELIMIT_STORAGE_URI"),
        ("PLANNER_AUTH_FAILURE_LIMIT", "PLANNER_AUTH_FAILURE_LIMIT"),
        ("PLANNER_FEED_REFRESH_LIMIT", "PLANNER_FEED_REFRESH_LIMIT"),
    ):
        if environ.get(variable, "").strip():
            config.setdefault(key, environ[variable].strip())
    return config


def rate_limit_warning(storage_uri: str | None, workers: int) -> str | None:
    """Why the documented rate limits do not hold, when several processes count apart."""
    if workers <= 1 or (storage_uri or "memory://").strip().lower() != "memory://":
        return None
    return (
        f"Rate limits are counted per worker: {workers} workers with the default memory:// "
        f"store let a client through up to {workers} times each limit. Point "
        "PLANNER_RATELIMIT_STORAGE_URI at a shared store such as redis://127.0.0.1:6379/0."
    )


class SettingError(ValueError):
    """A setting that cannot be used; the message names the variable, so it can be fixed."""


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


def env_int(
    environ: Mapping[str, str],
    name: str,
    default: int | None,
    minimum: int = 0,
    maximum: int | None = None,
) -> int | None:
    """An unset or blank variable means the default, so templates may leave it empty."""
    raw = environ.get(name, "").strip()
    return whole_number(name, raw, minimum, maximum) if raw else default


def _stored_secret(instance: Path) -> str:
    """A random key kept beside the SQLite file, so sign-ins survive a restart without setup."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
