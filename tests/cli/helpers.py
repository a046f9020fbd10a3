"""``planner`` run as a real process, and feeds for it to refresh: for the CLI, hardening and
serving tests and the benchmarks that run the command."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from core.models import Workspace
from feeds import subscriptions_db
from feeds.fetch_policy import FetchPolicy

REPO = Path(__file__).resolve().parents[2]
PLANNER = Path(sys.executable).with_name("planner")
SUMMARY = re.compile(
    r"Refreshed (\d+) feeds: (\d+) fetched, (\d+) not modified, (\d+) new articles, "
    r"(\d+) updated, (\d+) errors\."
)


def summary(output: str) -> tuple[int, ...]:
    match = SUMMARY.search(output)
    assert match, output
    return tuple(int(n) for n in match.groups())


def add_feeds(writer, urls: list[str]) -> list[int]:
    with writer() as session:
        workspace = Workspace(name="Acme", timezone="UTC")
        session.add(workspace)
        session.flush()
        loopback = FetchPolicy(allow_private=True)
        feeds = [
            subscriptions_db.create_feed(session, workspace.id, u, policy=loopback) for u in urls
        ]
        session.commit()
        return [feed.id for feed in feeds]


def planner(*args: str, database_url: str, stdout: Any = subprocess.PIPE) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "PLANNER_FEEDS_ALLOW_PRIVATE": "1",
        "PLANNER_SECRET_KEY": "test",
    }
    command = [str(PLANNER), *args]
    return subprocess.Popen(
        command, cwd=REPO, env=env, stdout=stdout, stderr=subprocess.PIPE, text=True
    )
