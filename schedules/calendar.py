"""Audience calendars as data for the ICS renderer, and secret subscription URLs.

Rendering thousands of events costs seconds, and calendar apps re-fetch every hour whether or
not anything changed. So a calendar's version (ETag and Last-Modified) comes from the workspace
and audience rows alone, without reading a post; HTTP answers 304 from it, and the rendered
bytes are kept per version so a changed calendar is rendered once, not once per app.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from cachetools import LRUCache
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.accounts import User, Workspace
from core.errors import InvalidValue, NotFound
from schedules import ics, service
from schedules.models import Audience, Post

UID_DOMAIN = "value-planner"
DEFAULT_GAP_DAYS = 365
EXPORTED_STATUSES = ("scheduled", "published", "cancelled")
STATUS_OF = {"scheduled": "CONFIRMED", "published": "CONFIRMED", "cancelled": "CANCELLED",
             "draft": "TENTATIVE"}  # fmt: skip


@dataclass(frozen=True)
class CalendarData:
    name: str
    timezone: str
    events: tuple[ics.IcsEvent, ...]
    weekly: ics.WeeklyHour | None

    def render(self, now: dt.datetime) -> bytes:
        return ics.render_calendar(self.name, self.timezone, self.events, self.weekly, now)


@dataclass(frozen=True)
class ExportOptions:
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    include_drafts: bool = False
    include_gaps: bool = False

    def __post_init__(self) -> None:
        """Checked once where the options are made, not by each function that takes them."""
        if self.start and self.end and self.end <= self.start:
            raise InvalidValue("to", "Must be after from.")

    def gap_window(self, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
        """Open slots from the start of today (UTC) unless a start is given: anchored to the
        day rather than the instant, so the calendar changes once a day, not on every poll."""
        start = self.start or now.astimezone(dt.UTC).replace(hour=0, minute=0, second=0,
                                                             microsecond=0)  # fmt: skip
        return start, self.end or start + dt.timedelta(days=DEFAULT_GAP_DAYS)


@dataclass(frozen=True)
class Version:
    """Identifies one calendar's content: equal versions render to the same events."""

    fingerprint: str
    last_modified: dt.datetime


def version(
    session: Session,
    workspace_id: int,
    audiences: Sequence[Audience],
    options: ExportOptions,
    now: dt.datetime,
) -> Version:
    """The calendar's version from the rows that shape it, without reading a post.

    Sound because every change that can alter the events bumps an audience's ``revision``:
    each change to an audience or its posts takes ``service.lock_audience`` (creating, editing,
    moving, cancelling and deleting posts, one-to-one asks, planned drafts, audience edits and
    deletion), and deleting a contact, whose asks go by ON DELETE CASCADE, locks their
    audiences first. The audience's ``updated_at``, set by the same lock, keeps the key apart
    from an earlier state that reached the same revision again (a restored backup, ids reused
    after a reset). Workspace settings are keyed by value. The key is read before the posts,
    so the events served under it are never older than it.
    """
    workspace = session.get(Workspace, workspace_id)
    assert workspace is not None
    shape = (
        (workspace.id, workspace.name, workspace.timezone, workspace.updated_at),
        _connecting_hour(workspace),
        options,
        options.gap_window(now) if options.include_gaps else None,
        # The VTIMEZONE is verified for decades from the current year (ics._vtimezone).
        now.year,
        [(a.id, a.revision, a.updated_at, a.name, a.timezone) for a in audiences],
    )
    return Version(
        fingerprint=hashlib.sha256(repr(shape).encode()).hexdigest()[:32],
        last_modified=max([workspace.updated_at, *(a.updated_at for a in audiences)]),
    )


def build(
    session: Session,
    workspace_id: int,
    audiences: Sequence[Audience],
    options: ExportOptions,
    now: dt.datetime,
) -> CalendarData:
    """Posts of ``audiences`` (cancelled ones too, so subscribers drop them) and open slots."""
    workspace = session.get(Workspace, workspace_id)
    assert workspace is not None
    statuses = [*EXPORTED_STATUSES, *(["draft"] if options.include_drafts else [])]
    query = (
        select(Post)
        .where(Post.audience_id.in_([a.id for a in audiences]), Post.status.in_(statuses))
        .where(Post.scheduled_at.is_not(None))
        .order_by(Post.scheduled_at, Post.id)
    )
    if options.start is not None:
        query = query.where(Post.scheduled_at >= options.start)
    if options.end is not None:
        query = query.where(Post.scheduled_at < options.end)
    events = [_post_event(post) for post in session.scalars(query)]
    if options.include_gaps:
        events.extend(_gap_events(session, audiences, options, now))
    single = audiences[0] if len(audiences) == 1 else None
    return CalendarData(
        name=single.name if single else f"{workspace.name}: all audiences",
        timezone=single.timezone if single else workspace.timezone,
        events=tuple(sorted(events, key=lambda e: (e.start, e.uid))),
        weekly=_connecting_hour(workspace),
    )


