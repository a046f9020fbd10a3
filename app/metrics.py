"""Prometheus metrics: what is counted. ``app.telemetry`` fills and exposes them.

The domain stays free of metrics: the web layer counts requests and refusals, and the feeds
command counts refresh outcomes through :func:`feed_refreshed`.

Under ``planner serve`` every gunicorn worker is its own process with its own counters, so
prometheus-client runs in multiprocess mode: ``PROMETHEUS_MULTIPROC_DIR`` must be set before
this module is first imported in a process (prometheus-client picks its storage at import), which
the serve command does before anything imports it. Without that variable (``planner run``,
tests) the counters live in the process's own registry.
"""

from __future__ import annotations

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

HTTP_REQUESTS = Counter(
    "planner_http_requests",
    "HTTP requests answered, by method, route template and status code.",
    ["method", "endpoint", "status"],
)
HTTP_LATENCY = Histogram(
    "planner_http_request_duration_seconds",
    "Time from the request reaching the app to its response, by route template.",
    ["endpoint"],
)
ASKS_REFUSED = Counter(
    "planner_asks_refused",
    "Changes refused by the give-before-ask rule (an ask would lack its gives).",
)
DB_CLEANUP_ERRORS = Counter(
    "planner_db_cleanup_errors",
    "Request database sessions whose closing failed after the response was made (a connection "
    "lost meanwhile); the response was still sent.",
)
FEED_REFRESH_OUTCOMES = ("ok", "not_modified", "gone", "throttled", "error")
FEED_REFRESHES = Counter(
    "planner_feed_refresh",
    "Feed refreshes by outcome (the feed's last_status after the refresh).",
    ["outcome"],
)
for _outcome in FEED_REFRESH_OUTCOMES:
    # Every outcome exists from the start, so rate() sees the first error, not a new series.
    FEED_REFRESHES.labels(_outcome)


def feed_refreshed(outcome: str) -> None:
    """Count one refresh; unknown outcomes are refused so labels cannot grow without bound."""
    if outcome not in FEED_REFRESH_OUTCOMES:
        raise ValueError(f"unknown feed refresh outcome {outcome!r}")
    FEED_REFRESHES.labels(outcome).inc()


def exposition(metrics_dir: str | None) -> bytes:
    """The text format; in multiprocess mode (``metrics_dir``, the settings'
    PROMETHEUS_MULTIPROC_DIR) the sum over every worker's files, since a scrape reaches one
    worker and would otherwise see only its share of the traffic."""
    if metrics_dir is None:
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=metrics_dir)
    return generate_latest(registry)
