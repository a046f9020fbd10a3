"""Audience and post operations: plain values and a Session in, ORM objects out.

Functions here flush but never commit; the request or command that owns the unit of work does.
Every change that can alter a timeline first locks its audience row, then asks the pure rule
about the neighbourhood of the change, so concurrent writers are judged one after another.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from dateutil import parser as date_parser
from sqlalchemy import ColumnElement, Select, bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.base import ExecutableOption

from core.accounts import validate_timezone
from core.db import get_owned_row, lock_owned_row, utcnow
from core.errors import Conflict, DomainError, InvalidValue, NotFound
from feeds.models import Article
from schedules import people, posts, rule
from schedules import relationship as rel
from schedules.cadence import Cadence, parse_cadence, slot_period, slots_between
from schedules.models import POST_TYPES, STATUSES, TIMELINE_STATUSES, Audience, Post

MAX_SLOT_RANGE = dt.timedelta(days=366 * 5)
POST_TITLE_MAX = 300
POST_SUMMARY_MAX = 600
HALF_LIFE_DAYS = 14
RANKINGS = ("news", "evergreen")
TEXT_FIELDS = ("title", "body", "url")
# A post shared outside the product (or a touch) is recorded within a month of it.
DEFAULT_RECORD_PUBLISHED_WITHIN_DAYS = 30


class RuleViolation(Conflict):
    """A change refused because it would leave asks uncovered by enough gives."""

    slug = "give-before-ask"
    title = "Give before you ask"

    def __init__(self, audience: Audience, found: list[rule.Violation]) -> None:
        self.audience_name = audience.name
        self.violations = found
        super().__init__(_describe(audience, found), violations=[_violation_dict(v) for v in found])


def _violation_dict(v: rule.Violation) -> dict[str, Any]:
    return {
        "post_id": v.post_id,
        "scheduled_at": v.at,
        "gives_counted": v.gives_counted,
        "gives_required": v.gives_required,
        "previous_ask_at": v.previous_ask_at,
        "min_days_between_asks": v.min_days_between_asks,
        "earliest_allowed_at": v.earliest_allowed_at,
        "gives_lookback_days": v.gives_lookback_days,
        "no_date_reason": v.no_date_reason,
    }


def _describe(audience: Audience, found: list[rule.Violation]) -> str:
    parts = []
    for v in found:
        reasons = []
        if v.gives_missing:
            reasons.append(
                f"it needs {v.gives_required} value posts since the previous ask and within "
                f"{v.gives_lookback_days} days before it, and has {v.gives_counted}"
            )
        if v.too_soon:
            reasons.append(
                f"it comes less than {v.min_days_between_asks} days after the previous ask"
            )
        hint = (
            f"; the earliest date that would pass is {v.earliest_allowed_at:%Y-%m-%d %H:%M} UTC"
            if v.earliest_allowed_at
            else f"; no date passes: {v.no_date_reason or 'schedule more value posts first'}"
        )
        label = f"ask {v.post_id}" if v.post_id is not None else "the new ask"
        parts.append(f"{label} at {v.at:%Y-%m-%d %H:%M} UTC: {' and '.join(reasons)}{hint}")
    return f"This change would leave asks to {audience.name} uncovered: " + "; ".join(parts) + "."


# ---------------------------------------------------------------- audiences


def resolve_policy(data: Mapping[str, Any] | None, current: Audience | None = None) -> dict:
    """Turn an API policy (a preset name or explicit numbers) into the stored columns."""
    data = dict(data or {})
    preset = data.get("preset")
    gives = data.get("gives_per_ask")
    min_days = data.get("min_days_between_asks")
    person = {}
    # Presets name a content mix (gives per ask); these keep their values through a preset.
    for column, default in (
        ("min_days_after_connect", rel.DEFAULT_MIN_DAYS_AFTER_CONNECT),
        ("touches_per_ask", rel.DEFAULT_TOUCHES_PER_ASK),
        ("touches_lookback_days", rel.DEFAULT_TOUCHES_LOOKBACK_DAYS),
        ("gives_lookback_days", rule.DEFAULT_GIVES_LOOKBACK_DAYS),
        ("record_published_within_days", DEFAULT_RECORD_PUBLISHED_WITHIN_DAYS),
    ):
        kept = getattr(current, column) if current else default
        person[column] = data[column] if data.get(column) is not None else kept
    if preset is not None:
        if preset not in rule.PRESETS:
            raise InvalidValue("policy.preset", f"Must be one of: {', '.join(rule.PRESETS)}.")
        if gives is not None and gives != rule.PRESETS[preset]:
            raise InvalidValue(
                "policy.gives_per_ask",
                f"The {preset} preset means {rule.PRESETS[preset]} gives per ask; "
                "leave gives_per_ask out or drop the preset.",
            )
        gives = rule.PRESETS[preset]
    if gives is None:
        gives = (
            current.gives_per_ask
            if current and "preset" not in data
            else rule.DEFAULT_GIVES_PER_ASK
        )
    if min_days is None:
        min_days = current.min_days_between_asks if current else rule.DEFAULT_MIN_DAYS_BETWEEN_ASKS
    return {
        "policy_preset": preset,
        "gives_per_ask": gives,
        "min_days_between_asks": min_days,
        **person,
    }


def policy_of(audience: Audience) -> rule.Policy:
    return rule.Policy(
        audience.gives_per_ask, audience.min_days_between_asks, audience.gives_lookback_days
    )


def cadence_of(audience: Audience) -> Cadence:
    return parse_cadence(audience.cadence)


def _terms(field: str, values: Iterable[str] | None) -> list[str]:
    seen: dict[str, str] = {}
    for value in values or ():
        term = " ".join(str(value).split())
        if not term:
            raise InvalidValue(field, "Terms must not be blank.")
        seen.setdefault(term.casefold(), term)
    return list(seen.values())


def list_audiences(
    session: Session, workspace_id: int, load: Sequence[ExecutableOption] = ()
) -> list[Audience]:
    """``load``: loader options, such as what else to read in the same query."""
    query = select(Audience).options(*load).where(Audience.workspace_id == workspace_id)
    return list(session.scalars(query.order_by(Audience.name)))


def get_audience(session: Session, workspace_id: int, audience_id: int) -> Audience:
    return get_owned_row(session, Audience, workspace_id, audience_id, "audience")


def find_audience(
    session: Session, workspace_id: int, ref: str | int, load: Sequence[ExecutableOption] = ()
) -> Audience:
    """An audience of the workspace by id or by name, as people type them on a command line;
    ``load`` as for ``list_audiences``."""
    text = str(ref).strip()
    query = select(Audience).options(*load).where(Audience.workspace_id == workspace_id)
    if text.isdigit():
        query = query.where(Audience.id == int(text))
    else:
        query = query.where(Audience.name == " ".join(text.split()))
    audience = session.scalar(query)
    if audience is None:
        raise NotFound(f"No audience {text!r} in this workspace.")
    return audience


def lock_audience(session: Session, workspace_id: int, audience_id: int) -> Audience:
    """Take the audience's write lock: every timeline change is judged after the last one."""
    audience = lock_owned_row(session, Audience, workspace_id, audience_id, "audience")
    audience.revision += 1
    return audience


