"""When a feed is next due: its polling interval, the backoff after failures, and a server's
own Retry-After. Pure functions of plain values; :mod:`feeds.refresh_db` applies them."""

from __future__ import annotations

import datetime as dt
import math

DEFAULT_INTERVAL_MINUTES = 60
MIN_INTERVAL_MINUTES = 15
MAX_INTERVAL_MINUTES = 24 * 60
MIN_INTERVAL = dt.timedelta(minutes=MIN_INTERVAL_MINUTES)
MAX_INTERVAL = dt.timedelta(minutes=MAX_INTERVAL_MINUTES)
# How long a claimed feed stays invisible to other workers; long enough for one refresh, short
# enough that a crashed worker's feeds are picked up again soon.
CLAIM_LEASE = dt.timedelta(minutes=10)


def effective_interval(
    interval_minutes: int | None, ttl_minutes: int | None = None, max_age: int | None = None
) -> dt.timedelta:
    """Polling interval: the feed's override or the default, lengthened by the publisher's
    ``<ttl>`` (minutes) or ``Cache-Control: max-age`` (seconds), within [15 min, 24 h].

    Both hints say how long the content stays fresh, so they may only slow polling down; a
    CDN's ``max-age=60`` is no request to poll every minute.
    """
    minutes = interval_minutes or DEFAULT_INTERVAL_MINUTES
    minutes = max(minutes, ttl_minutes or 0, math.ceil((max_age or 0) / 60))
    return dt.timedelta(minutes=min(max(minutes, MIN_INTERVAL_MINUTES), MAX_INTERVAL_MINUTES))


def backoff(interval: dt.timedelta, error_count: int) -> dt.timedelta:
    """Wait after the ``error_count``-th failure in a row: 1x, 2x, 4x ... the interval, capped
    at 24 h, so a blip costs one normal interval and a dead server is asked once a day."""
    factor = 2 ** min(error_count - 1, 16)
    return min(interval * factor, MAX_INTERVAL)


def retry_at(now: dt.datetime, retry_after: dt.datetime) -> dt.datetime:
    """When to ask a server that said Retry-After: as asked, but at least the minimum interval
    and at most a day from ``now``."""
    return min(max(retry_after, now + MIN_INTERVAL), now + MAX_INTERVAL)
