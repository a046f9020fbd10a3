"""When a failed delivery is tried again: exponential back-off with jitter for about three days.

The delays follow the Standard Webhooks recommendation (5 s, 5 min, 30 min, 2 h, 5 h, then
every 10 h); the jitter spreads the retries of many deliveries that failed together (a
receiver's outage) so they do not all return in the same second. A delivery is given up at
its first failure three days after it was first due, and an endpoint that has failed that
long is disabled.
"""

from __future__ import annotations

import datetime as dt

DELAYS = tuple(dt.timedelta(seconds=s) for s in (5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600))
LAST_DELAY = dt.timedelta(hours=10)
GIVE_UP_AFTER = dt.timedelta(days=3)
JITTER = 0.2


def retry_delay(attempts: int, jitter: float) -> dt.timedelta:
    """The wait after ``attempts`` failed attempts; ``jitter`` in [0, 1) (the caller's random
    draw) moves it by up to ±20 %."""
    if attempts < 1:
        raise ValueError("a delivery is retried only after an attempt")
    base = DELAYS[attempts - 1] if attempts <= len(DELAYS) else LAST_DELAY
    return base * (1 + JITTER * (2 * jitter - 1))


def next_try(
    first_due: dt.datetime, attempts: int, now: dt.datetime, jitter: float
) -> dt.datetime | None:
    """When to try again after a failure at ``now``, or None: given up after three days."""
    if failing_too_long(first_due, now):
        return None
    return now + retry_delay(attempts, jitter)


def failing_too_long(since: dt.datetime | None, now: dt.datetime) -> bool:
    """Whether something failing since ``since`` has failed for three days."""
    return since is not None and now - since >= GIVE_UP_AFTER