def create_audience(
    session: Session,
    workspace_id: int,
    *,
    name: str,
    description: str = "",
    keywords: Iterable[str] = (),
    exclude_keywords: Iterable[str] = (),
    timezone: str = "UTC",
    cadence: Mapping[str, Any] | None = None,
    policy: Mapping[str, Any] | None = None,
    half_life_days: int = HALF_LIFE_DAYS,
    ranking: str = "news",
) -> Audience:
    name = " ".join(name.split())
    if not name:
        raise InvalidValue("name", "An audience needs a name.")
    audience = Audience(
        workspace_id=workspace_id,
        name=name,
        description=description,
        keywords=_terms("keywords", keywords),
        exclude_keywords=_terms("exclude_keywords", exclude_keywords),
        timezone=validate_timezone("timezone", timezone),
        cadence=parse_cadence(cadence).to_dict(),
        half_life_days=_half_life(half_life_days),
        ranking=_ranking(ranking),
        **resolve_policy(policy),
    )
    session.add(audience)
    _flush_unique_name(session, name)
    return audience


def _half_life(days: int) -> int:
    if not 1 <= days <= 365:
        raise InvalidValue("half_life_days", "Must be between 1 and 365 days.")
    return days


def _ranking(value: str) -> str:
    if value not in RANKINGS:
        raise InvalidValue(
            "ranking", "Must be news (fresh matters) or evergreen (relevance first)."
        )
    return value


