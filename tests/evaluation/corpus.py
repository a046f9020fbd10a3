"""The real-feed corpus served over HTTP and ingested through the real fetch path."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

from pytest_httpserver import HTTPServer
from sqlalchemy.orm import Session

from feeds.fetch_policy import FetchPolicy
from feeds.refresh_db import refresh_feed
from feeds.subscriptions_db import create_feed

REPO = Path(__file__).resolve().parents[2]
CORPUS = Path(os.environ.get("PLANNER_CORPUS_DIR", REPO.parent / "shared/corpus/real-feeds"))
# The corpus was fetched in February 2026: "now" is fixed just after its newest article, so
# its dates count as recent and undated entries get the same date on every run.
EVAL_NOW = dt.datetime(2026, 2, 19, tzinfo=dt.UTC)
_SERVER = re.compile(r"^http://127\.0\.0\.1:\d+/")


def stable_url(url: str) -> str:
    """An article url that is the same on every run: a few feeds link relative to themselves,
    so their articles live on the corpus server, whose port changes; judgements drop it."""
    return _SERVER.sub("http://127.0.0.1/", url)


def ingest(session: Session, workspace_id: int, httpserver: HTTPServer) -> int:
    """Subscribe to every corpus file and refresh each once; returns the feeds ingested."""
    paths = sorted(CORPUS.glob("*.xml"))
    for path in paths:
        httpserver.expect_request(f"/corpus/{path.name}").respond_with_data(
            path.read_bytes(), content_type="application/xml"
        )
    policy = FetchPolicy(allow_private=True, connect_timeout=2, timeout=10)
    for path in paths:
        url = httpserver.url_for(f"/corpus/{path.name}")
        feed = create_feed(session, workspace_id, url, policy=policy)
        refresh_feed(session, feed, policy, EVAL_NOW)
    session.commit()
    return len(paths)
