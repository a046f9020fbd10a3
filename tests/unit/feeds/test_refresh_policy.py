"""When a feed is next due, from plain values: no database, no network."""

from __future__ import annotations

import datetime as dt

import pytest

from feeds.refresh_policy import (
    DEFAULT_INTERVAL_MINUTES,
    MAX_INTERVAL,
    MIN_INTERVAL,
    backoff,
    effective_interval,
    retry_at,
)

NOW = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)


@pytest.mark.parametrize(
    ("interval", "ttl", "max_age", "expected"),
    [
        (None, None, None, DEFAULT_INTERVAL_MINUTES * MINUTE),
        (30, None, None, 30 * MINUTE),  # the feed's override
        (None, 180, None, 3 * HOUR),  # <ttl> lengthens the default
        (None, None, 7200, 2 * HOUR),  # so does max-age, in seconds
        (None, None, 61, HOUR),  # a short max-age never speeds polling up
        (30, 45, 3000, 50 * MINUTE),  # the longest of the three, max-age rounded up
        (240, 60, 60, 4 * HOUR),  # hints only slow polling down
        (5, None, None, MIN_INTERVAL),  # never under 15 minutes
        (None, 10_000, None, MAX_INTERVAL),  # never over a day
        (None, None, 10**7, MAX_INTERVAL),
    ],
)
def test_effective_interval_takes_the_longest_of_override_and_hints_within_bounds(
    interval: int | None, ttl: int | None, max_age: int | None, expected: dt.timedelta
) -> None:
    assert effective_interval(interval, ttl, max_age) == expected


@pytest.mark.parametrize(
    ("errors", "expected"),
    [
        (1, HOUR),
        (2, 2 * HOUR),
        (3, 4 * HOUR),
        (5, 16 * HOUR),
        (6, MAX_INTERVAL),
        (500, MAX_INTERVAL),
    ],
)
def test_backoff_doubles_the_interval_per_failure_up_to_a_day(
    errors: int, expected: dt.timedelta
) -> None:
    assert backoff(HOUR, errors) == expected


def test_backoff_starts_from_the_feeds_own_interval() -> None:
    assert backoff(MIN_INTERVAL, 1) == MIN_INTERVAL
    assert backoff(MIN_INTERVAL, 3) == 4 * MIN_INTERVAL


@pytest.mark.parametrize(
    ("asked", "expected"),
    [
        (NOW + 2 * HOUR, NOW + 2 * HOUR),  # as the server asked
        (NOW + MINUTE, NOW + MIN_INTERVAL),  # at least the minimum interval
        (NOW - HOUR, NOW + MIN_INTERVAL),  # a date in the past too
        (NOW + dt.timedelta(days=3), NOW + MAX_INTERVAL),  # at most a day
    ],
)
def test_retry_at_honours_retry_after_within_bounds(
    asked: dt.datetime, expected: dt.datetime
) -> None:
    assert retry_at(NOW, asked) == expected
