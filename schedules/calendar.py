"""Audience calendars as data for the ICS renderer, and secret subscription URLs.

Building the events is cheap and rendering is not, so a calendar carries a fingerprint of
everything that shapes its bytes: HTTP can answer 304 without rendering, and the same inputs
always give the same ETag.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

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
    last_modified: dt.datetime

    @property
    def fingerprint(self) -> str:
        shape = repr((self.name, self.timezone, self.events, self.weekly)).encode()
        return hashlib.sha256(shape).hexdigest()[:32]

    def render(self, now: dt.datetime) -> bytes:
        return ics.render_calendar(self.name, self.timezone, self.events, self.weekly, now)


@dataclass(frozen=True)
class ExportOptions:
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    include_drafts: bool = False
    include_gaps: bool = False


def build(
    session: Session,
    workspace_id: int,
    audiences: Sequence[Audience],
    options: ExportOptions,
    now: dt.datetime,
    name: str | None = None,
) -> CalendarData:
    """Posts of ``audiences`` (cancelled ones too, so subscribers drop them) and open slots."""
    workspace = session.get(Workspace, workspace_id)
    assert workspace is not None
    if options.start and options.end and options.end <= options.start:
        raise InvalidValue("to", "Must be after from.")
    by_id = {a.id: a for a in audiences}
    statuses = [*EXPORTED_STATUSES, *(["draft"] if options.include_drafts else [])]
    query = (
        select(Post)
        .where(Post.audience_id.in_(list(by_id)), Post.status.in_(statuses))
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
    weekly = _connecting_hour(workspace)
    stamps = [workspace.updated_at, *(a.updated_at for a in audiences),
              *(e.last_modified for e in events)]  # fmt: skip
    single = audiences[0] if len(audiences) == 1 else None
    return CalendarData(
        name=name or (single.name if single else f"{workspace.name}: all audiences"),
        timezone=single.timezone if single else workspace.timezone,
        events=tuple(sorted(events, key=lambda e: (e.start, e.uid))),
        weekly=weekly,
        last_modified=max(stamps),
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
    start = options.start or now
    end = options.end or start + dt.timedelta(days=DEFAULT_GAP_DAYS)
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


def audiences_for_export(
    session: Session, workspace_id: int, refs: Sequence[str | int] | None
) -> list[Audience]:
    """Audiences by id or name in one workspace, or all of them when ``refs`` is None."""
    if refs is None:
        return service.list_audiences(session, workspace_id)
    found = []
    for ref in refs:
        text = str(ref).strip()
        query = select(Audience).where(Audience.workspace_id == workspace_id)
        if text.isdigit():
            query = query.where(Audience.id == int(text))
        else:
            query = query.where(Audience.name == " ".join(text.split()))
        audience = session.scalar(query)
        if audience is None:
            raise NotFound(f"No audience {text!r} in this workspace.")
        found.append(audience)
    return found


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