def _post_event(post: Post) -> ics.IcsEvent:
    assert post.scheduled_at is not None
    return ics.IcsEvent(
        uid=f"post-{post.id}@{UID_DOMAIN}",
        kind=post.kind,
        type=post.type,
        title=post.title,
        body=post.body or None,
        url=post.url,
        start=post.scheduled_at,
        status=STATUS_OF[post.status],
        sequence=post.sequence,
        created=post.created_at,
        last_modified=post.updated_at,
    )


def _gap_events(
    session: Session, audiences: Sequence[Audience], options: ExportOptions, now: dt.datetime
) -> list[ics.IcsEvent]:
    start, end = options.gap_window(now)
    gaps = []
    for audience in audiences:
        for slot, post in service.slots(session, audience, start, end):
            if post is None:
                gaps.append(ics.IcsEvent(
                    uid=f"slot-{audience.id}-{slot:%Y%m%dT%H%M%SZ}@{UID_DOMAIN}",
                    kind="slot", type=None, title=audience.name, body=None, url=None,
                    start=slot, status="TENTATIVE", sequence=0,
                    created=audience.created_at, last_modified=audience.updated_at,
                ))  # fmt: skip
    return gaps


def _connecting_hour(workspace: Workspace) -> ics.WeeklyHour | None:
    if not workspace.connect_enabled:
        return None
    return ics.WeeklyHour(
        uid=f"connect-{workspace.id}@{UID_DOMAIN}",
        weekday=workspace.connect_weekday,
        start_time=dt.time.fromisoformat(workspace.connect_time),
        duration=dt.timedelta(minutes=workspace.connect_minutes),
        timezone=workspace.timezone,
        starts_on=workspace.created_at.astimezone(ZoneInfo(workspace.timezone)).date(),
    )


class RenderCache:
    """Rendered calendars by version fingerprint, least recently used out past ``max_bytes``.

    Per process and bounded by size, because one calendar of a few thousand posts is about
    a megabyte. The fingerprint covers everything that shapes the bytes, workspace and
    audience ids included, so one workspace is never served another's calendar; DTSTAMP is
    the render time, which RFC 5545 allows for a published calendar.
    """

    def __init__(self, max_bytes: int) -> None:
        self._lru: LRUCache[str, bytes] = LRUCache(maxsize=max_bytes, getsizeof=len)
        self._lock = threading.Lock()

    def get(self, fingerprint: str, render: Callable[[], bytes]) -> bytes:
        with self._lock:
            body = self._lru.get(fingerprint)
        if body is None:
            body = render()  # outside the lock: other threads keep serving meanwhile
            if len(body) <= self._lru.maxsize:
                with self._lock:
                    self._lru[fingerprint] = body
        return body


def audiences_for_export(
    session: Session, workspace_id: int, refs: Sequence[str | int] | None
) -> list[Audience]:
    """Audiences by id or name in one workspace, or all of them when ``refs`` is None."""
    if refs is None:
        return service.list_audiences(session, workspace_id)
    return [service.find_audience(session, workspace_id, ref) for ref in refs]


# ---------------------------------------------------------------- subscription URLs


def subscription_token(user: User, secret: str) -> str | None:
    """A URL-safe capability for one user's calendar, derived rather than stored.

    The token is an HMAC of the user id and a version under the app's secret key: the URL can
    be shown again (calendar apps need it pasted), the database alone never reveals it, and
    bumping the version revokes every earlier URL at once.
    """
    if user.calendar_feed_version is None:
        return None
    return f"{user.id}.{_mac(user.id, user.calendar_feed_version, secret)}"


def _mac(user_id: int, version: int, secret: str) -> str:
    message = f"calendar-feed:{user_id}:{version}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:40]


def rotate_subscription(session: Session, user_id: int) -> User:
    user = session.get(User, user_id, with_for_update=True)
    assert user is not None
    user.calendar_feed_version = (user.calendar_feed_version or 0) + 1
    session.flush()
    return user


def revoke_subscription(session: Session, user_id: int) -> None:
    user = session.get(User, user_id, with_for_update=True)
    assert user is not None
    user.calendar_feed_version = None
    session.flush()


def user_for_subscription(session: Session, token: str, secret: str) -> User:
    user_part, _, mac = token.partition(".")
    user = session.get(User, int(user_part)) if user_part.isdigit() and mac else None
    if (
        user is None
        or user.calendar_feed_version is None
        or not hmac.compare_digest(mac, _mac(user.id, user.calendar_feed_version, secret))
    ):
        raise NotFound("No calendar at this address; it may have been rotated.")
    return user
