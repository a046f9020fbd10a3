"""Feed use cases over a SQLAlchemy session: subscriptions, refreshing, OPML.

Functions flush but never commit: the caller owns the transaction, so a request or a worker
decides what is atomic. Everything is scoped by ``workspace_id``; a feed of another workspace
is reported as not found rather than forbidden, so ids do not reveal other tenants' data.

:func:`refresh_feed` does its network I/O and parsing before its first SQL statement, so a
caller that opens the transaction lazily (as SQLAlchemy sessions do) holds no database lock
while a slow server answers.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, exists, func, insert, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.accounts import Workspace
from core.db import naive_utc, utcnow
from core.errors import Conflict, InvalidValue, NotFound
from feeds.analysis import search_fields
from feeds.errors import BlockedAddress, FetchError, ParseError, UnsafeXML
from feeds.fetcher import FetchOutcome, FetchPolicy, FetchResult, fetch
from feeds.models import Article, Feed, FeedEntry
from feeds.opml import OpmlFeed, parse_opml, render_opml
from feeds.parser import ParsedEntry, ParsedFeed, parse_feed
from feeds.urls import MAX_URL_LENGTH, normalise_url

DEFAULT_INTERVAL_MINUTES = 60
MIN_INTERVAL_MINUTES = 15
MAX_INTERVAL_MINUTES = 24 * 60
# How long a claimed feed stays invisible to other workers; long enough for one refresh, short
# enough that a crashed worker's feeds are picked up again soon.
CLAIM_LEASE = dt.timedelta(minutes=10)
TITLE_MAX = 500
TAG_MAX = 64
TAGS_MAX = 20
ERROR_MAX = 2000
# Bound on bound parameters per IN (...) list; SQLite's default limit is 32,766.
_IN_CHUNK = 500

_UNSET: Any = object()


@dataclass(frozen=True)
class RefreshSummary:
    fetched: bool = False
    not_modified: bool = False
    new_articles: int = 0
    updated: int = 0
    errors: int = 0


@dataclass(frozen=True)
class OpmlImportSummary:
    created: int = 0
    updated: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)


# --- subscriptions ---------------------------------------------------------------------------


def create_feed(
    session: Session,
    workspace_id: int,
    url: str,
    title: str | None = None,
    tags: Iterable[str] = (),
    enabled: bool = True,
    *,
    policy: FetchPolicy | None = None,
) -> Feed:
    """Subscribe; the first refresh is due at once.

    The URL is checked without DNS (scheme, host, literal private addresses): names may
    legitimately resolve differently later, and every connection is vetted again anyway.
    """
    url = _valid_url(url, policy or FetchPolicy())
    feed = Feed(
        workspace_id=workspace_id,
        url=url,
        title=_valid_title(title),
        tags=_valid_tags(tags),
        enabled=enabled,
        error_count=0,
        next_check_at=utcnow(),
    )
    _ensure_url_free(session, workspace_id, url)
    try:
        with session.begin_nested():
            session.add(feed)
    except IntegrityError:
        # Lost a race with a concurrent subscriber (PostgreSQL; SQLite writers are serial).
        raise Conflict("This workspace already subscribes to that feed.", url=url) from None
    return feed


def get_feed(session: Session, workspace_id: int, feed_id: int) -> Feed:
    feed = session.get(Feed, feed_id)
    if feed is None or feed.workspace_id != workspace_id:
        raise NotFound(f"Feed {feed_id} not found.")
    return feed


def list_feeds(session: Session, workspace_id: int) -> list[Feed]:
    return list(
        session.scalars(select(Feed).where(Feed.workspace_id == workspace_id).order_by(Feed.id))
    )


def update_feed(
    session: Session,
    workspace_id: int,
    feed_id: int,
    *,
    url: str = _UNSET,
    title: str | None = _UNSET,
    tags: Iterable[str] = _UNSET,
    enabled: bool = _UNSET,
    interval_minutes: int | None = _UNSET,
    policy: FetchPolicy | None = None,
) -> Feed:
    """Change only the fields given (``None`` is a value: it clears title or interval)."""
    feed = get_feed(session, workspace_id, feed_id)
    if url is not _UNSET:
        new_url = _valid_url(url, policy or FetchPolicy())
        if new_url != feed.url:
            _ensure_url_free(session, workspace_id, new_url)
            feed.url = new_url
            # Validators belong to the old resource; the new one must be fetched in full.
            feed.etag = feed.last_modified = None
            feed.next_check_at = utcnow()
    if title is not _UNSET:
        feed.title = _valid_title(title)
    if tags is not _UNSET:
        feed.tags = _valid_tags(tags)
    if interval_minutes is not _UNSET:
        if interval_minutes is not None and not (
            MIN_INTERVAL_MINUTES <= interval_minutes <= MAX_INTERVAL_MINUTES
        ):
            raise InvalidValue(
                "interval_minutes",
                f"Must be between {MIN_INTERVAL_MINUTES} and {MAX_INTERVAL_MINUTES} minutes.",
            )
        feed.interval_minutes = interval_minutes
    if enabled is not _UNSET and enabled != feed.enabled:
        feed.enabled = enabled
        if enabled:
            # A re-enabled feed starts over: its old failures said nothing about the new try.
            feed.disabled_reason = None
            feed.error_count = 0
            feed.next_check_at = utcnow()
    session.flush()
    return feed


def delete_feed(session: Session, workspace_id: int, feed_id: int) -> None:
    """Unsubscribe. Articles stay: they may already be planned or shared."""
    session.delete(get_feed(session, workspace_id, feed_id))
    session.flush()


def _valid_url(url: str, policy: FetchPolicy) -> str:
    url = (url or "").strip()
    if not url:
        raise InvalidValue("url", "A feed URL is required.")
    if len(url) > MAX_URL_LENGTH:
        raise InvalidValue("url", f"URLs longer than {MAX_URL_LENGTH} characters are refused.")
    try:
        policy.check_url(url)
    except BlockedAddress as exc:
        raise InvalidValue("url", exc.detail) from None
    return normalise_url(url)


def _valid_title(title: str | None) -> str | None:
    title = " ".join((title or "").split())
    if len(title) > TITLE_MAX:
        raise InvalidValue("title", f"At most {TITLE_MAX} characters.")
    return title or None


def _valid_tags(tags: Iterable[str]) -> list[str]:
    if isinstance(tags, str):
        raise InvalidValue("tags", "Expected a list of tags.")
    cleaned: dict[str, str] = {}
    for tag in tags:
        tag = " ".join(str(tag).split())
        if len(tag) > TAG_MAX:
            raise InvalidValue("tags", f"Tags are at most {TAG_MAX} characters.")
        if tag:
            cleaned.setdefault(tag.casefold(), tag)
    if len(cleaned) > TAGS_MAX:
        raise InvalidValue("tags", f"At most {TAGS_MAX} tags per feed.")
    return list(cleaned.values())


def _ensure_url_free(session: Session, workspace_id: int, url: str) -> None:
    if _feed_by_url(session, workspace_id, url) is not None:
        raise Conflict("This workspace already subscribes to that feed.", url=url)


def _feed_by_url(session: Session, workspace_id: int, url: str) -> Feed | None:
    return session.scalar(select(Feed).where(Feed.workspace_id == workspace_id, Feed.url == url))


# --- refreshing ------------------------------------------------------------------------------


def claim_due_feeds(session: Session, now: dt.datetime, limit: int) -> list[Feed]:
    """Take up to ``limit`` due feeds for this worker, the longest overdue first (returned in
    id order).

    ``SKIP LOCKED`` lets concurrent workers on PostgreSQL pass over rows another worker is
    claiming instead of queueing behind it (SQLite ignores the clause; its writer sessions are
    serialised by ``BEGIN IMMEDIATE``). The claim also pushes ``next_check_at`` out by a lease,
    so once the caller commits, the feeds stay claimed without holding a lock or a transaction
    open across the network fetches; :func:`refresh_feed` then sets the real next check.
    """
    due = (
        select(Feed.id)
        .where(Feed.enabled.is_(True), Feed.next_check_at <= now)
        .order_by(Feed.next_check_at, Feed.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .cte("due")
    )
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
    """Fetch (conditionally, with the feed's validators) and parse; no SQL is run, and a
    feed-side failure is returned, not raised."""
    now = now or utcnow()
    try:
        result = fetch(feed.url, policy, etag=feed.etag, last_modified=feed.last_modified)
        parsed = (
            parse_feed(result.content, base_url=result.url, fetched_at=now)
            if result.outcome is FetchOutcome.OK
            else None
        )
    except (FetchError, UnsafeXML, ParseError) as exc:
        return Download(now, failure=exc.detail)
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
        _move(session, feed, result.permanent_url)
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
        _lock_workspace_articles(session, feed.workspace_id)
        new, updated = _store_entries(session, feed, parsed, now)
        feed.ttl_minutes = parsed.ttl_minutes
        feed.title = feed.title or (parsed.title or "")[:TITLE_MAX] or None
        _record_success(feed, now, result, "ok")
        summary = RefreshSummary(fetched=True, new_articles=new, updated=updated)
    # Set last, so the queries above find nothing of the feed's to flush first: the feed row
    # is written once, by this flush.
    feed.last_fetched_at = now
    session.flush()
    return summary


def effective_interval(feed: Feed, max_age: int | None = None) -> dt.timedelta:
    """Polling interval: the feed's override or the default, lengthened by the publisher's
    ``<ttl>`` or ``Cache-Control: max-age``, within [15 min, 24 h].

    Both hints say how long the content stays fresh, so they may only slow polling down; a
    CDN's ``max-age=60`` is no request to poll every minute.
    """
    minutes = feed.interval_minutes or DEFAULT_INTERVAL_MINUTES
    hints = [feed.ttl_minutes or 0, math.ceil((max_age or 0) / 60)]
    minutes = max(minutes, *hints)
    return dt.timedelta(minutes=min(max(minutes, MIN_INTERVAL_MINUTES), MAX_INTERVAL_MINUTES))


def _record_success(feed: Feed, now: dt.datetime, result: FetchResult, status: str) -> None:
    if status == "ok" or result.etag:
        feed.etag = result.etag
    if status == "ok" or result.last_modified:
        feed.last_modified = result.last_modified
    feed.last_status = status
    feed.error_count = 0
    feed.last_error = None
    feed.next_check_at = now + effective_interval(feed, result.max_age)


def _record_failure(feed: Feed, now: dt.datetime, message: str) -> None:
    """Exponential backoff from the feed's interval: 1x, 2x, 4x ... capped at 24 h, so a
    blip costs one normal interval and a dead server is asked once a day."""
    feed.last_fetched_at = now
    feed.error_count += 1
    feed.last_status = "error"
    feed.last_error = message[:ERROR_MAX]
    factor = 2 ** min(feed.error_count - 1, 16)
    delay = min(effective_interval(feed) * factor, dt.timedelta(minutes=MAX_INTERVAL_MINUTES))
    feed.next_check_at = now + delay


def _throttled(feed: Feed, now: dt.datetime, result: FetchResult) -> RefreshSummary:
    """429/503 with Retry-After is the server scheduling us, not a fault: wait as asked (at
    least the minimum interval, at most a day) without growing the error count."""
    message = f"HTTP {result.status_code} from {result.url}"
    if result.retry_after is None:
        _record_failure(feed, now, message)
        return RefreshSummary(errors=1)
    earliest = now + dt.timedelta(minutes=MIN_INTERVAL_MINUTES)
    latest = now + dt.timedelta(minutes=MAX_INTERVAL_MINUTES)
    feed.next_check_at = min(max(result.retry_after, earliest), latest)
    feed.last_status = "throttled"
    feed.last_error = f"{message}; retry after {result.retry_after:%Y-%m-%d %H:%M} UTC"
    return RefreshSummary()


def _move(session: Session, feed: Feed, url: str) -> None:
    """Follow a permanent redirect, unless the workspace already subscribes to the target
    (the unique URL would clash); then the feed keeps redirecting, which is harmless."""
    try:
        url = normalise_url(url)
    except ValueError:
        return
    if len(url) <= MAX_URL_LENGTH and _feed_by_url(session, feed.workspace_id, url) is None:
        feed.url = url


def _lock_workspace_articles(session: Session, workspace_id: int) -> None:
    """Serialise storing entries within a workspace until the caller commits.

    Two feeds of one workspace often carry the same story; refreshed at once on PostgreSQL,
    both would see no article with its URL and both insert one, and the second would fail the
    unique constraint, losing that feed's whole refresh. Locking the workspace row (taken
    after the network I/O, so held only while writing) makes the second wait and then find the
    first's article. SQLite needs nothing: its writer transactions are already serial.
    """
    session.execute(select(Workspace.id).where(Workspace.id == workspace_id).with_for_update())


def _store_entries(
    session: Session, feed: Feed, parsed: ParsedFeed, now: dt.datetime
) -> tuple[int, int]:
    """Upsert articles and this feed's entry rows; returns (new articles, updated articles).

    A known entry (same key in this feed) updates its article when its content hash changed.
    A new entry links to an existing article with the same canonical URL (delivered by
    another feed, or earlier under another key) or creates one.

    New rows go in as two bulk INSERTs (articles, then entry rows) rather than as ORM objects:
    a first refresh stores every entry of the feed, and the unit of work's per-object
    bookkeeping cost more than parsing the feed. Bulk inserts skip mapper events, so the
    search columns are filled here from the same :func:`search_fields`.
    """
    entries: dict[str, ParsedEntry] = {}
    for entry in parsed.entries:
        entries.setdefault(entry.key, entry)  # an entry repeated within a feed counts once
    feed_keys = select(FeedEntry.entry_key, FeedEntry.article_id).where(
        FeedEntry.feed_id == feed.id
    )
    known: dict[str, int] = {
        key: article_id
        for stmt in _in_chunks(feed_keys, FeedEntry.entry_key, list(entries))
        for key, article_id in session.execute(stmt)
    }
    by_id = {
        article.id: article
        for stmt in _in_chunks(select(Article), Article.id, list(set(known.values())))
        for article in session.scalars(stmt)
    }
    urls = list({e.url for key, e in entries.items() if e.url and key not in known})
    in_workspace = select(Article.canonical_url, Article.id).where(
        Article.workspace_id == feed.workspace_id
    )
    # Canonical URL -> article id, or -> position in ``new_rows`` for articles created here.
    by_url: dict[str, int] = {
        url: article_id
        for stmt in _in_chunks(in_workspace, Article.canonical_url, urls)
        for url, article_id in session.execute(stmt)
    }
    edited: list[tuple[Article, ParsedEntry]] = []
    new_rows: list[dict[str, Any]] = []
    links: list[tuple[str, int, bool]] = []  # (entry key, article id or new row, is new row)
    created: dict[str, int] = {}
    for key, entry in entries.items():
        if key in known:
            article = by_id[known[key]]
            if article.content_hash != entry.content_hash:
                edited.append((article, entry))
        elif entry.url in by_url:
            links.append((key, by_url[entry.url], False))
        elif entry.url in created:
            links.append((key, created[entry.url], True))
        else:
            if entry.url:
                created[entry.url] = len(new_rows)
            links.append((key, len(new_rows), True))
            new_rows.append(_article_row(feed, entry, now))
    ids = _insert_articles(session, new_rows)
    if links:
        entry_rows = [
            {
                "feed_id": feed.id,
                "article_id": ids[target] if is_new else target,
                "entry_key": key,
                "first_seen_at": now,
            }
            for key, target, is_new in links
        ]
        if _is_postgresql(session):
            _insert_from_json(session, FeedEntry, entry_rows)
        else:
            session.execute(insert(FeedEntry), entry_rows)
    # After the inserts, so an edited entry whose link moved to a URL that a new entry of this
    # same refresh also carries finds that article and keeps its own URL.
    for article, entry in edited:
        _update_article(session, article, entry, now)
    return len(new_rows), len(edited)


def _insert_articles(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Insert ``rows`` and return their ids in the same order."""
    if not rows:
        return []
    if _is_postgresql(session):
        return _insert_from_json(session, Article, rows)
    return _insert_articles_by_url(session, rows)


