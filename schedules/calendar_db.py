"""Audience calendars as data for the ICS renderer.

Calendar apps re-fetch every hour whether or not anything changed. So a calendar's version
(ETag and Last-Modified) comes from the workspace and audience rows and one indexed look-up of
the latest overdue instant, without reading the posts; HTTP answers 304 from it, and the
rendered bytes are kept per version (``RenderCache``). A changed calendar is assembled from
events kept per post version (``EventCache``): one edit re-renders one event, not thousands.
And the calendar last rendered is kept with them (``KeptCalendar``), so that the next render
reads only the posts changed since (``Post.revision``), not every post's version.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from bisect import bisect_left, bisect_right
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import compress, count, repeat
from operator import eq, is_, itemgetter
from zoneinfo import ZoneInfo

from cachetools import LRUCache
from sqlalchemy import String, and_, case, func, or_, select, type_coerce
from sqlalchemy.orm import Session, joinedload

from core.errors import InvalidValue
from core.models import User, Workspace
from schedules import audiences_db, ics, posts, slots_db, utm
from schedules.models import Audience, Contact, Post
from schedules.times import check_order

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
        check_order(self.start, self.end)

    def gap_window(self, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
        """Open slots from the start of today (UTC) unless a start is given: anchored to the
        day rather than the instant, so the calendar changes once a day, not on every poll."""
        start = self.start or now.astimezone(dt.UTC).replace(hour=0, minute=0, second=0,
                                                             microsecond=0)  # fmt: skip
        end = self.end or start + dt.timedelta(days=DEFAULT_GAP_DAYS)
        if end <= start:  # only a "to" before a "from" nobody gave (__post_init__): say so
            raise InvalidValue(
                "to",
                f"Must be after from, which defaults to today ({start:%Y-%m-%d}, UTC) with "
                "open slots.",
            )
        return start, end


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

    Sound because every change that can alter the events bumps an audience's ``revision``: each
    change to an audience or its posts takes ``audiences_db.lock_audience`` (creating, editing,
    moving, cancelling and deleting posts, one-to-one asks, planned drafts, audience edits and
    deletion), and deleting a contact, whose asks go by ON DELETE CASCADE, or renaming one,
    whose asks' events name them, locks their audiences first. The audience's ``updated_at``,
    set by the same lock, keeps the key apart from an earlier state that reached the same
    revision again (a restored backup, ids reused after a reset). Workspace settings are keyed
    by value, the UTM settings (which decide the links' tagging) as stored rather than validated
    again on every poll. The key is read before the posts, so the events served under it are
    never older than it.
    """
    workspace = _workspace(session, workspace_id, audiences)
    shape = (
        (workspace.id, workspace.name, workspace.timezone, workspace.updated_at),
        _connecting_hour(workspace),
        _stored_key(workspace.utm),
        options,
        options.gap_window(now) if options.include_gaps else None,
        # The VTIMEZONE is verified for decades from the current year (ics._vtimezone).
        now.year,
        [
            (a.id, a.revision, a.updated_at, a.name, a.timezone, _stored_key(a.utm))
            for a in audiences
        ],
        # Posts turn overdue as time passes, with no change to any row: the latest instant
        # that has passed fixes which ones are (see ``_latest_overdue``).
        _latest_overdue(session, audiences, options, now),
    )
    return Version(
        fingerprint=hashlib.sha256(repr(shape).encode()).hexdigest()[:32],
        last_modified=max([workspace.updated_at, *(a.updated_at for a in audiences)]),
    )


def _stored_key(stored: Mapping[str, object] | None) -> list | None:
    """Stored settings in one order, so that equal settings always key alike."""
    return None if stored is None else sorted(stored.items())


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
    return session.scalar(query.where(*_window(options)))