def _flush_unique_name(session: Session, name: str) -> None:
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict(
            f"An audience named {name!r} already exists in this workspace.",
            errors=[{"field": "name", "message": "Already used in this workspace."}],
        ) from None


def update_audience(
    session: Session, workspace_id: int, audience_id: int, changes: Mapping[str, Any]
) -> Audience:
    audience = lock_audience(session, workspace_id, audience_id)
    if "name" in changes:
        audience.name = " ".join(str(changes["name"]).split())
        if not audience.name:
            raise InvalidValue("name", "An audience needs a name.")
    if "description" in changes:
        audience.description = changes["description"]
    for field in ("keywords", "exclude_keywords"):
        if field in changes:
            setattr(audience, field, _terms(field, changes[field]))
    if "timezone" in changes:
        audience.timezone = validate_timezone("timezone", changes["timezone"])
    if "half_life_days" in changes:
        audience.half_life_days = _half_life(changes["half_life_days"])
    if "ranking" in changes:
        audience.ranking = _ranking(changes["ranking"])
    if "cadence" in changes:
        # A cadence replaces the cadence: merging parts of two forms (a day into a week and
        # weekday, an rrule into a monthly rule) could only be refused or guessed.
        audience.cadence = parse_cadence(changes["cadence"]).to_dict()
    if "policy" in changes:
        before, person_before = policy_of(audience), people.person_policy(audience)
        for column, value in resolve_policy(changes["policy"], audience).items():
            setattr(audience, column, value)
        after, person_after = policy_of(audience), people.person_policy(audience)
        if after != before:
            _check_whole_timeline(session, audience, after)
        if person_after != person_before:
            people.guard_policy_change(session, audience, person_before, person_after)
    _flush_unique_name(session, audience.name)
    return audience


def _check_whole_timeline(session: Session, audience: Audience, policy: rule.Policy) -> None:
    """A policy edit changes every ask's cover, so the whole timeline is judged once."""
    rows = session.execute(
        _timeline(audience.id).with_only_columns(Post.scheduled_at, Post.id, Post.kind)
    )
    found = rule.violations((rule.Entry(at, pid, kind) for at, pid, kind in rows), policy)
    if found:
        raise RuleViolation(audience, found)


def delete_audience(session: Session, workspace_id: int, audience_id: int) -> None:
    audience = lock_audience(session, workspace_id, audience_id)
    session.delete(audience)
    session.flush()


# ---------------------------------------------------------------- timeline reads


# Inline, not bound: a planner may use the partial index ix_posts_timeline only when it can see
# that the query wants no other statuses than the index holds (SQLite never can through "?").
ON_TIMELINE = Post.status.in_(
    bindparam("timeline_statuses", TIMELINE_STATUSES, expanding=True, literal_execute=True)
)


def _timeline(audience_id: Any, *time_bounds: ColumnElement[bool]) -> Select:
    """An audience's posts on the rule's timeline, within ``time_bounds`` if any.

    A bound on the time already leaves out unscheduled posts; saying IS NOT NULL beside one
    gives SQLite a second lower bound, and it may range the index from that one (every post of
    the audience since the first) rather than from the bound that matters.
    """
    return select(Post).where(
        Post.audience_id == audience_id,
        ON_TIMELINE,
        *(time_bounds or [Post.scheduled_at.is_not(None)]),
    )


class SqlTimeline:
    """The rule's :class:`~schedules.rule.TimelineSource` as indexed, LIMIT-bounded queries.

    A check runs up to a dozen of them while the audience is locked, and building a statement
    costs more than running it, so each shape is built once (:func:`_neighbours`) and run on
    the session's connection without the ORM, which has nothing to add to two columns.
    """

    def __init__(self, session: Session, audience_id: int) -> None:
        self.session = session
        self.audience_id = audience_id

    def _run(self, query: Select, exclude_id: int | None, **bounds: Any) -> Any:
        # ids start at 1, so 0 leaves nothing out (a bound NULL would leave everything out)
        params = {"audience_id": self.audience_id, "exclude_id": exclude_id or 0, **bounds}
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

    @staticmethod
    def _entries(rows: Any, kind: str) -> list[rule.Entry]:
        return [rule.Entry(at, post_id, kind) for at, post_id in rows]  # type: ignore[arg-type]


