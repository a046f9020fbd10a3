"""Dates read from plain strings (feeds.dates): no database, no network. The readings of the
formats feeds carry are tested through a refresh in test_feed_robustness.py."""

from __future__ import annotations

import pytest

from feeds.dates import parse_date


@pytest.mark.parametrize(
    "raw",
    [
        "Fri, 31 Dec 9999 23:59:59 -0100",  # after the last instant datetime can hold in UTC
        "9999-12-31T23:59:59-01:00",
        "0001-01-01T00:30:00+01:00",  # before the first
    ],
)
def test_an_instant_out_of_range_is_no_date(raw: str) -> None:
    assert parse_date(raw) is None
