"""Per-request telemetry: a request id, one JSON log line, the HTTP metrics and ``/metrics``.

The log line is for people grepping a day of traffic, so it carries what identifies a request
and nothing that could let a reader act as the caller: no headers at all (Authorization,
cookies), no path variable or query value whose name marks it as a secret (the calendar
subscription address is ``/ics/<token>.ics``), only the route's own parameters otherwise.

``/metrics`` needs an admin's bearer token unless ``PLANNER_METRICS_PUBLIC=1``: the figures are
not per workspace, but request rates and refusal counts are business figures, and Prometheus
can send a bearer token (``authorization: {credentials_file: ...}`` in its scrape config).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import time
import uuid
from urllib.parse import urlencode

from flask import Flask, Response, abort, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST

from app import metrics
from app.principal import make_public, principal, public_endpoints

log = logging.getLogger("planner.requests")

REQUEST_ID_HEADER = "X-Request-ID"
# What proxies and tracers send (UUIDs, hex, nginx's $request_id); anything else could forge
# log lines or smuggle text into a header we echo, so it is replaced rather than trusted.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
SENSITIVE_NAME = re.compile(r"token|secret|key|pass|auth|sig|session|cookie|credential|code", re.I)
REDACTED = "REDACTED"
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
METRICS_ENDPOINT = "metrics"


def _start() -> None:
    g.request_started = time.perf_counter()
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = incoming if SANE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex


def _finish(response: Response) -> Response:
    seconds = time.perf_counter() - g.get("request_started", time.perf_counter())
    request_id = g.get("request_id") or uuid.uuid4().hex
    response.headers[REQUEST_ID_HEADER] = request_id
    # Route templates, not paths, so /posts/1 and /posts/2 are one series and a scan of
    # random URLs cannot create new ones; methods outside HTTP's usual set are pooled likewise.
    endpoint = request.url_rule.rule if request.url_rule else "unmatched"
    method = request.method if request.method in KNOWN_METHODS else "OTHER"
    metrics.HTTP_REQUESTS.labels(method, endpoint, str(response.status_code)).inc()
    metrics.HTTP_LATENCY.labels(endpoint).observe(seconds)
    line = {
        "time": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
        "method": request.method,
        "path": loggable_path(),
        "status": response.status_code,
        "duration_ms": round(seconds * 1000, 2),
        "request_id": request_id,
        "remote_addr": request.remote_addr,
    }
    principal = g.get("principal")
    if principal is not None:
        line["user_id"] = principal.user_id
    log.info(json.dumps(line))
    return response


def loggable_path() -> str:
    """The path and query with the values of secret-looking names replaced."""
    path = request.path
    for name, value in (request.view_args or {}).items():
        if SENSITIVE_NAME.search(name):
            path = path.replace(str(value), REDACTED)
    if not request.args:
        return path
    query = [
        (name, REDACTED if SENSITIVE_NAME.search(name) else value)
        for name, value in request.args.items(multi=True)
    ]
    return f"{path}?{urlencode(query)}"


def metrics_view() -> Response:
    if METRICS_ENDPOINT not in public_endpoints() and principal().role != "admin":
        abort(403, description="Metrics are for admins (or set PLANNER_METRICS_PUBLIC=1).")
    return Response(
        metrics.exposition(current_app.config["METRICS_DIR"]), content_type=CONTENT_TYPE_LATEST
    )


def init_app(app: Flask) -> None:
    """Call before anything else registers hooks: a before_request that refuses the request
    (authentication) stops the ones after it, and the timer and request id must exist even then.
    """
    app.before_request(_start)
    app.after_request(_finish)
    # A plain route, deliberately outside the OpenAPI document: it is an operator's endpoint
    # in Prometheus's own format, not part of the versioned API clients build against.
    app.add_url_rule("/metrics", METRICS_ENDPOINT, metrics_view)
    if app.config["METRICS_PUBLIC"]:
        make_public(app, METRICS_ENDPOINT)
