"""The webhook retry schedule: exponential back-off with jitter, given up after three days."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schedules.webhooks import retries

T0 = dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)
S = dt.timedelta(seconds=1)


def test_the_delays_without_jitter_are_the_standard_ones_then_every_ten_hours():
    delays = [retries.retry_delay(n, 0.5) for n in range(1, 9)]
    hours = dt.timedelta(hours=1)
    assert delays == [5 * S, 300 * S, 1800 * S, 2 * hours, 5 * hours, *[10 * hours] * 3]


@given(st.integers(1, 40), st.floats(0, 1, exclude_max=True))
def test_jitter_moves_a_delay_by_at_most_a_fifth(attempts, jitter):
    base = retries.retry_delay(attempts, 0.5)
    assert 0.8 * base <= retries.retry_delay(attempts, jitter) <= 1.2 * base


def test_a_delivery_failing_all_along_is_tried_for_three_days_then_given_up():
    now, attempts, tries = T0, 1, [T0]
    while (after := retries.next_try(T0, attempts, now, 0.999)) is not None:
        now, attempts = after, attempts + 1
        tries.append(now)
    assert tries[-1] - T0 >= dt.timedelta(days=3)
    assert tries[-2] - T0 < dt.timedelta(days=3)
    assert 12 <= len(tries) <= 15


def test_no_retry_is_scheduled_before_an_attempt():
    with pytest.raises(ValueError):
        retries.retry_delay(0, 0.5)


def test_failing_too_long_means_three_days_or_more():
    assert not retries.failing_too_long(None, T0)
    assert not retries.failing_too_long(T0, T0 + dt.timedelta(days=3) - S)
    assert retries.failing_too_long(T0, T0 + dt.timedelta(days=3))