def _window(options: ExportOptions) -> list:
    """The rep's posts within the export's range (the options name both)."""
    return [
        *([Post.owner_id == options.owner_id] if options.owner_id is not None else []),
        *([Post.scheduled_at >= options.start] if options.start is not None else []),
        *([Post.scheduled_at < options.end] if options.end is not None else []),
    ]


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

    Events are taken from ``cache`` when this version of the post was rendered before, and
    a calendar it keeps (``KeptCalendar``) is brought up to date from the posts changed since.
    """
    workspace = _workspace(session, workspace_id, audiences)
    cache = cache or EventCache(0)
    calendar = _Calendar(session, audiences, options, now, cache)
    if options.include_gaps:
        rows, found = calendar.all_events()
        timed = [
            ((row[6], _post_uid(row[0])), event) for row, event in zip(rows, found, strict=True)
        ]
        gaps = _gap_events(session, audiences, options, now)
        timed += (((gap.start, gap.uid), ics.event_bytes(gap)) for gap in gaps)
        timed.sort(key=itemgetter(0))
        events = [event for _, event in timed]
    else:
        events = calendar.kept_events()
    single = audiences[0] if len(audiences) == 1 else None
    name = single.name if single else f"{workspace.name}: all audiences"
    return CalendarData(
        name=name if options.owner_id is not None else f"{name} (team)",
        timezone=single.timezone if single else workspace.timezone,
        events=tuple(events),
        weekly=_connecting_hour(workspace),
    )


@dataclass(frozen=True)
class KeptCalendar:
    """A calendar's post events as rendered at ``revisions`` (audience id: revision) and
    ``now``, in calendar order, beside each one's stored time and post id, and each post's
    stored time by id (``at``). Never changed once kept (threads share it): a render copies
    the lists, which costs microseconds, not the events."""

    revisions: Mapping[int, int]
    now: dt.datetime
    # A team calendar's reps whose emails its events name (by user id; those of posts gone
    # since may stay): others may join or leave the team without the calendar being read again.
    emails: Mapping[int, str] | None
    times: list
    ids: list[int]
    events: list[ics.EventBytes]
    at: dict[int, object]

    def place(self, at: object, post_id: int) -> int:
        """Where the post goes in calendar order: by time, then by UID as text (post-10
        before post-9) among the few at one instant."""
        index = bisect_left(self.times, at)
        end, uid = bisect_right(self.times, at, index), _post_uid(post_id)
        while index < end and _post_uid(self.ids[index]) < uid:
            index += 1
        return index

    def remove(self, post_id: int) -> None:
        at = self.at.pop(post_id)
        index = bisect_left(self.times, at)
        index = self.ids.index(post_id, index, bisect_right(self.times, at, index))
        del self.times[index], self.ids[index], self.events[index]

    def insert(self, at: object, post_id: int, event: ics.EventBytes) -> None:
        index = self.place(at, post_id)
        self.times.insert(index, at)
        self.ids.insert(index, post_id)
        self.events.insert(index, event)
        self.at[post_id] = at


class _Calendar:
    """One render's reads of a calendar's posts: the statuses, window and rep it takes, the
    UTM tagging of its links, and in a team's calendar the reps' emails (read once)."""

    def __init__(self, session: Session, audiences: Sequence[Audience], options: ExportOptions,
                 now: dt.datetime, cache: EventCache) -> None:  # fmt: skip
        self.audiences, self.options, self.now = audiences, options, now
        self.cache, self.connection = cache, session.connection()
        self.tagging = _tagging(audiences)
        self.salt = (_tagging_key(self.tagging),) if self.tagging else ()
        self.team = options.owner_id is None
        self.emails = _emails(session, audiences) if self.team else None
        statuses = [*EXPORTED_STATUSES, *(["draft"] if options.include_drafts else [])]
        self.where = [Post.audience_id.in_([a.id for a in audiences]), Post.status.in_(statuses),
                      Post.scheduled_at.is_not(None), *_window(options)]  # fmt: skip
        overdue = case((posts.overdue_clause(now), True), else_=False)
        stored, edited = (
            type_coerce(column, String) for column in (Post.scheduled_at, Post.updated_at)
        )
        self.columns = [Post.id, stored, Post.status, Post.sequence, edited, overdue]
        if options.include_gaps:
            self.columns.append(Post.scheduled_at)
        if self.team:
            self.columns.append(Post.owner_id)  # last: the events name their rep

    def all_events(self) -> tuple[list[tuple], list[ics.EventBytes]]:
        """The version row (id, stored time, status, SEQUENCE, stored edit time, overdue, and
        the start when open slots are merged in) and the rendered event of each post, in the
        database's order of time and id. Two steps: the version rows, for all, then the text
        only of posts not in the cache.

        Core selects run on the connection, since ORM objects, and even the ORM's handling of
        plain rows, cost more than the event. The version columns are kept as the driver
        returns them (they only tell versions apart and keep the database's order), the
        database says which posts are overdue (``posts.overdue_clause``, the SQL form of
        ``posts.is_overdue``), and the start is read as an instant only when open slots must
        be merged in.
        """
        # The index's order, which is the calendar's but for posts at one instant.
        query = select(*self.columns).where(*self.where).order_by(Post.scheduled_at, Post.id)
        with self.connection.execute(query) as result:
            # The driver's own tuples when its values serve as they come (as the version
            # columns do), at half the cost of Rows; the start must be made an instant.
            # Tuples of plain values leave the garbage collector's watch, so a calendar held
            # costs no later collection a scan.
            if self.options.include_gaps:
                rows = list(map(tuple, result.all()))
            else:
                rows = result.cursor.fetchall()
        found = self.events_of(rows, whole=len(rows))
        if None in found:  # posts deleted between the two reads
            kept = [index for index, event in enumerate(found) if event is not None]
            rows, found = [rows[index] for index in kept], [found[index] for index in kept]
        return rows, found  # type: ignore[return-value]

    def kept_events(self) -> list[ics.EventBytes]:
        """The posts' events in calendar order (by start, then UID as text), from the calendar
        kept at an earlier revision when there is one, and kept for the next render."""
        key = (tuple(a.id for a in self.audiences), self.options, self.salt)
        kept = self.cache.calendar(key)
        if kept is not None and kept.now <= self.now and self._names_alike(kept):
            updated = self._brought_up_to_date(kept)
            if updated is not None:
                self.cache.keep_calendar(key, updated)
                return updated.events
        rows, found = self.all_events()
        times, ids = [row[1] for row in rows], [row[0] for row in rows]
        # The database's order is by time and id: only posts at one instant may move.
        for first, last in _ties(times):
            ranked = sorted(range(first, last), key=lambda index: _post_uid(ids[index]))
            ids[first:last] = [ids[index] for index in ranked]
            found[first:last] = [found[index] for index in ranked]
        revisions = {a.id: a.revision for a in self.audiences}
        kept = KeptCalendar(revisions, self.now, self._named(rows, {}), times, ids, found,
                            dict(zip(ids, times, strict=True)))  # fmt: skip
        self.cache.keep_calendar(key, kept)
        return found

    def _names_alike(self, kept: KeptCalendar) -> bool:
        """Whether every rep the kept events name has the email they were rendered with."""
        emails = self.emails
        return kept.emails is None or all(
            emails.get(user_id) == email for user_id, email in kept.emails.items()
        )

    def _named(
        self, rows: Sequence[tuple], named: Mapping[int, str] | None
    ) -> dict[int, str] | None:
        """``named`` and the emails of the reps whose posts ``rows`` are (a team calendar's;
        None in a rep's own)."""
        if self.emails is None:
            return None
        return {**named, **{owner: self.emails[owner] for owner in {row[-1] for row in rows}}}

    def _brought_up_to_date(self, kept: KeptCalendar) -> KeptCalendar | None:
        """``kept`` with the posts changed since replaced, or None when it cannot be.

        Changed are the posts above the kept revision of their audience (``Post.revision``),
        and those that turned overdue since it was kept. A post that left the audience
        or was deleted leaves no row to read: the count of the calendar's posts, read in the
        same statement (one snapshot of the database), then differs from the kept one's, and
        the calendar is read whole.
        """
        audience_ids = [a.id for a in self.audiences]
        changed = or_(
            *(
                and_(Post.audience_id == audience_id, Post.revision > kept.revisions[audience_id])
                for audience_id in audience_ids
            ),
            and_(
                Post.audience_id.in_(audience_ids),
                *_window(self.options),
                posts.overdue_clause(self.now),
                Post.scheduled_at >= kept.now,
            ),
        )
        count = select(func.count().label("posts")).where(*self.where).subquery()
        member = case((and_(*self.where), True), else_=False)
        query = select(count.c.posts, *self.columns, member).select_from(
            count.outerjoin(Post, changed)
        )
        found = self._raw(query)
        rows = [row[1:-1] for row in found if row[-1]]
        revisions = {a.id: a.revision for a in self.audiences}
        updated = KeptCalendar(revisions, self.now, self._named(rows, kept.emails),
                               list(kept.times), list(kept.ids), list(kept.events),
                               dict(kept.at))  # fmt: skip
        for row in found:
            if row[1] in updated.at:
                updated.remove(row[1])
        if found[0][0] != len(updated.ids) + len(rows):
            return None
        for row, event in zip(rows, self.events_of(rows), strict=True):
            if event is None:  # deleted since
                return None
            updated.insert(row[1], row[0], event)
        return updated

    def events_of(self, rows: Sequence[tuple], whole: int = 0) -> list[ics.EventBytes | None]:
        """The event of each version row, from the cache or rendered from the post's text
        (None: the post is gone). ``whole``: the rows are the calendar's ``whole`` posts, so
        when most are missing the text of all is read in one query rather than by id.

        Links are UTM-tagged per ``tagging`` (audience id: settings and name, only audiences
        that tag); cached events are then keyed by the settings too, and untagged calendars
        as before.
        """
        keys = self._event_keys(rows)
        found = self.cache.get_many(keys)
        misses = compress(count(), map(is_, found, repeat(None)))
        missing = {rows[index][0]: index for index in misses}  # post id: position
        if not missing:
            return found
        text = select(*_TEXT_COLUMNS).outerjoin(Contact, Contact.id == Post.contact_id)
        if whole and len(missing) > whole // 2:  # mostly new: one read beats many IN lists
            wheres = [self.where]
        else:
            ids = list(missing)
            wheres = [[Post.id.in_(ids[at : at + _FETCH_CHUNK])]
                      for at in range(0, len(ids), _FETCH_CHUNK)]  # fmt: skip
        # The driver's tuples again, its times made instants here (``_instant``): the
        # columns' own processing costs a third of reading them.
        chunks = (self._raw(text.where(*where)) for where in wheres)
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
                contact,
                company,
            ) in chunk:
                index = missing.get(id_)
                if index is None:
                    continue
                row = rows[index]
                if audience_id in self.tagging:
                    settings, audience_name = self.tagging[audience_id]
                    url = utm.tag(url, settings, audience_name, id_)
                rendered[id_] = ics.event_lines(
                    uid=_post_uid(id_), kind=kind, type_=type_, title=title, body=body or None,
                    url=url, start=_instant(at), status=STATUS_OF[row[2]], sequence=row[3],
                    created=_instant(created), last_modified=_instant(updated),
                    overdue=bool(row[5]), rep=keys[index][6] if self.team else None,
                    contact=contact, company=company,
                )  # fmt: skip
        self.cache.put_many((keys[missing[id_]], event) for id_, event in rendered.items())
        for id_, index in missing.items():
            found[index] = rendered.get(id_)
        return found

    def _raw(self, query) -> list[tuple]:
        with self.connection.execute(query) as result:
            return result.cursor.fetchall()

    def _event_keys(self, rows: Sequence[tuple]) -> Sequence[tuple]:
        """Each row's ``EventCache`` key: its version columns, in a team's calendar the email
        of the rep it names (so that the team's event and the rep's own are never confused),
        and the UTM tagging of tagged calendars."""
        if self.emails is not None:
            emails = self.emails
            keys = [(*row[:6], emails[row[-1]], *self.salt) for row in rows]
        elif self.salt:
            keys = [(*row[:6], *self.salt) for row in rows]
        else:
            return rows if not self.options.include_gaps else [row[:6] for row in rows]
        return keys


def _tagging(audiences: Sequence[Audience]) -> dict[int, tuple[utm.UtmSettings, str]]:
    """The audiences whose links are tagged, with their settings and name."""
    found = {a.id: (utm.of_audience(a), a.name) for a in audiences}
    return {id_: pair for id_, pair in found.items() if pair[0].enabled}


def _tagging_key(tagging: Mapping[int, tuple[utm.UtmSettings, str]]) -> tuple:
    return tuple(sorted(tagging.items()))


def _emails(session: Session, audiences: Sequence[Audience]) -> dict[int, str]:
    """The workspace's reps' emails by user id, which a team calendar's events name."""
    if not audiences:
        return {}
    query = select(User.id, User.email).where(User.workspace_id == audiences[0].workspace_id)
    return dict(session.execute(query).all())


_FETCH_CHUNK = 500  # ids per IN list when loading the posts the cache does not hold
# What an event is rendered from beside its version row, read for the events not kept; a
# one-to-one ask's person from their contact (outer-joined), whose renaming touches the ask
# (contacts_db._retitle_asks), so the event's version row tells the new text from the old.
_TEXT_COLUMNS = (Post.id, Post.kind, Post.type, Post.title, Post.body, Post.url,
                 Post.scheduled_at, Post.created_at, Post.updated_at, Post.audience_id,
                 Contact.name, Contact.company)  # fmt: skip


def _instant(stored: dt.datetime | str) -> dt.datetime:
    """A ``UTCDateTime`` column's value as the driver gives it (SQLite's is text) as the
    column type gives it: an aware UTC instant. By ``combine``, which costs a tenth of
    ``replace(tzinfo=...)`` (thrice an event)."""
    if stored.__class__ is str:
        stored = dt.datetime.fromisoformat(stored)
    return dt.datetime.combine(stored, stored.time(), dt.UTC)


def _ties(times: Sequence) -> list[tuple[int, int]]:
    """The [first, last) ranges of equal neighbours in ``times``: posts at one instant."""
    runs: list[list[int]] = []
    for at in compress(count(), map(eq, times, times[1:])):  # tied with the next post
        if runs and runs[-1][1] == at + 1:
            runs[-1][1] = at + 2
        else:
            runs.append([at, at + 2])
    return [(first, last) for first, last in runs]


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
    OrderedDict rather than cachetools: a first render looks up every event of the calendar,
    and its C-level ``move_to_end`` makes that several times cheaper.

    Beside the events, the calendars last rendered (``KeptCalendar``), so that a re-render
    reads only the posts changed since; least recently used out past half of ``max_bytes``,
    each charged ``KEPT_ROW_BYTES`` a post (its place and its share of the event, which the
    events' LRU may have dropped meanwhile).
    """

    ENTRY_OVERHEAD = 480  # bytes of key, tuple and dict bookkeeping beside the event's own
    KEPT_ROW_BYTES = 600

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self._events: OrderedDict[tuple, ics.EventBytes] = OrderedDict()
        self._calendars: LRUCache[tuple, KeptCalendar] = LRUCache(
            maxsize=max_bytes // 2,
            getsizeof=lambda kept: (len(kept.ids) + 1) * self.KEPT_ROW_BYTES,
        )
        self._lock = threading.Lock()

    def calendar(self, key: tuple) -> KeptCalendar | None:
        with self._lock:
            return self._calendars.get(key)

    def keep_calendar(self, key: tuple, kept: KeptCalendar) -> None:
        if self._calendars.getsizeof(kept) <= self._calendars.maxsize:
            with self._lock:
                self._calendars[key] = kept

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
    read with its workspace (which the calendar's version needs) in one query. An audience
    named twice (by id and by name, say) counts once: the calendar is then named after it."""
    load = [joinedload(Audience.workspace)]
    if refs is None:
        return audiences_db.list_audiences(session, workspace_id, load)
    found = (audiences_db.find_audience(session, workspace_id, ref, load) for ref in refs)
    return list({audience.id: audience for audience in found}.values())
