"""A rep's timeline on an audience in the database: the rule's neighbourhood reads, its
verdict on a change, and where the rep stands now (:func:`ratio`).

Each rep earns the right to ask by what they gave: the rule reads one owner's posts, with the
audience's policy. A colleague's gives never cover an ask, and a colleague's ask never blocks one.

Callers hold the audience's lock (``audiences_db.lock_audience``), so concurrent writers are
judged one after another.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
from collections.abc import Collection
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, func, select
from sqlalchemy.orm import Session

from core.db import utcnow
from schedules import refusals_db, rule
from schedules.models import TIMELINE_STATUSES, Audience, Post
from schedules.policy import policy_of
from schedules.refusals import RuleViolation

# Inline, not bound: a planner may use the partial index ix_posts_timeline only when it can see
# that the query wants no other statuses than the index holds (SQLite never can through "?").
ON_TIMELINE = Post.status.in_(
    bindparam("timeline_statuses", TIMELINE_STATUSES, expanding=True, literal_execute=True)
)


def timeline(audience_id: Any, owner_id: Any, *time_bounds: ColumnElement[bool]) -> Select:
    """A rep's posts on the audience's rule timeline, within ``time_bounds`` if any; an
    ``owner_id`` of None reads the whole team's (a manager's view, never the rule's).

    A bound on the time already leaves out unscheduled posts; saying IS NOT NULL beside one
    gives SQLite a second lower bound, and it may range the index from that one (every post of
    the audience since the first) rather than from the bound that matters.
    """
    return select(Post).where(
        Post.audience_id == audience_id,
        *([] if owner_id is None else [Post.owner_id == owner_id]),
        ON_TIMELINE,
        *(time_bounds or [Post.scheduled_at.is_not(None)]),
    )


def whole_timeline(session: Session, audience_id: int, owner_id: int) -> rule.ListTimeline:
    """A rep's whole timeline on the audience in memory, for asking the rule about many
    moments at once (a list of contacts, each waiting for its own minute): one read instead of
    the neighbourhood's queries at each moment."""
    return rule.ListTimeline(whole_timelines(session, audience_id, [owner_id]).get(owner_id, []))


class SqlTimeline:
    """The rule's :class:`~schedules.rule.TimelineSource` as indexed, LIMIT-bounded queries.

    A check runs up to a dozen of them while the audience is locked, and building a statement
    costs more than running it, so each shape is built once (:func:`_neighbours`) and run on
    the session's connection without the ORM, which has nothing to add to two columns.
    """

    def __init__(self, session: Session, audience_id: int, owner_id: int) -> None:
        self.session = session
        self.audience_id = audience_id
        self.owner_id = owner_id

    def _run(self, query: Select, exclude_id: int | None, **bounds: Any) -> Any:
        # ids start at 1, so 0 leaves nothing out (a bound NULL would leave everything out)
        params = {
            "audience_id": self.audience_id,
            "owner_id": self.owner_id,
            "exclude_id": exclude_id or 0,
            **bounds,
        }
        return self.session.connection().execute(query, params)

    def last_ask_before(self, at: dt.datetime, exclude_id: int) -> dt.datetime | None:
        return self._run(_neighbours("ask", "max", before=True), exclude_id, before=at).scalar()

    def first_ask_after(self, at: dt.datetime, exclude_id: int) -> dt.datetime | None:
        return self._run(_neighbours("ask", "min", after=True), exclude_id, after=at).scalar()

    def asks_between(
        self, after: dt.datetime | None, until: dt.datetime, exclude_id: int
    ) -> list[rule.Entry]:
        query = _neighbours("ask", after=after is not None, until=True)
        return self._entries(self._run(query, exclude_id, after=after, until=until), "ask")

    def first_gives_between(
        self, after: dt.datetime | None, until: dt.datetime | None, limit: int, exclude_id: int
    ) -> list[rule.Entry]:
        query = _neighbours("give", "first", after=after is not None, until=until is not None)
        rows = self._run(query, exclude_id, after=after, until=until, limit=limit)
        return self._entries(rows, "give")

    def last_gives_between(
        self, after: dt.datetime | None, until: dt.datetime, limit: int, exclude_id: int
    ) -> list[rule.Entry]:
        query = _neighbours("give", "last", before=True, after=after is not None)
        rows = self._run(query, exclude_id, after=after, before=until, limit=limit)
        return self._entries(rows, "give")[::-1]

    def last_ask(self) -> dt.datetime | None:
        return self.session.scalar(
            timeline(self.audience_id, self.owner_id)
            .where(Post.kind == "ask")
            .with_only_columns(func.max(Post.scheduled_at))
        )

    def count_gives_between(self, after: dt.datetime, before: dt.datetime | None) -> int:
        bounds = [Post.scheduled_at > after, *([Post.scheduled_at < before] if before else [])]
        query = timeline(self.audience_id, self.owner_id, *bounds).where(Post.kind == "give")
        return self.session.scalar(query.with_only_columns(func.count())) or 0

    @staticmethod
    def _entries(rows: Any, kind: str) -> list[rule.Entry]:
        return [rule.Entry(at, post_id, kind) for at, post_id in rows]  # type: ignore[arg-type]


