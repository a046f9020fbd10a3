"""Fixtures for the feed package: its test feeds and fetch policies (the session and workspace
come from tests/unit/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from feeds.fetch_policy import FetchPolicy


@pytest.fixture
def data_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "data" / "feeds"


@pytest.fixture
def local_policy() -> FetchPolicy:
    """The test server listens on loopback, which the default policy rightly refuses."""
    return FetchPolicy(allow_private=True, connect_timeout=2, timeout=5)
