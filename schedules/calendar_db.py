"""Audience calendars as data for the ICS renderer.

Calendar apps re-fetch every hour whether or not anything changed. So a calendar's version
(ETag and Last-Modified) comes from the workspace and audience rows and one indexed look-up of
the latest overdue instant, without reading the posts; HTTP answers 304 from it, and the
rendered bytes are kept per version (``RenderCache``). A changed calendar is assembled from
events kept per post version (``EventCache``): one edit re-renders one event, not thousands.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import compress, count, repeat
from operator import eq, is_, itemgetter
from zoneinfo import ZoneInfo

from cachetools import LRUCache
from sqlalchemy import String, case, func, select, type_coerce
from sqlalchemy.orm import Session, joinedload

from core.errors import InvalidValue
from core.models import User, Workspace
from schedules import audiences_db, ics, posts, slots_db, utm
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
    events: tuple[ics.EventBytes, ...]  # rendered, in calendar order
    weekly: ics.WeeklyHour | None

    def render(self, now: dt.datetime) -> bytes:
        return ics.assemble(self.name, self.timezone, self.events, self.weekly, now)


@dataclass(frozen=True)
class ExportOptions:
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    include_drafts: bool = False
    include_gaps: bool = False
    # One rep's calendar; None: the whole team's.
    owner_id: int | None = None

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
    each change to an audience or its posts takes ``audiences_db.lock_audience`` (creating, editing,
    moving, cancelling and deleting posts, one-to-one asks, planned drafts, audience edits and
    deletion), and deleting a contact, whose asks go by ON DELETE CASCADE, locks their
    audiences first. The audience's ``updated_at``, set by the same lock, keeps the key apart
    from an earlier state that reached the same revision again (a restored backup, ids reused
    after a reset). Workspace settings are keyed by value. The key is read before the posts,
    so the events served under it are never older than it.
    """
    workspace = _workspace(session, workspace_id, audiences)
    shape = (
        (workspace.id, workspace.name, workspace.timezone, workspace.updated_at),
        _connecting_hour(workspace),
        options,
        options.gap_window(now) if options.include_gaps else None,
        # The VTIMEZONE is verified for decades from the current year (ics._vtimezone).
        now.year,
        [(a.id, a.revision, a.updated_at, a.name, a.timezone) for a in audiences],
        _tagging_key(_tagging(audiences)),
        # Posts turn overdue as time passes, with no change to any row: the latest instant
        # that has passed fixes which ones are (see ``_latest_overdue``).
        _latest_overdue(session, audiences, options, now),
    )
    return Version(
        fingerprint=hashlib.sha256(repr(shape).encode()).hexdigest()[:32],
        last_modified=max([workspace.updated_at, *(a.updated_at for a in audiences)]),
    )


def _workspace(session: Session, workspace_id: int, audiences: Sequence[Audience]) -> Workspace:
    """Through the audiences, which hold it once loaded: ``version`` and ``build`` of one
    request read the row once (the session's identity map alone lets it go)."""
    workspace = audiences[0].workspace if audiences else session.get(Workspace, workspace_id)
    assert workspace is not None and workspace.id == workspace_id
    return workspace


def _latest_overdue(
    session: Session, audiences: Sequence[Audience], options: ExportOptions, now: dt.datetime
) -> dt.datetime | None:
    """The latest scheduled time before ``now`` of a post still scheduled, in the window.

    At one revision the overdue posts are exactly the scheduled ones before this instant, so
    it changes (and with it the ETag) whenever one more post turns overdue, and only then.
    """
    query = select(func.max(Post.scheduled_at)).where(
        Post.audience_id.in_([a.id for a in audiences]), posts.overdue_clause(now)
    )
    return session.scalar(_in_window(query, options))


def _in_window(query, options: ExportOptions):
    """The rep's posts within the export's range (the options name both)."""
    if options.owner_id is not None:
        query = query.where(Post.owner_id == options.owner_id)
    if options.start is not None:
        query = query.where(Post.scheduled_at >= options.start)
    if options.end is not None:
        query = query.where(Post.scheduled_at < options.end)
    return query


def build(
    session: Session,
    workspace_id: int,
    audiences: Sequence[Audience],
    options: ExportOptions,
    now: dt.datetime,
    cache: EventCache | None = None,
) -> CalendarData:
    """Posts of ``audiences`` (cancelled ones too, so subscribers drop them) and open slots,
    ordered by start and then UID (as text).

    Events are taken from ``cache`` when this version of the post was rendered before.
    """
    workspace = _workspace(session, workspace_id, audiences)
    tagging = _tagging(audiences)
    rows, found = _post_events(session, audiences, options, now, cache or EventCache(0), tagging)
    if options.include_gaps:
        timed = [
            ((row[6], _post_uid(row[0])), event) for row, event in zip(rows, found, strict=True)
        ]
        gaps = _gap_events(session, audiences, options, now)
        timed += (((gap.start, gap.uid), ics.event_bytes(gap)) for gap in gaps)
        timed.sort(key=itemgetter(0))
        events = [event for _, event in timed]
    else:
        events = _ties_by_uid(rows, found)
    single = audiences[0] if len(audiences) == 1 else None
    name = single.name if single else f"{workspace.name}: all audiences"
    return CalendarData(
        name=name if options.owner_id is not None else f"{name} (team)",
        timezone=single.timezone if single else workspace.timezone,
        events=tuple(events),
        weekly=_connecting_hour(workspace),
    )


