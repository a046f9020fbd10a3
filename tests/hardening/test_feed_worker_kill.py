"""A feed worker killed with SIGKILL in the middle of a refresh leaves no half-stored feed.

Real processes: ``planner feeds worker --once`` runs against the test database and a local
threaded server, and the test kills it while it is mid-refresh: once while a feed's body is halfway
downloaded (SQLite and PostgreSQL), once while a feed's rows are halfway written
(PostgreSQL). Each feed's articles and status commit in one transaction, so every feed must
then be either completely refreshed or untouched; and the next runs carry on. The killed
worker's claim on its feed lasts 10 minutes; the tests move ``next_check_at`` back instead
of waiting, which is all the lease running out does.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import Engine, func, insert, select, text, update
from sqlalchemy.orm import Session, sessionmaker
from werkzeug import Request, Response

from core import dialects
from core.db import utcnow
from feeds.models import Article, Feed, FeedEntry
from feeds.parser import parse_feed
from tests.cli.helpers import add_feeds, planner, summary

FEEDS = 6
SLOW = 2  # claimed third: feeds 0 and 1 are committed before it, 3 to 5 not yet begun
ENTRIES = 25


def rss(n: int) -> bytes:
    items = "".join(
        f"<item><guid>feed{n}-{i}</guid><title>Story {i} of feed {n}</title>"
        f"<link>https://feed{n}.example.com/{i}</link><description>{'Useful. ' * 40}"
        f"</description><pubDate>Mon, 03 Mar 2025 10:{i:02d}:00 GMT</pubDate></item>"
        for i in range(ENTRIES)
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Feed {n}</title>{items}</channel></rss>"
    ).encode()


def feed_states(writer: sessionmaker[Session]) -> list[tuple[Feed, int]]:
    with writer() as session:
        counts = select(FeedEntry.feed_id, func.count()).group_by(FeedEntry.feed_id)
        entries = {feed_id: n for feed_id, n in session.execute(counts)}
        return [(f, entries.get(f.id, 0)) for f in session.scalars(select(Feed).order_by(Feed.id))]


def refreshed(feed: Feed, entries: int) -> bool:
    """All of the feed's entries stored, and its status (and title, taken from the feed on
    its first fetch) written with them."""
    return (
        (feed.last_status, feed.error_count, entries) == ("ok", 0, ENTRIES)
        and feed.last_fetched_at is not None
        and feed.title == f"Feed {feed.url.rsplit('-', 1)[1].removesuffix('.xml')}"
    )


def untouched(feed: Feed, entries: int) -> bool:
    """Nothing stored and no status written (a claim may have moved next_check_at)."""
    return (feed.last_status, feed.last_fetched_at, feed.title, feed.error_count, entries) == (
        None,
        None,
        None,
        0,
        0,
    )


def expire_lease(writer: sessionmaker[Session], feed_id: int) -> None:
    """What the claim lease running out does (moved back here rather than waited for: the
    lease is 10 minutes): the feed is due again."""
    with writer() as session:
        due = utcnow() - dt.timedelta(seconds=1)
        session.execute(update(Feed).where(Feed.id == feed_id).values(next_check_at=due))
        session.commit()


def run_to_end(*args: str, database_url: str) -> tuple[int, ...]:
    process = planner(*args, database_url=database_url)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    return summary(out)


def test_sigkill_mid_refresh_leaves_each_feed_whole_or_untouched_and_the_next_run_carries_on(
    database_url: str, writer: sessionmaker[Session], engine: Engine, threaded_server: HTTPServer
) -> None:
    stalled = threading.Event()
    release = threading.Event()
    served: list[str] = []

    def stall_first_time(request: Request) -> Response:
        """The first answer sends its headers and half its body, then stops; later ones are
        whole, so the feed can be refreshed once the killed worker's claim has run out."""
        body = rss(SLOW)
        served.append(request.path)
        if served.count(request.path) > 1:
            return Response(body, content_type="application/rss+xml")

        def stream() -> Iterator[bytes]:
            yield body[: len(body) // 2]
            stalled.set()
            release.wait(60)
            yield body[len(body) // 2 :]

        return Response(
            stream(),
            content_type="application/rss+xml",
            headers={"Content-Length": str(len(body))},
            direct_passthrough=True,
        )

    for n in range(FEEDS):
        path = f"/feed-{n}.xml"
        if n == SLOW:
            threaded_server.expect_request(path).respond_with_handler(stall_first_time)
        else:
            threaded_server.expect_request(path).respond_with_data(rss(n), content_type="text/xml")
    add_feeds(writer, [threaded_server.url_for(f"/feed-{n}.xml") for n in range(FEEDS)])

    # 1. One worker thread, so feeds are refreshed in claim order, one after another.
    worker = planner("feeds", "worker", "--once", "--workers", "1", database_url=database_url)
    try:
        assert stalled.wait(60), "the worker never reached the stalled feed"
        # On PostgreSQL the worker stores a feed while it downloads the next one, so the feed
        # before the stalled one may still be committing: let it, then kill mid-download.
        deadline = time.monotonic() + 60
        while not all(refreshed(*state) for state in feed_states(writer)[:SLOW]):
            assert time.monotonic() < deadline, "the feeds before the stalled one never landed"
            time.sleep(0.05)
    finally:
        worker.kill()  # SIGKILL: no handler, no cleanup, no commit
        worker.communicate(timeout=60)
        release.set()
    assert worker.returncode == -9

    states = feed_states(writer)
    for feed, entries in states:
        assert refreshed(feed, entries) or untouched(feed, entries), (feed.id, entries)
    assert [refreshed(*state) for state in states] == [True, True, False, False, False, False]
    now = utcnow()
    slow = states[SLOW][0]
    assert slow.next_check_at > now  # claimed: leased to the dead worker
    assert all(feed.next_check_at <= now for feed, _ in states[SLOW + 1 :])  # still due
    if dialects.of(engine).embedded:
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA integrity_check")).scalar() == "ok"

    # 2. The next run refreshes what is due; the killed worker's feed waits for its lease.
    assert run_to_end("feeds", "refresh", database_url=database_url) == (3, 3, 0, 3 * ENTRIES, 0, 0)
    states = feed_states(writer)
    assert [refreshed(*state) for state in states] == [n != SLOW for n in range(FEEDS)]
    assert untouched(*states[SLOW])

    # 3. Once the lease runs out, the next worker takes the feed up again and stores it whole.
    expire_lease(writer, slow.id)
    last = run_to_end("feeds", "worker", "--once", database_url=database_url)
    assert last == (1, 1, 0, ENTRIES, 0, 0)
    assert all(refreshed(*state) for state in feed_states(writer))
    assert served.count(f"/feed-{SLOW}.xml") == 2


def test_sigkill_while_writing_rolls_the_whole_feed_back_on_postgresql(
    database_url: str, writer: sessionmaker[Session], engine: Engine, threaded_server: HTTPServer
) -> None:
    """Killed after some of a feed's rows are written but before its commit.

    The test holds an uncommitted entry row with the same key as the feed's last entry, so the
    worker's INSERT of that entry waits on the unique index, after its articles and earlier
    entries went in. Only PostgreSQL lets a writer be caught there: SQLite takes its write lock
    at BEGIN, so a writer waits before writing anything, never halfway.
    """
    if dialects.of(engine).serial_writers:
        pytest.skip("SQLite writers wait at BEGIN, never in the middle of a write")
    fetched = threading.Event()
    go_on = threading.Event()

    def after_a_pause(_request: Request) -> Response:
        fetched.set()
        go_on.wait(60)
        return Response(rss(0), content_type="application/rss+xml")

    threaded_server.expect_request("/feed-0.xml").respond_with_handler(after_a_pause)
    url = threaded_server.url_for("/feed-0.xml")
    [feed_id] = add_feeds(writer, [url])
    with writer() as session:
        workspace_id = session.scalar(select(Feed.workspace_id))
        article = Article(workspace_id=workspace_id, title="Elsewhere", content_hash="0" * 64,
                          published_at=utcnow())  # fmt: skip
        session.add(article)
        session.commit()
    last_key = parse_feed(rss(0), base_url=url, fetched_at=utcnow()).entries[-1].key

    worker = planner("feeds", "worker", "--once", "--workers", "1", database_url=database_url)
    blocker = engine.connect()
    try:
        assert fetched.wait(60), "the worker never fetched the feed"
        # Taken after the claim (which would skip a feed row that anyone holds a lock on).
        blocker.execute(
            insert(FeedEntry).values(feed_id=feed_id, article_id=article.id, entry_key=last_key,
                                     first_seen_at=utcnow())
        )  # fmt: skip
        go_on.set()
        waiting = text(
            "SELECT a.query FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE NOT l.granted AND a.state = 'active' AND a.datname = current_database()"
        )
        deadline = time.monotonic() + 60
        while not (stuck := blocker.execute(waiting).scalars().all()):
            assert time.monotonic() < deadline, "the worker never reached its INSERTs"
            time.sleep(0.05)
        assert stuck[0].startswith("INSERT INTO feed_entries"), stuck
        with engine.connect() as observer:
            # Its articles are written, uncommitted: invisible to everyone else.
            assert observer.scalar(select(func.count()).select_from(Article)) == 1
    finally:
        worker.kill()
        worker.communicate(timeout=60)
        go_on.set()
        blocker.rollback()
        blocker.close()
    assert worker.returncode == -9

    [(feed, entries)] = feed_states(writer)
    assert untouched(feed, entries)
    with writer() as session:
        assert session.scalar(select(func.count()).select_from(Article)) == 1

    expire_lease(writer, feed_id)
    assert run_to_end("feeds", "worker", "--once", database_url=database_url) == (
        1, 1, 0, ENTRIES, 0, 0
    )  # fmt: skip
    [(feed, entries)] = feed_states(writer)
    assert refreshed(feed, entries)
