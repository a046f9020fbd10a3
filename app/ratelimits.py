"""Rate limits (Flask-Limiter): failed token attempts per client address, work per workspace.

Counters live in memory by default, which is right for one process; set
``PLANNER_RATELIMIT_STORAGE_URI`` (``redis://host:6379/0``) so that every worker and every
machine counts together. If that storage becomes unreachable the limiter falls back to memory
rather than failing requests: a Redis outage must not take the API down with it.

Limits are strings such as ``20/minute`` read from the app config at request time, so tests and
deployments change them without code; ``RATELIMIT_ENABLED=False`` turns them all off.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, current_app, request
from flask_limiter import ApplicationLimit, Limiter, RequestLimit
from flask_limiter.util import get_remote_address
from limits import parse_many
from werkzeug.exceptions import TooManyRequests

from app.principal import principal, public_endpoints
from app.problems import problem

EXTENSION = "planner_limiter"
AUTH_FAILURE_LIMIT = "PLANNER_AUTH_FAILURE_LIMIT"
FEED_REFRESH_LIMIT = "PLANNER_FEED_REFRESH_LIMIT"


def too_many_requests(reset_at: float, detail: str) -> Response:
    response = problem(429, detail, slug="rate-limited", title="Too many requests")
    response.headers["Retry-After"] = str(max(1, math.ceil(reset_at - time.time())))
    return response


def _failed_auth_breached(limit: RequestLimit) -> Response:
    return too_many_requests(
        limit.window.reset_time,
        f"Too many failed authentication attempts from this address (limit {limit.limit}); "
        "wait before trying again.",
    )


def _is_public() -> bool:
    return request.endpoint in public_endpoints()


def _failed_authentication(response: Response) -> bool:
    return response.status_code == 401


def init_app(app: Flask) -> None:
    """Install the limiter; call before the authentication hook so a blocked address is
    refused before its token is even looked at (otherwise guesses would still be answered)."""
    for key in (AUTH_FAILURE_LIMIT, FEED_REFRESH_LIMIT):
        parse_many(app.config[key])  # a typo in a limit fails at start-up, not per request
    limiter = Limiter(
        get_remote_address,
        app=app,
        # Deduct-on-failure: every request is checked against the budget, only a 401 spends it,
        # so a client with a good token is never slowed and a guesser is stopped.
        application_limits=[
            ApplicationLimit(
                lambda: current_app.config[AUTH_FAILURE_LIMIT],
                scope="failed-authentication",
                exempt_when=_is_public,
                deduct_when=_failed_authentication,
                on_breach=_failed_auth_breached,
            )
        ],
        in_memory_fallback_enabled=True,
        headers_enabled=False,
    )
    app.extensions[EXTENSION] = limiter


def per_workspace(config_key: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Limit a view to ``app.config[config_key]`` calls per workspace, e.g. feed refreshes.

    Keyed by workspace, not address, because the cost falls on the workspace's feeds whichever
    of its users (or scripts) asks. Use below the route decorators; the caller is authenticated
    by then.
    """

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def limited(*args: Any, **kwargs: Any) -> Any:
            limiter: Limiter = current_app.extensions[EXTENSION]
            if limiter.enabled:
                prefix = current_app.config.get("RATELIMIT_KEY_PREFIX", "")
                key = (prefix, config_key, str(principal().workspace_id))
                for item in parse_many(current_app.config[config_key]):
                    if not limiter.limiter.hit(item, *key):
                        reset_at = limiter.limiter.get_window_stats(item, *key).reset_time
                        detail = f"This workspace's limit here is {item}; retry later."
                        raise TooManyRequests(response=too_many_requests(reset_at, detail))
            return view(*args, **kwargs)

        return limited

    return decorate
