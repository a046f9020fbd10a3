"""Subscriptions: a workspace's feeds, their fields' checks, and OPML import and export.

Functions flush but never commit: the caller owns the transaction. Everything is scoped by
``workspace_id``; a feed of another workspace is reported as not found rather than forbidden,
so ids do not reveal other tenants' data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.accounts_db import touch_suggestions
from core.db import utcnow
from core.errors import Conflict, InvalidValue, NotFound, on_field
from core.text import one_line, visible
from feeds.errors import BlockedAddress
from feeds.fetch_policy import FetchPolicy
from feeds.models import FEED_TAG_MAX, FEED_TAGS_MAX, FEED_TITLE_MAX, Feed
from feeds.opml import FILE_FIELD, OpmlFeed, parse_opml, render_opml
from feeds.refresh_policy import MAX_INTERVAL_MINUTES, MIN_INTERVAL_MINUTES
from feeds.urls import MAX_URL_LENGTH, has_credentials, normalise_url

_UNSET: Any = object()


@dataclass(frozen=True)
class OpmlImportSummary:
    created: int = 0
    updated: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)


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
        raise _subscribed(url) from None
    touch_suggestions(session, workspace_id)  # an empty suggestion list no longer lacks feeds
    return feed


def get_feed(session: Session, workspace_id: int, feed_id: int) -> Feed:
    feed = session.get(Feed, feed_id)
    if feed is None or feed.workspace_id != workspace_id:
        raise NotFound(f"Feed {feed_id} not found.")
    return feed


def list_feeds(session: Session, workspace_id: int) -> list[Feed]:
    """Every feed, oldest first: the command line's list, the feeds page and the export."""
    return list(session.scalars(_feeds_of(workspace_id)))


def page_feeds(
    session: Session, workspace_id: int, limit: int, offset: int
) -> tuple[list[Feed], int]:
    """A page of :func:`list_feeds` and the total before paging, as the API lists: an OPML
    import can subscribe a workspace to thousands."""
    total = session.scalar(
        select(func.count()).select_from(Feed).where(Feed.workspace_id == workspace_id)
    )
    page = session.scalars(_feeds_of(workspace_id).limit(limit).offset(offset))
    return list(page), total or 0


def _feeds_of(workspace_id: int) -> Select[tuple[Feed]]:
    return select(Feed).where(Feed.workspace_id == workspace_id).order_by(Feed.id)


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
    touch_suggestions(session, workspace_id)  # suggestions name its title
    session.flush()
    return feed


def delete_feed(session: Session, workspace_id: int, feed_id: int) -> None:
    """Unsubscribe. Articles stay: they may already be planned or shared."""
    session.delete(get_feed(session, workspace_id, feed_id))
    touch_suggestions(session, workspace_id)
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
    if has_credentials(url):
        # A feed is the team's: its address shows in every answer, page and OPML export.
        raise InvalidValue(
            "url",
            "A feed URL may not carry a user name or password (user:pass@): the whole team "
            "sees feed addresses. Subscribe to a feed that needs no login, or one whose address "
            "holds its own access token.",
        )
    return normalise_url(url)


def _valid_title(title: str | None) -> str | None:
    title = one_line(title or "")
    if len(title) > FEED_TITLE_MAX:
        raise InvalidValue("title", f"At most {FEED_TITLE_MAX} characters.")
    return title if visible(title) else None


def _valid_tags(tags: Iterable[str]) -> list[str]:
    if isinstance(tags, str):
        raise InvalidValue("tags", "Expected a list of tags.")
    cleaned: dict[str, str] = {}
    for tag in tags:
        tag = one_line(str(tag))
        if len(tag) > FEED_TAG_MAX:
            raise InvalidValue("tags", f"Tags are at most {FEED_TAG_MAX} characters.")
        if visible(tag):
            cleaned.setdefault(tag.casefold(), tag)
    if len(cleaned) > FEED_TAGS_MAX:
        raise InvalidValue("tags", f"At most {FEED_TAGS_MAX} tags per feed.")
    return list(cleaned.values())


def _ensure_url_free(session: Session, workspace_id: int, url: str) -> None:
    if feed_by_url(session, workspace_id, url) is not None:
        raise _subscribed(url)


def _subscribed(url: str) -> Conflict:
    return Conflict(
        "This workspace already subscribes to that feed.",
        url=url,
        errors=on_field("url", "Already subscribed in this workspace."),
    )


def feed_by_url(session: Session, workspace_id: int, url: str) -> Feed | None:
    return session.scalar(select(Feed).where(Feed.workspace_id == workspace_id, Feed.url == url))


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
    since exports from other readers routinely contain a few dead or odd entries. A file
    listing more than ``policy.max_per_import`` feeds is refused whole, before any is added.
    """
    policy = policy or FetchPolicy()
    listed = parse_opml(xml_bytes)
    if len(listed) > policy.max_per_import:
        raise InvalidValue(
            FILE_FIELD,
            f"The file lists {len(listed):,} feeds; one import takes at most "
            f"{policy.max_per_import:,} (PLANNER_FEEDS_MAX_PER_IMPORT): split it. Feeds already "
            "subscribed are matched by URL, so importing the parts subscribes to none twice.",
        )
    created = updated = 0
    skipped: list[tuple[str, str]] = []
    for item in listed:
        try:
            url = _valid_url(item.url, policy)
            title = _valid_title(item.title)
            existing = feed_by_url(session, workspace_id, url)
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
    if updated:
        touch_suggestions(session, workspace_id)
    session.flush()
    return OpmlImportSummary(created=created, updated=updated, skipped=skipped)


def export_opml(session: Session, workspace_id: int, now: dt.datetime | None = None) -> bytes:
    feeds = list_feeds(session, workspace_id)
    return render_opml(
        (OpmlFeed(url=f.url, title=f.title, tags=tuple(f.tags or ())) for f in feeds),
        title="Value Planner feeds",
        now=now or utcnow(),
    )
