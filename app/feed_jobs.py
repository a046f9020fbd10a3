"""Running feed refreshes for the API and the CLI: the fetch policy, and the transaction shape.

The fetch policy is built from the settings' ``PLANNER_FEEDS_*`` once, when the app is created
(app.settings refuses a malformed allowlist at start-up instead of weakening the SSRF guard at
the first fetch). The app config key ``FEEDS_ALLOW_PRIVATE`` overrides the environment's switch
(tests reach a server on 127.0.0.1 with it).

Every refresh commits twice: once right after the feed row is read, so no transaction (and on
SQLite, no write lock) is held while a slow server answers, and once after
:func:`feeds.refresh_db.store_download`, so a feed's new articles and its status land together or
not at all. Concurrent runners take feeds one at a time with
:func:`feeds.refresh_db.claim_due_feeds`, which leases each feed before it is fetched: several
processes and threads never fetch the same feed at once.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from flask import Flask, current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app import metrics, runtime
from core import dialects
from core.db import utcnow
from feeds import analysis, refresh_db, semantic
from feeds.fetch_policy import FetchPolicy
from feeds.models import Feed
from feeds.refresh_db import Download, RefreshSummary

EXTENSION = "planner_feed_policy"
log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = runtime.fetch_policy(app.config)


def fetch_policy() -> FetchPolicy:
    return current_app.extensions[EXTENSION]


@dataclass
class Totals:
    """What a run did, summed over its feeds, for the CLI's closing line."""

    feeds: int = 0
    fetched: int = 0
    not_modified: int = 0
    new_articles: int = 0
    updated: int = 0
    errors: int = 0

    def add(self, summary: RefreshSummary) -> None:
        self.feeds += 1
        self.fetched += summary.fetched
        self.not_modified += summary.not_modified
        self.new_articles += summary.new_articles
        self.updated += summary.updated
        self.errors += summary.errors

    def line(self) -> str:
        return (
            f"{self.feeds} feeds: {self.fetched} fetched, {self.not_modified} not modified, "
            f"{self.new_articles} new articles, {self.updated} updated, {self.errors} errors"
        )


def refresh_and_commit(session: Session, feed: Feed, policy: FetchPolicy) -> RefreshSummary:
    """Refresh a feed loaded in ``session`` (a writer), committing around the network I/O."""
    # End the read; expire_on_commit=False keeps the row's values loaded.
    dialects.commit_without_flush_wait(session)
    return store_and_commit(session, feed, refresh_db.download_feed(feed, policy))


def store_and_commit(session: Session, feed: Feed, download: Download) -> RefreshSummary:
    summary = refresh_db.store_download(session, feed, download)
    dialects.commit_without_flush_wait(session)
    metrics.feed_refreshed(feed.last_status or "error")
    return summary


Progress = Callable[[Feed, RefreshSummary], None]


def load_text_models() -> None:
    """Load what storing articles reads (the inflection tables and the meaning model) now: a
    process that serves or polls then pays once at its start, not inside its first request or
    refresh."""
    semantic.preload()
    analysis.preload()


class DueFeedRunner:
    """Refresh due feeds on ``workers`` threads, each claiming one feed at a time.

    Claiming one at a time (rather than a batch up front) keeps every lease fresh however long
    the run takes, and lets a thread that finishes early take the next feed at once. Each feed
    gets its own writer session, and its articles and status commit together; an unexpected
    failure of one feed is logged and counted as an error, and the run goes on.
    """

    def __init__(
        self,
        writer: sessionmaker[Session],
        policy: FetchPolicy,
        workers: int,
        stop: threading.Event | None = None,
    ) -> None:
        self.writer = writer
        self.policy = policy
        self.workers = workers
        self.stop = stop or threading.Event()
        self.store_behind = not dialects.of(writer.kw["bind"]).embedded

    def due_count(self, now: dt.datetime | None = None) -> int:
        with self.writer() as session:
            return (
                session.scalar(
                    select(func.count())
                    .select_from(Feed)
                    .where(Feed.enabled.is_(True), Feed.next_check_at <= (now or utcnow()))
                )
                or 0
            )

    def run(self, progress: Progress | None = None) -> Totals:
        """Refresh until no feed is due (or ``stop`` is set); finished feeds are reported to
        ``progress`` one at a time, from whichever thread refreshed them."""
        totals = Totals()
        lock = threading.Lock()

        def report(feed: Feed, summary: RefreshSummary) -> None:
            with lock:
                totals.add(summary)
                if progress is not None:
                    progress(feed, summary)

        with ThreadPoolExecutor(self.workers, thread_name_prefix="feed-refresh") as pool:
            for future in [pool.submit(self._drain, report) for _ in range(self.workers)]:
                future.result()
        return totals

    def _drain(self, report: Progress) -> None:
        """Claim, download and store feeds one at a time until none is due.

        On PostgreSQL a feed is stored on a second thread while this one downloads the next:
        the time spent waiting for the server's inserts goes to parsing instead. On SQLite
        storing is this process's own work, which a second thread could only interleave with
        parsing, at the price of switching between them.
        """
        with ThreadPoolExecutor(1, thread_name_prefix="feed-store") as behind:
            storing: Future[None] | None = None
            while not self.stop.is_set():
                session = self.writer()
                claimed: list[Feed] = []
                try:
                    claimed = refresh_db.claim_due_feeds(session, utcnow(), limit=1)
                    if not claimed:
                        session.close()
                        break
                    feed = claimed[0]
                    dialects.commit_without_flush_wait(session)
                    download = refresh_db.download_feed(feed, self.policy)
                except Exception:
                    session.close()
                    if not claimed:
                        raise  # the database itself failed; the caller decides what then
                    self._failed(claimed[0].id, claimed[0], report)
                    continue
                if self.store_behind:
                    if storing is not None:
                        storing.result()  # one feed waits to be stored, never a queue of them
                    storing = behind.submit(self._store, session, feed, download, report)
                else:
                    self._store(session, feed, download, report)
            if storing is not None:
                storing.result()

    def _store(self, session: Session, feed: Feed, download: Download, report: Progress) -> None:
        feed_id = feed.id
        try:
            summary = store_and_commit(session, feed, download)
        except Exception:
            session.rollback()
            self._failed(feed_id, feed, report)
        else:
            report(feed, summary)
        finally:
            session.close()

    @staticmethod
    def _failed(feed_id: int, feed: Feed, report: Progress) -> None:
        # A bug or a database failure on one feed must not end the run; the feed's lease
        # expires and it is tried again later.
        log.exception("refreshing feed %s failed", feed_id)
        metrics.feed_refreshed("error")
        report(feed, RefreshSummary(errors=1))