def _post_events(
    session: Session,
    audiences: Sequence[Audience],
    options: ExportOptions,
    now: dt.datetime,
    cache: EventCache,
    tagging: Mapping[int, tuple[utm.UtmSettings, str]],
) -> tuple[list[tuple], list[ics.EventBytes]]:
    """The version row (id, stored time, status, SEQUENCE, stored edit time, overdue, and the
    start when open slots are merged in) and the rendered event of each post, in the
    database's order of time and id. Two steps: the version rows, for all, then the text only
    of posts not in ``cache``.

    Core selects run on the connection, since ORM objects, and even the ORM's handling of
    plain rows, cost more than the event. The version columns are kept as the driver returns
    them (they only tell versions apart and keep the database's order), the database says
    which posts are overdue (``posts.overdue_clause``, the SQL form of ``posts.is_overdue``),
    and the start is read as an instant only when open slots must be merged in.

    Links are UTM-tagged per ``tagging`` (audience id: settings and name, only audiences that
    tag); cached events are then keyed by the settings too, and untagged calendars as before.
    """
    statuses = [*EXPORTED_STATUSES, *(["draft"] if options.include_drafts else [])]
    overdue = case((posts.overdue_clause(now), True), else_=False)
    stored, edited = (
        type_coerce(column, String) for column in (Post.scheduled_at, Post.updated_at)
    )
    columns = [Post.id, stored, Post.status, Post.sequence, edited, overdue]
    if options.include_gaps:
        columns.append(Post.scheduled_at)
    team = options.owner_id is None
    if team:
        columns.append(Post.owner_id)  # last: the events name their rep
    where = [Post.audience_id.in_([a.id for a in audiences]), Post.status.in_(statuses),
             Post.scheduled_at.is_not(None)]  # fmt: skip
    connection = session.connection()
    # The index's order, which is the calendar's but for posts at one instant.
    query = _in_window(select(*columns).where(*where).order_by(Post.scheduled_at, Post.id), options)
    with connection.execute(query) as result:
        # The driver's own tuples when its values serve as they come (as the version columns
        # do), at half the cost of Rows; the start must be made an instant. Tuples of plain
        # values leave the garbage collector's watch, so a calendar held costs no later
        # collection a scan.
        rows = list(map(tuple, result.all())) if options.include_gaps else result.cursor.fetchall()
    keys = _event_keys(session, audiences, rows, options)
    if tagging:  # after the rep's email, which a team's event names from its key
        salt = _tagging_key(tagging)
        keys = [(*key, salt) for key in keys]
    found = cache.get_many(keys)
    misses = compress(count(), map(is_, found, repeat(None)))
    missing = {rows[index][0]: index for index in misses}  # post id: position
    if not missing:
        return rows, found  # type: ignore[return-value]
    text = select(Post.id, Post.kind, Post.type, Post.title, Post.body, Post.url,
                  Post.scheduled_at, Post.created_at, Post.updated_at,
                  Post.audience_id)  # fmt: skip
    if len(missing) > len(rows) // 2:  # mostly new: one read beats many IN lists
        chunks = [_in_window(text.where(*where), options)]
    else:
        ids = list(missing)
        chunks = [text.where(Post.id.in_(ids[at : at + _FETCH_CHUNK]))
                  for at in range(0, len(ids), _FETCH_CHUNK)]  # fmt: skip
    rendered: dict[int, ics.EventBytes] = {}
    for chunk in chunks:
        for (
            id_,
            kind,
            type_,
            title,
            body,
            url,
            at,
            created,
            updated,
            audience_id,
        ) in connection.execute(chunk):
            index = missing.get(id_)
            if index is None:
                continue
            row = rows[index]
            if audience_id in tagging:
                settings, audience_name = tagging[audience_id]
                url = utm.tag(url, settings, audience_name, id_)
            rendered[id_] = ics.event_bytes(ics.IcsEvent(
                uid=_post_uid(id_), kind=kind, type=type_, title=title, body=body or None,
                url=url, start=at, status=STATUS_OF[row[2]], sequence=row[3],
                created=created, last_modified=updated, overdue=bool(row[5]),
                rep=keys[index][6] if team else None,
            ))  # fmt: skip
    cache.put_many((keys[missing[id_]], event) for id_, event in rendered.items())
    for id_, index in missing.items():
        found[index] = rendered.get(id_)
    if len(rendered) < len(missing):  # posts deleted between the two reads
        kept = [index for index, event in enumerate(found) if event is not None]
        rows, found = [rows[index] for index in kept], [found[index] for index in kept]
    return rows, found  # type: ignore[return-value]