@functools.cache
def _neighbours(
    kind: str, shape: str = "all", *, before: bool = False, after: bool = False, until: bool = False
) -> Select:
    """A rep's audience timeline posts of one kind but one, within the bounds named: the "all",
    the "first" or "last" ``limit`` (time, id) by time, or the "min" or "max" time. Every value
    is a bound parameter, so each shape is built once."""
    bounds = [
        *([Post.scheduled_at < bindparam("before")] if before else []),
        *([Post.scheduled_at > bindparam("after")] if after else []),
        *([Post.scheduled_at <= bindparam("until")] if until else []),
    ]
    query = (
        timeline(bindparam("audience_id"), bindparam("owner_id"), *bounds)
        .with_only_columns(Post.scheduled_at, Post.id)
        .where(Post.kind == kind, Post.id != bindparam("exclude_id"))
    )
    if shape in ("min", "max"):
        return query.with_only_columns(getattr(func, shape)(Post.scheduled_at))
    if shape == "first":
        return query.order_by(Post.scheduled_at).limit(bindparam("limit"))
    if shape == "last":
        return query.order_by(Post.scheduled_at.desc()).limit(bindparam("limit"))
    return query


def ratio(
    session: Session, audience: Audience, owner_id: int, now: dt.datetime | None = None
) -> rule.Ratio:
    """What the rep needs now on the audience (:func:`schedules.rule.ratio`), read in SQL."""
    now = (now or utcnow()).replace(second=0, microsecond=0)
    return rule.ratio(SqlTimeline(session, audience.id, owner_id), policy_of(audience), now)


def whole_timelines(
    session: Session, audience_id: int, owner_ids: Collection[int] | None = None
) -> dict[int, list[rule.Entry]]:
    """Each rep's whole timeline on the audience (only ``owner_ids``' when given), for a change
    that touches too many posts for the neighbourhood reads."""
    owners = [] if owner_ids is None else [Post.owner_id.in_(owner_ids)]
    found = _whole_timelines(session, Post.audience_id == audience_id, *owners)
    return {owner_id: entries for (owner_id, _), entries in found.items()}


def workspace_timelines(
    session: Session, workspace_id: int
) -> dict[tuple[int, int], list[rule.Entry]]:
    """Every rep's whole timeline on every audience of the workspace, keyed by (rep, audience):
    the team view's one read for all its reps' figures."""
    audiences = select(Audience.id).where(Audience.workspace_id == workspace_id)
    return _whole_timelines(session, Post.audience_id.in_(audiences))


def _whole_timelines(
    session: Session, *where: ColumnElement[bool]
) -> dict[tuple[int, int], list[rule.Entry]]:
    """The timelines of the posts ``where`` picks, each rep's on each audience in time order."""
    query = select(Post.owner_id, Post.audience_id, Post.scheduled_at, Post.id, Post.kind).where(
        *where, ON_TIMELINE, Post.scheduled_at.is_not(None)
    )
    rows = session.execute(
        query.order_by(Post.owner_id, Post.audience_id, Post.scheduled_at, Post.id)
    )
    return {
        key: [rule.Entry(at, pid, kind) for _, _, at, pid, kind in entries]
        for key, entries in itertools.groupby(rows, key=lambda row: (row[0], row[1]))
    }


def check_whole_timeline(session: Session, audience: Audience, policy: rule.Policy) -> None:
    """A policy edit changes every ask's cover, so each rep's whole timeline is judged once."""
    found = [
        violation
        for entries in whole_timelines(session, audience.id).values()
        for violation in rule.violations(entries, policy)
    ]
    if found:
        raise RuleViolation(audience, found)


def entry_of(post: Post) -> rule.Entry | None:
    """The post as the rule sees it, or None while it is off the timeline."""
    if not post.on_timeline:
        return None
    return rule.Entry(post.scheduled_at, post.id, post.kind)  # type: ignore[arg-type]


def timeline_violations(
    session: Session,
    audience: Audience,
    before: rule.Entry | None,
    post: Post,
    before_owner: int | None = None,
) -> list[rule.Violation]:
    """What the audience rule says of a change on the post owner's timeline; call before
    anything is flushed. ``before_owner``: the rep the post leaves, when it is reassigned."""
    after = entry_of(post)
    policy, start = policy_of(audience), plan_from()
    if before_owner is not None and before_owner != post.owner_id:
        # Reassigned: it leaves one rep's timeline and joins another's; both are judged.
        left = SqlTimeline(session, audience.id, before_owner)
        joined = SqlTimeline(session, audience.id, post.owner_id)
        return [
            *(rule.check_change(left, policy, before, None, start) if before else []),
            *(rule.check_change(joined, policy, None, after, start) if after else []),
        ]
    if before == after:
        return []
    source = SqlTimeline(session, audience.id, post.owner_id)
    return rule.check_change(source, policy, before, after, start)


def plan_from() -> dt.datetime:
    """Advice is for a calendar planned forward: no earliest date before this minute."""
    return utcnow().replace(second=0, microsecond=0) + dt.timedelta(minutes=1)


def guard_change(
    session: Session,
    audience: Audience,
    before: rule.Entry | None,
    post: Post,
    before_owner: int | None = None,
    advice: str | None = None,
) -> None:
    """Refuse the change unless every ask stays covered; call before anything is flushed.
    ``advice``: the way round a refusal, when the caller knows one."""
    found = timeline_violations(session, audience, before, post, before_owner)
    if found:
        error = RuleViolation(audience, found, advice)
        refusals_db.note(session, audience, post, error)
        raise error
