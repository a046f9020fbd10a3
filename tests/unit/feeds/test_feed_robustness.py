"""Hostile and sloppy feeds, all refreshed in one run through the real fetch path.

Every document of ``tests/data/feeds/robustness`` (plus a several-megabyte single-line feed
built here, too big to commit) is served by a local HTTP server and refreshed by
:class:`app.feed_jobs.DueFeedRunner`, the runner behind ``planner feeds refresh`` and
``planner feeds worker``, through :func:`feeds.refresh_db.refresh_feed`. Each feed must end with
its good entries stored, readable as the publisher wrote them, or with a clear error recorded
on it, and no broken feed may stop the run.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.feed_jobs import DueFeedRunner
from core.models import Workspace
from feeds import refresh_db
from feeds.fetch_policy import FetchPolicy
from feeds.models import Article, Feed, FeedEntry
from feeds.subscriptions_db import create_feed


def utc(*args: int, microsecond: int = 0) -> dt.datetime:
    return dt.datetime(*args, microsecond=microsecond, tzinfo=dt.UTC)


# Encoding cases: each must read back exactly as written, without mojibake.
ENCODED = (
    "declared-utf8-latin1-bytes.xml",
    "declared-latin1-utf8-bytes.xml",
    "no-declaration-windows-1252.xml",
    "utf16le-bom.xml",
    "utf16be-bom.xml",
    "utf16le-no-bom.xml",
    "utf16be-no-bom.xml",
    "utf8-bom.xml",
)
# What the feed's owner is told, per unreadable document.
UNREADABLE = {
    "empty.xml": "Not a readable feed: the server sent an empty document.",
    "html-page.xml": (
        "Not a readable feed: the address serves an HTML page, which names its feed at "
        "{base}/feed.xml."
    ),
    # expat says "<unknown>:2:2: …": a file name it was never given, and columns from 0.
    "binary-junk.bin": (
        "Not a readable feed: the document is not well-formed XML at line 2, column 3: "
        "not well-formed (invalid token)."
    ),
}
# RSS <pubDate> values by guid; None means no reasonable reading: the fetch time.
RSS_DATES: dict[str, dt.datetime | None] = {
    "rfc822": utc(2025, 3, 3, 10, 15, 30),
    "rfc822-no-day": utc(2025, 3, 3, 9, 15, 30),
    "rfc822-two-digit-year": utc(2025, 3, 3, 15, 15, 30),
    "rfc822-no-seconds": utc(2025, 3, 3, 18, 15),
    "rfc822-colon-offset": utc(2025, 3, 3, 9, 15, 30),
    "rfc822-cest": utc(2025, 3, 3, 8, 15, 30),
    "rfc822-no-zone": utc(2025, 3, 3, 10, 15, 30),
    "iso-z": utc(2025, 3, 3, 10, 15, 30),
    "iso-offset": utc(2025, 3, 3, 9, 15, 30),
    "iso-offset-no-colon": utc(2025, 3, 3, 9, 15, 30),
    "iso-no-seconds": utc(2025, 3, 3, 10, 15),
    "iso-no-zone": utc(2025, 3, 3, 10, 15, 30),
    "iso-space": utc(2025, 3, 3, 10, 15, 30),
    "iso-fraction": utc(2025, 3, 3, 15, 15, 30, microsecond=250_000),
    "iso-basic": utc(2025, 3, 3, 10, 15, 30),
    "iso-date-only": utc(2025, 3, 3),
    "iso-week": utc(2025, 3, 3, 10, 15, 30),
    "iso-ordinal": utc(2025, 3, 3),
    "german": utc(2025, 3, 3, 9, 15, 30),
    "german-long": utc(2025, 3, 4, 10, 15),
    "german-dez": utc(2024, 12, 3, 7),
    "french": utc(2025, 3, 3, 9, 15, 30),
    "french-long": utc(2025, 4, 1, 10, 15),
    "french-fevrier": utc(2025, 2, 3),
    "spanish": utc(2025, 3, 3, 9, 15, 30),
    "spanish-long": utc(2025, 3, 3, 10, 15),
    "spanish-sab": utc(2025, 2, 1, 10),
    "us-long": utc(2025, 3, 3, 10, 15),
    "twelve-hour-edt": utc(2025, 3, 4, 2, 15),
    "twelve-hour-no-zone": utc(2025, 3, 3, 22, 15),
    "iso-space-est": utc(2025, 3, 4, 3, 15),
    "iso-pst": utc(2025, 3, 4, 6, 15),
    "cest-no-day": utc(2025, 3, 3, 20, 15),
    # A zone abbreviation not known, or ambiguous (IST), would shift the time unseen.
    "unknown-zone": None,
    "ambiguous-zone": None,
    "nonsense": None,
    "empty": None,
    "day-32": None,
    "hour-25": None,
    "time-only": None,
    "far-future": None,
    # Read by feedparser's ISO 8601 handler from a prefix, the rest taken from today's date
    # (the first of the current month) or rolled over (hour 25 the next day).
    "year-first-slashes": utc(2025, 3, 3, 10, 15, 30),
    "year-first-dots": utc(2025, 3, 3, 10, 15),
    "year-first-kanji": None,
    "iso-hour-25": None,
    "iso-garbled-month": None,
}
ATOM_DATES: dict[str, dt.datetime | None] = {
    "urn:x:published-z": utc(2025, 3, 3, 10, 15, 30),
    "urn:x:updated-only-offset": utc(2025, 3, 3, 18, 15, 30),
    "urn:x:dc-date": utc(2025, 3, 3, 4, 45, 30),
    "urn:x:updated-nonsense": None,
}
HUGE_SUMMARY = "Pricing <b>lessons</b> from 40 SaaS founders &amp; their CFOs. " * 100_000


def huge_single_line() -> bytes:
    """About 6 MB without one line break: a small entry and one with an enormous summary."""
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>One line'
        "</title><item><guid>small</guid><title>Small entry</title>"
        "<link>https://big.example.com/small</link><description>short</description></item>"
        "<item><guid>huge</guid><title>Huge entry</title><link>https://big.example.com/huge"
        f"</link><description><![CDATA[{HUGE_SUMMARY}]]></description></item></channel></rss>"
    ).encode()


@pytest.fixture
def corpus(data_dir: Path, httpserver: HTTPServer) -> dict[str, bytes]:
    """Every document by the path it is served at."""
    documents = {p.name: p.read_bytes() for p in sorted((data_dir / "robustness").iterdir())}
    documents["huge-single-line.xml"] = huge_single_line()
    assert len(documents["huge-single-line.xml"]) > 5_000_000
    assert b"\n" not in documents["huge-single-line.xml"]
    for name, body in documents.items():
        content_type = "text/html; charset=utf-8" if name.startswith("html") else "text/xml"
        httpserver.expect_request(f"/{name}").respond_with_data(body, content_type=content_type)
    return documents


def refresh_all(writer: sessionmaker[Session], urls: list[str]) -> dict[str, Feed]:
    with writer() as session:
        workspace = Workspace(name="Acme", timezone="UTC")
        session.add(workspace)
        session.flush()
        loopback = FetchPolicy(allow_private=True)
        for url in urls:
            create_feed(session, workspace.id, url, policy=loopback)
        session.commit()
    policy = FetchPolicy(allow_private=True, connect_timeout=5, timeout=60)
    totals = DueFeedRunner(writer, policy, workers=2).run()
    assert (totals.feeds, totals.errors) == (len(urls), len(UNREADABLE))
    with writer() as session:
        return {feed.url.rsplit("/", 1)[1]: feed for feed in session.scalars(select(Feed))}


def stored(session: Session, feed: Feed) -> dict[str, Article]:
    """The feed's articles by entry key."""
    rows = session.execute(
        select(FeedEntry.entry_key, Article)
        .join(Article, Article.id == FeedEntry.article_id)
        .where(FeedEntry.feed_id == feed.id)
    )
    return {key: article for key, article in rows}