def _tagging(audiences: Sequence[Audience]) -> dict[int, tuple[utm.UtmSettings, str]]:
    """The audiences whose links are tagged, with their settings and name."""
    found = {a.id: (utm.of_audience(a), a.name) for a in audiences}
    return {id_: pair for id_, pair in found.items() if pair[0].enabled}


def _tagging_key(tagging: Mapping[int, tuple[utm.UtmSettings, str]]) -> tuple:
    return tuple(sorted(tagging.items()))


def _event_keys(
    session: Session, audiences: Sequence[Audience], rows: Sequence[tuple], options: ExportOptions
) -> Sequence[tuple]:
    """Each row's ``EventCache`` key: its version columns, and in a team's calendar the email
    of the rep it names, so that the team's event and the rep's own are never confused."""
    if options.owner_id is not None:
        return rows if not options.include_gaps else [row[:6] for row in rows]
    if not rows:
        return []
    emails = dict(
        session.execute(
            select(User.id, User.email).where(User.workspace_id == audiences[0].workspace_id)
        ).all()
    )
    return [(*row[:6], emails[row[-1]]) for row in rows]


def _ties_by_uid(rows: Sequence[tuple], events: list[ics.EventBytes]) -> list[ics.EventBytes]:
    """``events`` in calendar order, from the database's order of (time, id): only posts at
    one instant differ, ordered by UID as text (post-10 before post-9)."""
    times = [row[1] for row in rows]
    runs: list[list[int]] = []  # [first, last] positions of posts at one instant
    for at in compress(count(), map(eq, times, times[1:])):  # tied with the next post
        if runs and runs[-1][1] == at:
            runs[-1][1] = at + 1
        else:
            runs.append([at, at + 1])
    for first, last in runs:
        order = sorted(range(first, last + 1), key=lambda index: _post_uid(rows[index][0]))
        events[first : last + 1] = [events[index] for index in order]
    return events


_FETCH_CHUNK = 500  # ids per IN list when loading the posts the cache does not hold


def _post_uid(post_id: int) -> str:
    return f"post-{post_id}@{UID_DOMAIN}"


def _gap_events(
    session: Session, audiences: Sequence[Audience], options: ExportOptions, now: dt.datetime
) -> list[ics.IcsEvent]:
    start, end = options.gap_window(now)
    gaps = []
    for audience in audiences:
        for slot, post in slots_db.slots(session, audience, options.owner_id, start, end):
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


class EventCache:
    """Rendered events by post version, least recently used out past ``max_bytes``.

    The key is everything that decides an event's bytes apart from its text: the post id
    (never reused), its time, status, SEQUENCE and ``updated_at`` (set by every edit of the
    post, ``posts_db.update_post``), whether it is overdue, and in a team's calendar only,
    the email of the rep it names (keys of six fields are a rep's own calendar's). Events
    of every workspace and calendar share it, so a post in several calendars (its
    audience's and the workspace's) is rendered once. Per process, like ``RenderCache``. An
    OrderedDict rather than cachetools: a re-render looks up every event of the calendar,
    and its C-level ``move_to_end`` makes that several times cheaper.
    """

    ENTRY_OVERHEAD = 480  # bytes of key, tuple and dict bookkeeping beside the event's own

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self._events: OrderedDict[tuple, ics.EventBytes] = OrderedDict()
        self._lock = threading.Lock()

    def get_many(self, keys: Sequence[tuple]) -> list[ics.EventBytes | None]:
        with self._lock:
            found = list(map(self._events.get, keys))
            deque(map(self._events.move_to_end, compress(keys, found)), maxlen=0)
        return found

    def put_many(self, items: Iterable[tuple[tuple, ics.EventBytes]]) -> None:
        with self._lock:
            for key, event in items:
                size = self._sizeof(event)
                if size > self.max_bytes or key in self._events:
                    continue
                self._events[key] = event
                self.size += size
                while self.size > self.max_bytes:
                    _, dropped = self._events.popitem(last=False)
                    self.size -= self._sizeof(dropped)

    def _sizeof(self, event: ics.EventBytes) -> int:
        return len(event[0]) + len(event[1]) + self.ENTRY_OVERHEAD


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
    """Audiences by id or name in one workspace, or all of them when ``refs`` is None, each
    read with its workspace (which the calendar's version needs) in one query."""
    load = [joinedload(Audience.workspace)]
    if refs is None:
        return audiences_db.list_audiences(session, workspace_id, load)
    return [audiences_db.find_audience(session, workspace_id, ref, load) for ref in refs]
