"""Ninety real-world feeds through the real fetch path into SQLite.

Count rule: every entry feedparser reports is stored as one ``FeedEntry`` of its feed, except
entries with nothing in them (no id, link, title or text) and repeats of an entry key within
one feed (see :mod:`feeds.parser`). The corpus contains neither, so each feed's stored count
must equal the manifest's ``feedparser_entries`` exactly; entries without a link (there is one)
are kept under a content-hash key.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug import Request, Response

from core.db import utcnow
from feeds import expat_driver
from feeds import parser as feed_parser
from feeds.fetch_policy import FetchPolicy
from feeds.models import Article, FeedEntry
from feeds.refresh_db import refresh_feed
from feeds.subscriptions_db import create_feed

REPO = Path(__file__).resolve().parents[3]
CORPUS = Path(os.environ.get("PLANNER_CORPUS_DIR", REPO.parent / "shared/corpus/real-feeds"))

pytestmark = pytest.mark.skipif(
    not (CORPUS / "MANIFEST.tsv").is_file(),
    reason=f"real-feed corpus not found at {CORPUS} (set PLANNER_CORPUS_DIR)",
)


def serve_corpus(httpserver: HTTPServer) -> list[Request]:
    """Serve every corpus file with a strong ETag, answering 304 to a matching
    If-None-Match; returns the list the handler appends each request to."""
    seen: list[Request] = []

    def handler(request: Request) -> Response:
        seen.append(request)
        path = CORPUS / request.path.rsplit("/", 1)[-1]
        body = path.read_bytes()
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers={"ETag": etag})
        return Response(body, content_type="application/xml", headers={"ETag": etag})

    for path in CORPUS.glob("*.xml"):
        httpserver.expect_request(f"/corpus/{path.name}").respond_with_handler(handler)
    return seen


def test_corpus_entry_counts_and_conditional_refresh(
    session: Session,
    workspace_id: int,
    httpserver: HTTPServer,
    local_policy: FetchPolicy,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with (CORPUS / "MANIFEST.tsv").open(newline="") as manifest:
        rows = list(csv.DictReader(manifest, delimiter="\t"))
    assert len(rows) == 90
    seen = serve_corpus(httpserver)
    subscriptions = {
        row["file"]: create_feed(
            session, workspace_id, httpserver.url_for(f"/corpus/{row['file']}")
        )
        for row in rows
    }
    session.commit()

    now = utcnow()
    first = {
        name: refresh_feed(session, feed, local_policy, now) for name, feed in subscriptions.items()
    }
    session.commit()
    assert {name: s.errors for name, s in first.items() if s.errors} == {}
    stored = dict(
        session.execute(select(FeedEntry.feed_id, func.count()).group_by(FeedEntry.feed_id)).all()
    )
    mismatches = {
        row["file"]: (int(row["feedparser_entries"]), stored.get(subscriptions[row["file"]].id, 0))
        for row in rows
        if stored.get(subscriptions[row["file"]].id, 0) != int(row["feedparser_entries"])
    }
    assert mismatches == {}
    articles = session.scalar(select(func.count()).select_from(Article))
    entries = session.scalar(select(func.count()).select_from(FeedEntry))
    assert entries == sum(int(row["feedparser_entries"]) for row in rows)
    assert all(feed.etag and feed.last_status == "ok" for feed in subscriptions.values())

    # Second round: every server answers 304, so nothing may be parsed or stored.
    def must_not_parse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a 304 answer was parsed")

    monkeypatch.setattr(feed_parser.feedparser, "parse", must_not_parse)
    seen.clear()
    later = utcnow()
    second = [refresh_feed(session, feed, local_policy, later) for feed in subscriptions.values()]
    session.commit()
    assert all(s.not_modified and not s.fetched for s in second)
    assert sum(s.new_articles + s.updated + s.errors for s in second) == 0
    assert all(request.headers.get("If-None-Match") for request in seen)
    assert session.scalar(select(func.count()).select_from(Article)) == articles
    assert session.scalar(select(func.count()).select_from(FeedEntry)) == entries
    assert session.scalar(select(func.max(Article.updated_at))) == now


@pytest.mark.parametrize("name", sorted(path.name for path in CORPUS.glob("*.xml")))
def test_buffered_expat_parses_each_corpus_feed_as_feedparser_alone_does(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The driver installed by :mod:`feeds.parser` only changes how often feedparser is told
    about text, never what it makes of a feed."""
    assert feed_parser.feedparser.api.PREFERRED_XML_PARSERS[0] == expat_driver.__name__
    data = (CORPUS / name).read_bytes()

    def parse() -> dict[str, object]:
        result = feed_parser.feedparser.parse(
            io.BytesIO(data), sanitize_html=False, resolve_relative_uris=False
        )
        return {key: result.get(key) for key in ("version", "encoding", "feed", "entries")}

    buffered = parse()
    monkeypatch.setattr(
        feed_parser.feedparser.api,
        "PREFERRED_XML_PARSERS",
        [p for p in feed_parser.feedparser.api.PREFERRED_XML_PARSERS if p != expat_driver.__name__],
    )
    assert buffered == parse()