def test_every_feed_ends_stored_or_with_a_clear_error_and_the_run_goes_on(
    corpus: dict[str, bytes], httpserver: HTTPServer, writer: sessionmaker[Session]
) -> None:
    feeds = refresh_all(writer, [httpserver.url_for(f"/{name}") for name in corpus])
    assert set(feeds) == set(corpus)

    with writer() as session:
        for name, message in UNREADABLE.items():
            feed = feeds[name]
            assert (feed.last_status, feed.error_count) == ("error", 1), name
            assert feed.last_error == message.format(base=httpserver.url_for("").rstrip("/"))
            assert stored(session, feed) == {}, name

        for name in ENCODED:
            feed = feeds[name]
            assert (feed.last_status, feed.last_error, feed.title) == ("ok", None, "Café Crème")
            articles = stored(session, feed)
            titles = sorted(article.title for article in articles.values())
            assert titles == ["Prix à Zürich", "Señor Müller"], name
            summaries = sorted(article.summary_text for article in articles.values())
            assert summaries[0] == "Año nuevo, größer", name
            # Latin-1 has no dash or curly quotes, so that file says it more plainly.
            plain = name == "declared-utf8-latin1-bytes.xml"
            assert summaries[1] == (
                "Über die Preise: naïve façade" if plain else "Über die Preise — “naïve” façade"
            )

        # Broken XML is read loosely: every entry up to where the document breaks off.
        feed = feeds["malformed.xml"]
        assert (feed.last_status, feed.title) == ("ok", "Tom & Jerry's news")
        articles = {a.canonical_url: a for a in stored(session, feed).values()}
        assert {url: a.title for url, a in articles.items()} == {
            "https://news.example.com/m1": "Fish & chips édition",
            "https://news.example.com/m2": "Second item",
            "https://news.example.com/m3": "Cut off",
        }
        assert articles["https://news.example.com/m1"].summary_text == (
            "Unclosed bold and a stray tag"
        )

        feed = feeds["huge-single-line.xml"]
        assert feed.last_status == "ok"
        articles = stored(session, feed)
        assert {a.title for a in articles.values()} == {"Small entry", "Huge entry"}
        huge = next(a for a in articles.values() if a.title == "Huge entry")
        assert huge.summary_text.startswith("Pricing lessons from 40 SaaS founders & their CFOs.")
        assert len(huge.summary_text) <= 1000

        for name, expected in (("dates.rss", RSS_DATES), ("dates.atom", ATOM_DATES)):
            feed = feeds[name]
            assert feed.last_status == "ok"
            published = {key: a.published_at for key, a in stored(session, feed).items()}
            fetched = feed.last_fetched_at
            assert published == {key: when or fetched for key, when in expected.items()}