def _is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _insert_articles_by_url(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """SQLite: rows with a URL go in as one multi-row INSERT and are matched to their ids by
    URL, which is unique among them. Asking for RETURNING in parameter order instead would
    make SQLAlchemy insert one row per statement on SQLite, which does not promise that order.
    The rare rows without a URL take that slower path.
    """
    ids: list[int] = [0] * len(rows)
    with_url = [i for i, row in enumerate(rows) if row["canonical_url"]]
    without_url = [i for i, row in enumerate(rows) if not row["canonical_url"]]
    if with_url:
        returning = insert(Article).returning(Article.canonical_url, Article.id)
        by_url = {
            url: article_id
            for url, article_id in session.execute(returning, [rows[i] for i in with_url])
        }
        for i in with_url:
            ids[i] = by_url[rows[i]["canonical_url"]]
    if without_url:
        in_order = insert(Article).returning(Article.id, sort_by_parameter_order=True)
        for i, article_id in zip(
            without_url, session.scalars(in_order, [rows[i] for i in without_url]), strict=True
        ):
            ids[i] = article_id
    return ids


def _insert_from_json(
    session: Session, model: type[Article] | type[FeedEntry], rows: list[dict[str, Any]]
) -> list[int]:
    """PostgreSQL: all rows as one JSON parameter of one short statement; their ids, in order.

    As a multi-row VALUES list, a feed's articles made a statement of thousands of
    placeholders that psycopg rewrote in Python on every execution and the server parsed and
    planned anew: more time than inserting the rows. As an executemany, entry rows cost a
    result to read back per row. Ids come back sorted, which is input order: the rows are
    inserted in ``ORDER BY ordinality`` and take ascending values of the id sequence
    (SQLAlchemy's own "insertmanyvalues" relies on the same).
    """
    table, columns = model.__tablename__, ", ".join(rows[0])
    statement = text(
        f"INSERT INTO {table} ({columns}) SELECT {columns} "
        f"FROM json_populate_recordset(NULL::{table}, :rows) WITH ORDINALITY "
        "ORDER BY ordinality RETURNING id"
    )
    payload = json.dumps(rows, default=_json_timestamp, ensure_ascii=False)
    return sorted(session.scalars(statement, {"rows": payload}))


def _json_timestamp(value: object) -> str:
    """Datetimes as UTCDateTime columns hold them (a naive one is refused as a bug)."""
    if isinstance(value, dt.datetime):
        return naive_utc(value).isoformat()
    raise TypeError(f"{type(value).__name__} is not a column value this insert expects")


def _article_row(feed: Feed, entry: ParsedEntry, now: dt.datetime) -> dict[str, Any]:
    search_title, search_body, search_tags = search_fields(
        entry.title, entry.tags, entry.summary_text
    )
    return {
        "workspace_id": feed.workspace_id,
        "canonical_url": entry.url,
        "published_at": entry.published,
        "first_feed_id": feed.id,
        "created_at": now,
        "search_title": search_title,
        "search_body": search_body,
        "search_tags": search_tags,
        **_entry_fields(entry, now),
    }


def _entry_fields(entry: ParsedEntry, now: dt.datetime) -> dict[str, Any]:
    """The article columns an edited entry replaces."""
    return {
        "title": entry.title,
        "author": entry.author,
        "summary_html": entry.summary_html,
        "summary_text": entry.summary_text,
        "tags": list(entry.tags),
        "content_hash": entry.content_hash,
        "updated_at": now,
    }


def _update_article(
    session: Session, article: Article, entry: ParsedEntry, now: dt.datetime
) -> None:
    """Apply an edited entry. ``published_at`` stays as first seen, so an edit does not
    resurface an old story; the URL moves only if no other article already has it."""
    for column, value in _entry_fields(entry, now).items():
        setattr(article, column, value)
    if entry.url and entry.url != article.canonical_url:
        clash = session.scalar(
            select(Article.id).where(
                Article.workspace_id == article.workspace_id,
                Article.canonical_url == entry.url,
            )
        )
        if clash is None:
            article.canonical_url = entry.url


def _in_chunks(stmt: Any, column: ColumnElement[Any], values: Sequence[Any]) -> Iterator[Any]:
    for start in range(0, len(values), _IN_CHUNK):
        yield stmt.where(column.in_(values[start : start + _IN_CHUNK]))


# --- articles --------------------------------------------------------------------------------


def feed_article_counts(session: Session, feed_ids: Sequence[int]) -> dict[int, int]:
    """Entries each feed has delivered, which is what a feed's article count means: an
    article syndicated by two feeds counts for both."""
    counts = select(FeedEntry.feed_id, func.count()).group_by(FeedEntry.feed_id)
    return {
        feed_id: n
        for stmt in _in_chunks(counts, FeedEntry.feed_id, list(feed_ids))
        for feed_id, n in session.execute(stmt)
    }


def list_articles(
    session: Session,
    workspace_id: int,
    *,
    feed_id: int | None = None,
    tag: str | None = None,
    since: dt.datetime | None = None,
    q: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Article], int]:
    """Newest first, with the total before paging.

    ``feed_id`` matches every article the feed delivered, not only those it delivered first.
    ``tag`` matches an article's own categories or a tag of any feed that delivered it, so an
    OPML folder works as a filter. ``q`` is a case-insensitive substring of title or summary;
    full-text ranking replaces it later.
    """
    where: list[ColumnElement[bool]] = [Article.workspace_id == workspace_id]
    if feed_id is not None:
        get_feed(session, workspace_id, feed_id)
        where.append(
            Article.id.in_(select(FeedEntry.article_id).where(FeedEntry.feed_id == feed_id))
        )
    if tag:
        where.append(_tagged(session, workspace_id, tag))
    if since is not None:
        where.append(Article.published_at >= since)
    if q and q.strip():
        pattern = "%" + _escape_like(q.strip()) + "%"
        where.append(
            or_(
                Article.title.ilike(pattern, escape="\\"),
                Article.summary_text.ilike(pattern, escape="\\"),
            )
        )
    total = session.scalar(select(func.count()).select_from(Article).where(*where)) or 0
    page = session.scalars(
        select(Article)
        .where(*where)
        .order_by(Article.published_at.desc(), Article.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(page), total


def _tagged(session: Session, workspace_id: int, tag: str) -> ColumnElement[bool]:
    wanted = tag.strip().casefold()
    # A workspace has tens of feeds, not millions: matching their tags here keeps the SQL the
    # same on both databases.
    feed_ids = [
        feed_id
        for feed_id, tags in session.execute(
            select(Feed.id, Feed.tags).where(Feed.workspace_id == workspace_id)
        )
        if any(str(t).casefold() == wanted for t in tags or ())
    ]
    # JSON arrays are unnested by a table-valued function whose name differs per database.
    unnest = (
        func.json_each
        if session.get_bind().dialect.name == "sqlite"
        else func.json_array_elements_text
    )
    values = unnest(Article.tags).table_valued("value")
    own = exists(select(1).select_from(values).where(func.lower(values.c.value) == wanted))
    via_feed = Article.id.in_(select(FeedEntry.article_id).where(FeedEntry.feed_id.in_(feed_ids)))
    return or_(own, via_feed) if feed_ids else own


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# --- OPML ------------------------------------------------------------------------------------


def import_opml(
    session: Session,
    workspace_id: int,
    xml_bytes: bytes,
    *,
    policy: FetchPolicy | None = None,
) -> OpmlImportSummary:
    """Subscribe to every feed in an OPML file.

    A feed the workspace already has gains the file's tags (and its title if it had none);
    entries with unusable URLs are skipped and reported rather than failing the whole file,
    since exports from other readers routinely contain a few dead or odd entries.
    """
    policy = policy or FetchPolicy()
    created = updated = 0
    skipped: list[tuple[str, str]] = []
    for item in parse_opml(xml_bytes):
        try:
            url = _valid_url(item.url, policy)
            title = _valid_title(item.title)
            existing = _feed_by_url(session, workspace_id, url)
            tags = _valid_tags([*(existing.tags if existing else ()), *item.tags])
        except InvalidValue as exc:
            skipped.append((item.url, exc.message))
            continue
        if existing is None:
            create_feed(session, workspace_id, url, title=title, tags=tags, policy=policy)
            created += 1
        elif tags != existing.tags or (title and not existing.title):
            existing.tags = tags
            existing.title = existing.title or title
            updated += 1
    session.flush()
    return OpmlImportSummary(created=created, updated=updated, skipped=skipped)


def export_opml(session: Session, workspace_id: int, now: dt.datetime | None = None) -> bytes:
    feeds = list_feeds(session, workspace_id)
    return render_opml(
        (OpmlFeed(url=f.url, title=f.title, tags=tuple(f.tags or ())) for f in feeds),
        title="Value Planner feeds",
        now=now or utcnow(),
    )
