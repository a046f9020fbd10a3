"""Refreshing feeds: claiming the due ones, downloading, storing, scheduling the next check.

Functions flush but never commit: the caller owns the transaction, so a worker decides what is
atomic. :func:`refresh_feed` does its network I/O and parsing before its first SQL statement,
so a caller that opens the transaction lazily (as SQLAlchemy sessions do) holds no database
lock while a slow server answers. When a feed is next due is :mod:`feeds.refresh_policy`'s.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core import dialects
from core.accounts_db import touch_suggestions
from core.db import utcnow
from feeds.entries_db import lock_workspace_articles, store_entries
from feeds.errors import FetchError, ParseError, UnsafeXML
from feeds.fetch_policy import FetchPolicy
from feeds.fetcher import FetchOutcome, FetchResult, fetch
from feeds.models import (
    FEED_ERROR_MAX,
    FEED_ETAG_MAX,
    FEED_LAST_MODIFIED_MAX,
    FEED_TITLE_MAX,
    Feed,
)
from feeds.parser import ParsedFeed, parse_feed
from feeds.refresh_policy import CLAIM_LEASE, backoff, effective_interval, retry_at
from feeds.subscriptions_db import feed_by_url
from feeds.urls import MAX_URL_LENGTH, has_credentials, normalise_url

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RefreshSummary:
    fetched: bool = False
    not_modified: bool = False
    new_articles: int = 0
    updated: int = 0
    errors: int = 0


def claim_due_feeds(session: Session, now: dt.datetime, limit: int) -> list[Feed]:
    """Take up to ``limit`` due feeds for this worker, the longest overdue first (returned in
    id order).

    ``SKIP LOCKED`` lets concurrent workers on PostgreSQL pass over rows another worker is
    claiming instead of queueing behind it (SQLite's writer sessions are serial and need no
    row locks). The claim also pushes ``next_check_at`` out by a lease,
    so once the caller commits, the feeds stay claimed without holding a lock or a transaction
    open across the network fetches; :func:`refresh_feed` then sets the real next check.
    """
    due_feeds = (
        select(Feed.id)
        .where(Feed.enabled.is_(True), Feed.next_check_at <= now)
        .order_by(Feed.next_check_at, Feed.id)
        .limit(limit)
    )
    due = dialects.of(session).for_update(due_feeds, skip_locked=True).cte("due")
    # One statement: a worker claims a feed per round trip it saves, on every feed it refreshes.
    claimed = session.scalars(
        update(Feed)
        .where(Feed.id == due.c.id)
        .values(next_check_at=now + CLAIM_LEASE)
        .returning(Feed)
        .execution_options(populate_existing=True)
    )
    return sorted(claimed, key=lambda feed: feed.id)


@dataclass(frozen=True)
class Download:
    """One feed fetched and parsed, or the reason it could not be (``failure``); made without
    the database.

    Keeping the network and the parser apart from the session lets a runner store one feed
    while it downloads the next (see :class:`app.feed_jobs.DueFeedRunner`).
    """

    at: dt.datetime
    result: FetchResult | None = None
    parsed: ParsedFeed | None = None
    failure: str | None = None


def download_feed(feed: Feed, policy: FetchPolicy, now: dt.datetime | None = None) -> Download:
    """Fetch (conditionally, with the feed's validators) and parse; no SQL is run. A
    feed-side failure, or any exception while reading the fetched document, is returned, not
    raised; an unexpected exception in fetching is raised."""
    now = now or utcnow()
    try:
        result = fetch(feed.url, policy, etag=feed.etag, last_modified=feed.last_modified)
    except FetchError as exc:
        return Download(now, failure=exc.detail)
    if result.outcome is not FetchOutcome.OK:
        return Download(now, result)
    try:
        parsed = parse_feed(
            result.content,
            base_url=result.url,
            fetched_at=now,
            content_type=result.content_type,
            max_entries=policy.max_entries,
        )
    except (UnsafeXML, ParseError) as exc:
        return Download(now, failure=exc.detail)
    except Exception as exc:
        # A value no reader foresaw (a library, or this package, raised on it): the document
        # holds it, so it is the feed's failure, backed off like any other instead of being
        # retried every lease; the traceback is for whoever fixes the reader. Only reading is
        # covered: a bug in fetching would fail every feed, so it fails the refresh loudly
        # rather than back off every feed as if each were broken.
        log.warning("reading feed %s failed unexpectedly", feed.id, exc_info=True)
        return Download(now, failure=f"Could not read {feed.url}: {type(exc).__name__}: {exc}")
    return Download(now, result, parsed)


def refresh_feed(
    session: Session,
    feed: Feed,
    policy: FetchPolicy,
    now: dt.datetime | None = None,
) -> RefreshSummary:
    """Fetch, parse and store one feed, then schedule its next check. Never raises for a
    feed-side failure: those are recorded on the feed and counted in ``errors``."""
    return store_download(session, feed, download_feed(feed, policy, now))


def store_download(session: Session, feed: Feed, download: Download) -> RefreshSummary:
    """Store what :func:`download_feed` brought and schedule the feed's next check."""
    now, result, parsed = download.at, download.result, download.parsed
    if download.failure is not None:
        _record_failure(feed, now, download.failure)
        session.flush()
        return RefreshSummary(errors=1)
    assert result is not None

    if result.permanent_url and result.permanent_url != feed.url:
        twin = _move(session, feed, result.permanent_url)
        if twin is not None:
            _disable_twin(feed, now, twin)
            session.flush()
            return RefreshSummary(errors=1)
    summary = RefreshSummary()
    if result.outcome is FetchOutcome.GONE:
        feed.enabled = False
        feed.last_status = "gone"
        feed.disabled_reason = f"The server answered 410 Gone on {now:%Y-%m-%d}."
    elif result.outcome is FetchOutcome.RETRY_LATER:
        summary = _throttled(feed, now, result)
    elif result.outcome is FetchOutcome.NOT_MODIFIED:
        _record_success(feed, now, result, "not_modified")
        summary = RefreshSummary(not_modified=True)
    else:
        assert parsed is not None
        lock_workspace_articles(session, feed.workspace_id)
        new, updated = store_entries(session, feed, parsed, now)
        feed.ttl_minutes = parsed.ttl_minutes
        title = feed.title or (parsed.title or "")[:FEED_TITLE_MAX] or None
        if new or updated or title != feed.title:
            touch_suggestions(session, feed.workspace_id)
        feed.title = title
        _record_success(feed, now, result, "ok")
        summary = RefreshSummary(fetched=True, new_articles=new, updated=updated)
    # Set last, so the queries above find nothing of the feed's to flush first: the feed row
    # is written once, by this flush.
    feed.last_fetched_at = now
    session.flush()
    return summary


def _record_success(feed: Feed, now: dt.datetime, result: FetchResult, status: str) -> None:
    if status == "ok" or result.etag:
        feed.etag = _fitting(result.etag, FEED_ETAG_MAX)
    if status == "ok" or result.last_modified:
        feed.last_modified = _fitting(result.last_modified, FEED_LAST_MODIFIED_MAX)
    feed.last_status = status
    feed.error_count = 0
    feed.last_error = None
    feed.next_check_at = now + effective_interval(
        feed.interval_minutes, feed.ttl_minutes, result.max_age
    )


def _fitting(validator: str | None, limit: int) -> str | None:
    """A validator longer than its column is not kept: PostgreSQL would refuse the feed's
    whole refresh, and without it the next request is merely unconditional."""
    return validator if validator is not None and len(validator) <= limit else None


def _record_failure(feed: Feed, now: dt.datetime, message: str) -> None:
    feed.last_fetched_at = now
    feed.error_count += 1
    feed.last_status = "error"
    feed.last_error = message[:FEED_ERROR_MAX]
    interval = effective_interval(feed.interval_minutes, feed.ttl_minutes)
    feed.next_check_at = now + backoff(interval, feed.error_count)


def _throttled(feed: Feed, now: dt.datetime, result: FetchResult) -> RefreshSummary:
    """429/503 with Retry-After is the server scheduling us, not a fault: wait as asked
    without growing the error count."""
    message = f"HTTP {result.status_code} from {result.url}"
    if result.retry_after is None:
        _record_failure(feed, now, message)
        return RefreshSummary(errors=1)
    feed.next_check_at = retry_at(now, result.retry_after)
    feed.last_status = "throttled"
    # The time the poller keeps, not a far Retry-After's (capped even before it got here).
    message += f"; next try {feed.next_check_at:%Y-%m-%d %H:%M} UTC"
    if result.retry_after > feed.next_check_at:
        message += " (the server asked for later, but a feed is checked at least once a day)"
    feed.last_error = message
    return RefreshSummary()


def _move(session: Session, feed: Feed, url: str) -> Feed | None:
    """Follow a permanent redirect; answers the workspace's other feed already at the target
    instead (the unique URL would clash), leaving the URL as it is."""
    try:
        url = normalise_url(url)
    except ValueError:
        return None
    # Nor to an address with a login in it, which the team would then see.
    if len(url) > MAX_URL_LENGTH or has_credentials(url):
        return None
    followed = feed_by_url(session, feed.workspace_id, url)
    if followed is None:
        feed.url = url
    return followed if followed is not feed else None


def _disable_twin(feed: Feed, now: dt.datetime, twin: Feed) -> None:
    """A feed that moved to another feed's address would be fetched and stored twice for
    good: switch it off and say why, so someone removes one of the two."""
    _record_failure(
        feed,
        now,
        f"{feed.url} moved permanently to {twin.url}, which this workspace already follows "
        f"as feed {twin.id}: remove one of the two.",
    )
    feed.enabled = False
    feed.disabled_reason = (
        f"It moved permanently to the address of feed {twin.id}, which this workspace already "
        "follows: remove one of the two."
    )