def test_a_bug_on_one_feed_is_logged_and_counted_and_the_next_feeds_are_stored(
    httpserver: HTTPServer,
    writer: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Unexpected exceptions (a bug, not a bad feed) while downloading one feed and while
    storing another: both are logged and counted, neither is half-stored, and the feeds
    claimed after them are refreshed, whether the store runs inline (SQLite) or behind the
    next download (PostgreSQL)."""
    names = ["first", "breaks-download", "breaks-store", "last"]
    for name in names:
        httpserver.expect_request(f"/{name}.xml").respond_with_data(
            f'<rss version="2.0"><channel><title>{name}</title><item><guid>{name}-1</guid>'
            f"<title>Story of {name}</title><link>https://{name}.example.com/1</link>"
            "</item></channel></rss>",
            content_type="application/rss+xml",
        )
    real_download, real_store = refresh_db.download_feed, refresh_db.store_download

    def download(feed: Feed, *args: object, **kwargs: object) -> refresh_db.Download:
        if "breaks-download" in feed.url:
            raise KeyError("a bug in parsing")
        return real_download(feed, *args, **kwargs)

    def store(session: Session, feed: Feed, *args: object) -> refresh_db.RefreshSummary:
        if "breaks-store" in feed.url:
            session.add(Article(workspace_id=feed.workspace_id, title="half", content_hash="0"))
            session.flush()  # something is written before the bug strikes
            raise KeyError("a bug in storing")
        return real_store(session, feed, *args)

    monkeypatch.setattr(refresh_db, "download_feed", download)
    monkeypatch.setattr(refresh_db, "store_download", store)
    with writer() as session:
        workspace = Workspace(name="Acme", timezone="UTC")
        session.add(workspace)
        session.flush()
        for name in names:
            url = httpserver.url_for(f"/{name}.xml")
            create_feed(session, workspace.id, url, policy=FetchPolicy(allow_private=True))
        session.commit()

    totals = DueFeedRunner(writer, FetchPolicy(allow_private=True), workers=1).run()

    assert (totals.feeds, totals.fetched, totals.new_articles, totals.errors) == (4, 2, 2, 2)
    failures = [r.getMessage() for r in caplog.records if "refreshing feed" in r.getMessage()]
    assert len(failures) == 2
    with writer() as session:
        feeds = {f.url.rsplit("/", 1)[1]: f for f in session.scalars(select(Feed))}
        assert {name: feeds[f"{name}.xml"].last_status for name in names} == {
            "first": "ok", "breaks-download": None, "breaks-store": None, "last": "ok"
        }  # fmt: skip
        titles = set(session.scalars(select(Article.title)))
        assert titles == {"Story of first", "Story of last"}
