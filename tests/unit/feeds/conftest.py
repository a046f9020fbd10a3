"""Fixtures for the feed package: a session on each test database, and fetch policies.

The database comes from the shared ``engine`` fixture (tests/conftest.py), so every feed test
runs on a migrated SQLite file and, when configured, on PostgreSQL too.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from core.db import make_sessionmakers
from core.models import Workspace
from feeds.fetch_policy import FetchPolicy


@pytest.fixture
def data_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "data" / "feeds"


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    _reader, writer = make_sessionmakers(engine)
    with writer() as session:
        yield session


@pytest.fixture
def workspace_id(session: Session) -> int:
    workspace = Workspace(name="Acme", timezone="UTC")
    session.add(workspace)
    session.commit()
    return workspace.id


@pytest.fixture
def local_policy() -> FetchPolicy:
    """The test server listens on loopback, which the default policy rightly refuses."""
    return FetchPolicy(allow_private=True, connect_timeout=2, timeout=5)