@functools.cache
def _neighbours(
    kind: str, shape: str = "all", *, before: bool = False, after: bool = False, until: bool = False
) -> Select:
    """An audience's timeline posts of one kind but one, within the bounds named: the "all",
    the "first" or "last" ``limit`` (time, id) by time, or the "min" or "max" time. Every value
    is a bound parameter, so each shape is built once."""
    bounds = [
        *([Post.scheduled_at < bindparam("before")] if before else []),
        *([Post.scheduled_at > bindparam("after")] if after else []),
        *([Post.scheduled_at <= bindparam("until")] if until else []),
    ]
    query = (
        _timeline(bindparam("audience_id"), *bounds)
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


def ratio(session: Session, audience: Audience, now: dt.datetime | None = None) -> rule.Ratio:
    """What the rep needs now: the next ask's cover, and the first date a new ask would pass.

    A new ask is placed from now on: first between the last ask and the next one (leaving the
    next one covered), else after the last ask on the calendar. Every read is bounded by the
    policy, as in a check.
    """
    policy = policy_of(audience)
    now = (now or utcnow()).replace(second=0, microsecond=0)
    source = SqlTimeline(session, audience.id)
    k = policy.gives_per_ask
    prev = source.last_ask_before(now, 0)
    next_at = source.first_ask_after(now, 0)
    next_ask = None
    fresh_from = max(t for t in (prev, now - policy.lookback) if t is not None)
    if next_at is not None:
        ask = source.asks_between(now, next_at, 0)[0]
        covering = source.last_gives_between(prev, next_at, k, 0)
        counted = rule.counted_gives([g.at for g in covering], prev, next_at, policy)
        next_ask = rule.NextAsk(ask.post_id, ask.at, counted, k)
        gives = source.first_gives_between(fresh_from, next_at, k, 0) + covering
        earliest, reason = rule.earliest_between(
            prev, next_at, sorted({g.at for g in gives}), policy, now
        )
        if earliest is not None:
            count = _fresh_gives(session, audience.id, fresh_from, next_at)
            return rule.Ratio(prev, count, k, max(0, k - count), earliest,
                              policy.gives_lookback_days, next_ask)  # fmt: skip
        prev = session.scalar(
            _timeline(audience.id).where(Post.kind == "ask")
            .with_only_columns(func.max(Post.scheduled_at))
        )  # fmt: skip
        fresh_from = max(t for t in (prev, now - policy.lookback) if t is not None)
    # After the last ask: try a few windows of gives, since old ones fade out of the lookback.
    gives = source.first_gives_between(fresh_from, None, 4 * k, 0)
    earliest, reason = rule.earliest_between(prev, None, [g.at for g in gives], policy, now)
    count = _fresh_gives(session, audience.id, fresh_from, None)
    needed = max(0 if earliest else 1, k - count)
    return rule.Ratio(prev, count, k, needed, earliest, policy.gives_lookback_days, next_ask,
                      None if earliest else reason)  # fmt: skip


def overdue_posts(
    session: Session, audience_id: int, now: dt.datetime | None = None, limit: int = 5
) -> list[Post]:
    """Scheduled posts whose time has passed unmarked, oldest first: mark published or move."""
    query = (
        select(Post)
        .where(Post.audience_id == audience_id, posts.overdue_clause(now or utcnow()))
        .order_by(Post.scheduled_at, Post.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def _fresh_gives(
    session: Session, audience_id: int, after: dt.datetime, before: dt.datetime | None
) -> int:
    bounds = [Post.scheduled_at > after, *([Post.scheduled_at < before] if before else [])]
    query = _timeline(audience_id, *bounds).where(Post.kind == "give")
    return session.scalar(query.with_only_columns(func.count())) or 0


# ---------------------------------------------------------------- posts


def parse_when(field: str, value: str | dt.datetime | None, timezone: str) -> dt.datetime | None:
    """ISO 8601 (or anything dateutil reads) to aware UTC; no offset means the audience's clock."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        parsed = value
    else:
        try:
            parsed = date_parser.isoparse(value)
        except (ValueError, OverflowError):
            try:
                parsed = date_parser.parse(value)
            except (ValueError, OverflowError):
                raise InvalidValue(field, f"Not a date and time: {value!r}.") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(timezone))
    try:
        return parsed.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        raise InvalidValue(field, f"Out of range: {value!r}.") from None


def get_post(session: Session, workspace_id: int, post_id: int) -> Post:
    post = session.scalar(
        select(Post).join(Audience).where(Post.id == post_id, Audience.workspace_id == workspace_id)
    )
    if post is None:
        raise NotFound(f"No post {post_id} in this workspace.")
    return post


def list_posts(
    session: Session,
    workspace_id: int,
    audience_id: int,
    *,
    start: str | dt.datetime | None = None,
    end: str | dt.datetime | None = None,
    kind: str | None = None,
    status: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[Post], int]:
    """A page of the audience's posts and how many match in all.

    ``start`` and ``end`` are read as :func:`parse_when` reads them (naive means the
    audience's clock), so callers need not load the audience first just for its zone.
    """
    audience = get_audience(session, workspace_id, audience_id)
    start = parse_when("from", start, audience.timezone)
    end = parse_when("to", end, audience.timezone)
    query = select(Post).where(Post.audience_id == audience_id)
    if start is not None:
        query = query.where(Post.scheduled_at >= start)
    if end is not None:
        query = query.where(Post.scheduled_at < end)
    if kind is not None:
        query = query.where(Post.kind == kind)
    if status is not None:
        query = query.where(Post.status == status)
    page = list(
        session.scalars(
            query.order_by(Post.scheduled_at.is_(None), Post.scheduled_at, Post.id)
            .limit(limit)
            .offset(offset)
        )
    )
    for post in page:
        # Known already: answers show each post's local time, and a lazy load per post
        # (even one served from the identity map) was a large share of a listing's time.
        set_committed_value(post, "audience", audience)
    if 0 < len(page) < limit or (not page and not offset):
        # A short page is the last one, so it tells the total without counting again.
        return page, offset + len(page)
    return page, session.scalar(query.with_only_columns(func.count())) or 0


def _entry(post: Post) -> rule.Entry | None:
    if not post.on_timeline:
        return None
    return rule.Entry(post.scheduled_at, post.id, post.kind)  # type: ignore[arg-type]


def _validate_post(post: Post) -> None:
    if post.kind not in POST_TYPES:
        raise InvalidValue("kind", "Must be give or ask.")
    if post.type not in POST_TYPES[post.kind]:
        raise InvalidValue(
            "type", f"A {post.kind} post's type is one of: {', '.join(POST_TYPES[post.kind])}."
        )
    if post.status not in STATUSES:
        raise InvalidValue("status", f"Must be one of: {', '.join(STATUSES)}.")
    if post.status in TIMELINE_STATUSES and post.scheduled_at is None:
        raise InvalidValue("scheduled_at", f"A {post.status} post needs a date and time.")
    if not post.title.strip():
        raise InvalidValue("title", "A post needs a title.")


# A form takes a while to fill in: "now" typed in it is still now when it arrives.
SCHEDULE_GRACE = dt.timedelta(minutes=5)


def check_dates(audience: Audience, post: Post, now: dt.datetime | None = None) -> None:
    """``scheduled`` means still to come, and the past is recorded as ``published``, recently.

    A back-dated give would otherwise buy an ask today; call when a post's time or status
    changes (posts already stored keep their dates and show as overdue).
    """
    if post.scheduled_at is None or post.status not in TIMELINE_STATUSES:
        return
    now = now or utcnow()
    if post.status == "scheduled" and post.scheduled_at < now - SCHEDULE_GRACE:
        raise InvalidValue(
            "scheduled_at",
            f"A scheduled post must be in the future, and {post.scheduled_at:%Y-%m-%d %H:%M} "
            "UTC has passed; record a post already shared as published, or choose a later time.",
        )
    days = audience.record_published_within_days
    if post.status == "published" and post.scheduled_at < now - dt.timedelta(days=days):
        raise InvalidValue(
            "scheduled_at",
            f"A published post may be recorded up to {days} days after it was shared "
            f"(policy.record_published_within_days), and {post.scheduled_at:%Y-%m-%d} is older; "
            "old posts would buy asks today.",
        )


def timeline_violations(
    session: Session, audience: Audience, before: rule.Entry | None, post: Post
) -> list[rule.Violation]:
    """What the audience rule says of a change; call before anything is flushed."""
    after = _entry(post)
    if before == after:
        return []
    return rule.check_change(
        SqlTimeline(session, audience.id), policy_of(audience), before, after, _plan_from()
    )


def _plan_from() -> dt.datetime:
    """Advice is for a calendar planned forward: no earliest date before this minute."""
    return utcnow().replace(second=0, microsecond=0) + dt.timedelta(minutes=1)


def _guard(session: Session, audience: Audience, before: rule.Entry | None, post: Post) -> None:
    """Refuse the change unless every ask stays covered; call before anything is flushed."""
    found = timeline_violations(session, audience, before, post)
    if found:
        raise RuleViolation(audience, found)


def create_post(
    session: Session, workspace_id: int, audience_id: int, fields: Mapping[str, Any]
) -> Post:
    audience = lock_audience(session, workspace_id, audience_id)
    post = build_post(audience, from_article(session, workspace_id, fields))
    check_dates(audience, post)
    # Judge the change with autoflush off: the new row must not be read back as "already there".
    with session.no_autoflush:
        _guard(session, audience, None, post)
    session.add(post)
    session.flush()
    return post


def from_article(
    session: Session, workspace_id: int, fields: Mapping[str, Any]
) -> Mapping[str, Any]:
    """A post's fields completed from the article it shares: title, link and a plain-text
    summary, each only where the rep gave none, so the rep's own words always win."""
    article_id = fields.get("article_id")
    if article_id is None:
        return fields
    article = _article(session, workspace_id, article_id)
    filled = dict(fields)
    heading = article.title or article.canonical_url or ""
    filled["title"] = fields.get("title") or _clip(heading, POST_TITLE_MAX)
    filled["url"] = fields.get("url") or article.canonical_url
    filled["body"] = fields.get("body") or _clip(article.summary_text, POST_SUMMARY_MAX)
    if not fields.get("type") and fields.get("kind") == "give":
        filled["type"] = "shared_article"
    return filled


def _article(session: Session, workspace_id: int, article_id: int) -> Article:
    article = session.get(Article, article_id)
    if article is None or article.workspace_id != workspace_id:
        raise InvalidValue("article_id", f"No article {article_id} in this workspace.")
    return article


def _clip(text: str, limit: int) -> str:
    """At most ``limit`` characters, cut at a word boundary with an ellipsis."""
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:.") + "…"


def build_post(audience: Audience, fields: Mapping[str, Any]) -> Post:
    """A validated post of the audience, not yet added to the session."""
    data = dict(fields)
    post = Post(
        # The object, not just its id: answering with the post reads its audience's time zone,
        # and after the commit the id alone would mean a second write transaction to load it.
        audience=audience,
        kind=data.get("kind"),
        type=data.get("type") or "other",
        title=data.get("title") or "",
        body=data.get("body") or "",
        url=data.get("url"),
        article_id=data.get("article_id"),
        status=data.get("status") or ("scheduled" if data.get("scheduled_at") else "draft"),
        scheduled_at=parse_when("scheduled_at", data.get("scheduled_at"), audience.timezone),
    )
    _validate_post(post)
    return post


def update_post(
    session: Session, workspace_id: int, post_id: int, changes: Mapping[str, Any]
) -> Post:
    post = get_post(session, workspace_id, post_id)
    audience = lock_audience(session, workspace_id, post.audience_id)
    session.refresh(post)
    before = _entry(post)
    old_text = {field: getattr(post, field) for field in TEXT_FIELDS}
    old_when, old_status = post.scheduled_at, post.status
    with session.no_autoflush:
        for field in ("kind", "type", "title", "body", "url", "status"):
            if field in changes:
                setattr(post, field, changes[field] if field != "body" else changes[field] or "")
        if (
            "kind" in changes
            and "type" not in changes
            and post.type not in POST_TYPES.get(post.kind, ())
        ):
            post.type = "other"
        if "article_id" in changes:
            # Relinking keeps the rep's text; only a new post is filled from its article.
            if changes["article_id"] is not None:
                _article(session, workspace_id, changes["article_id"])
            post.article_id = changes["article_id"]
        if "scheduled_at" in changes:
            post.scheduled_at = parse_when(
                "scheduled_at", changes["scheduled_at"], audience.timezone
            )
        try:
            _validate_post(post)
            if post.scheduled_at != old_when or post.status != old_status:
                check_dates(audience, post)
            if post.contact_id is None:
                _guard(session, audience, before, post)
            else:
                guard_direct_ask(session, workspace_id, audience, post, before)
        except DomainError:
            session.expire(post)
            raise
    moved = post.scheduled_at != old_when
    retexted = any(getattr(post, f) != v for f, v in old_text.items())
    if moved or retexted or (post.status != old_status and post.status == "cancelled"):
        post.sequence += 1
    post.updated_at = utcnow()
    session.flush()
    return post


def guard_direct_ask(
    session: Session, workspace_id: int, audience: Audience, post: Post, before: rule.Entry | None
) -> None:
    """A one-to-one ask changed here must pass the person's guard and the audience rule.

    When both refuse, one answer carries both explanations, as when the ask was first made.
    """
    if post.kind != "ask":
        raise InvalidValue("kind", "A one-to-one ask stays an ask; cancel it instead.")
    after = _entry(post)
    if before == after:
        return
    found = timeline_violations(session, audience, before, post)
    people.guard_ask_change(
        session,
        workspace_id,
        post,
        rel.Ask(before.at, post.id) if before else None,
        rel.Ask(after.at, post.id) if after else None,
        RuleViolation(audience, found) if found else None,
    )
    if found:
        raise RuleViolation(audience, found)


def delete_post(session: Session, workspace_id: int, post_id: int) -> None:
    post = get_post(session, workspace_id, post_id)
    audience = lock_audience(session, workspace_id, post.audience_id)
    session.refresh(post)
    before = _entry(post)
    if before is not None:
        found = rule.check_change(
            SqlTimeline(session, audience.id), policy_of(audience), before, None, _plan_from()
        )
        if found:
            raise RuleViolation(audience, found)
    session.delete(post)
    session.flush()


# ---------------------------------------------------------------- slots


def slots(
    session: Session, audience: Audience, start: dt.datetime, end: dt.datetime
) -> list[tuple[dt.datetime, Post | None]]:
    """The cadence's slots in ``[start, end)``, each with the give that fills it, if any."""
    if end <= start:
        raise InvalidValue("to", "Must be after from.")
    if end - start > MAX_SLOT_RANGE:
        raise InvalidValue("to", "Ask for at most five years of slots at once.")
    cadence = cadence_of(audience)
    try:
        found = slots_between(cadence, audience.timezone, start, end)
        periods = [slot_period(cadence, audience.timezone, slot) for slot in found]
    except OverflowError:  # a period or the next slot would fall outside years 1 to 9999
        field = "from" if start.year <= 1 else "to"
        raise InvalidValue(field, "Too close to the calendar's limits (years 1 to 9999).") from None
    if not found:
        return []
    gives = list(
        session.scalars(
            _timeline(
                audience.id,
                Post.scheduled_at >= periods[0][0],
                Post.scheduled_at < periods[-1][1],
            )
            .where(Post.kind == "give")
            .order_by(Post.scheduled_at, Post.id)
        )
    )
    filled: list[tuple[dt.datetime, Post | None]] = []
    used: set[int] = set()
    for slot, (begin, finish) in zip(found, periods, strict=True):
        post = next(
            (g for g in gives if g.id not in used and begin <= g.scheduled_at < finish), None
        )
        if post is not None:
            used.add(post.id)
        filled.append((slot, post))
    return filled


def local_iso(at: dt.datetime, timezone: str) -> str:
    return at.astimezone(ZoneInfo(timezone)).isoformat()
