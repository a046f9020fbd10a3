"""Posts: plain values and a Session in, ORM objects out; flush, never commit.

Every change that can alter a timeline first locks its audience row, then asks the pure rule
about the neighbourhood of the change on the owner's timeline (``timeline_db``), so concurrent
writers are judged one after another.

A post belongs to one rep. ``owner_id`` arguments scope a lookup to that rep's posts (another
rep's ids look missing); None means any rep of the workspace, as an admin sees them.
"""

from __future__ import annotations

import datetime as dt
from collections import namedtuple
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from core import accounts_db
from core.db import utcnow
from core.errors import DomainError, InvalidValue, NotFound
from core.models import User
from core.text import visible, with_article
from feeds.models import Article
from feeds.titles import fallback_title
from schedules import handover, posts, refusals_db, rule
from schedules.audiences_db import get_audience, lock_audience
from schedules.contacts import people_db
from schedules.contacts import relationship as rel
from schedules.models import POST_TITLE_MAX, POST_TYPES, STATUSES, TIMELINE_STATUSES, Audience, Post
from schedules.policy import check_recorded_in_time, policy_of
from schedules.refusals import RelationshipViolation, RuleViolation
from schedules.timeline_db import (
    SqlTimeline,
    entry_of,
    guard_change,
    plan_from,
    timeline_violations,
)
from schedules.times import parse_range, parse_stored, when

POST_SUMMARY_MAX = 600
TEXT_FIELDS = ("title", "body", "url")


def get_post(
    session: Session, workspace_id: int, post_id: int, owner_id: int | None = None
) -> Post:
    query = (
        select(Post).join(Audience).where(Post.id == post_id, Audience.workspace_id == workspace_id)
    )
    if owner_id is not None:
        query = query.where(Post.owner_id == owner_id)
    post = session.scalar(query)
    if post is None:
        raise NotFound(f"No post {post_id} in this workspace.")
    return post


# A post's columns as plain values, and its audience: what an answer writes out of a post.
PostRow = namedtuple("PostRow", [*Post.__table__.c.keys(), "audience"])  # type: ignore[misc]


def list_posts(
    session: Session,
    workspace_id: int,
    audience_id: int,
    *,
    start: str | dt.datetime | None = None,
    end: str | dt.datetime | None = None,
    kind: str | None = None,
    status: str | None = None,
    owner_id: int | None = None,
    limit: int = 100,
    offset: int = 0,
    plain: bool = False,
) -> tuple[list[Any], int]:
    """A page of the audience's posts (one rep's, or the team's for None) and how many match.

    ``start`` and ``end`` are read as :func:`parse_when` reads them (naive means the
    audience's clock), so callers need not load the audience first just for its zone.
    ``plain``: each post as a :data:`PostRow`, not an ORM object, for a caller that only
    writes them out: an object per post (its identity-map entry, its instrumented state) cost
    a listing more than its query did.
    """
    audience = get_audience(session, workspace_id, audience_id)
    start, end = parse_range(start, end, audience.timezone)
    query = posts.mine_within(
        select(Post).where(Post.audience_id == audience_id), owner_id, start, end
    )
    if kind is not None:
        query = query.where(Post.kind == kind)
    if status is not None:
        query = query.where(Post.status == status)
    paged = (
        query.order_by(Post.scheduled_at.is_(None), Post.scheduled_at, Post.id)
        .limit(limit)
        .offset(offset)
    )
    if plain:
        # On the connection: the ORM's result processing has nothing to add to columns.
        rows = session.connection().execute(paged.with_only_columns(*Post.__table__.c))
        page: list[Any] = [PostRow(*row, audience) for row in rows]
    else:
        page = list(session.scalars(paged))
        for post in page:
            # Known already: answers show each post's local time, and a lazy load per post
            # (even one served from the identity map) was a large share of a listing's time.
            set_committed_value(post, "audience", audience)
    if 0 < len(page) < limit or (not page and not offset):
        # A short page is the last one, so it tells the total without counting again.
        return page, offset + len(page)
    return page, session.scalar(query.with_only_columns(func.count())) or 0


def _validate_post(post: Post) -> None:
    if post.kind not in POST_TYPES:
        raise InvalidValue("kind", "Must be give or ask.")
    if post.type not in POST_TYPES[post.kind]:
        raise InvalidValue(
            "type",
            f"{with_article(post.kind).capitalize()} post's type is one of: "
            f"{', '.join(POST_TYPES[post.kind])}.",
        )
    if post.status not in STATUSES:
        raise InvalidValue("status", f"Must be one of: {', '.join(STATUSES)}.")
    if post.status in TIMELINE_STATUSES and post.scheduled_at is None:
        needs = f"{with_article(post.status).capitalize()} post needs a date and time."
        raise InvalidValue("scheduled_at", needs)
    if not visible(post.title):
        raise InvalidValue("title", "A post needs a title.")


# A form takes a while to fill in: "now" typed in it is still now when it arrives.
SCHEDULE_GRACE = dt.timedelta(minutes=5)


def check_dates(audience: Audience, post: Post, now: dt.datetime | None = None) -> None:
    """``scheduled`` means still to come, and ``published`` records the past, recently.

    A back-dated give would otherwise buy an ask today; call when a post's time or status
    changes (posts already stored keep their dates and show as overdue).
    """
    if post.scheduled_at is None or post.status not in TIMELINE_STATUSES:
        return
    now = now or utcnow()
    # On the audience's clock, the one the form's date and time are typed in.
    at = f"{when(post.scheduled_at, audience.timezone, now.date())} ({audience.timezone})"
    if post.status == "scheduled" and post.scheduled_at < now - SCHEDULE_GRACE:
        raise InvalidValue(
            "scheduled_at",
            f"A scheduled post must be in the future, and {at} has passed; record a post "
            "already shared as published, or choose a later time.",
        )
    if post.status == "published" and post.scheduled_at > now + SCHEDULE_GRACE:
        raise InvalidValue(
            "scheduled_at",
            f"A published post has gone out, and {at} is still to come; schedule it for then, "
            "or give the time it was shared.",
        )
    if post.status == "published":
        check_recorded_in_time(
            "scheduled_at", audience, post.scheduled_at, now, "published posts", "This audience"
        )


def create_post(
    session: Session,
    workspace_id: int,
    audience_id: int,
    fields: Mapping[str, Any],
    owner_id: int,
) -> Post:
    """A post on ``owner_id``'s calendar for the audience, judged on that rep's timeline."""
    owner = accounts_db.member(session, workspace_id, owner_id)
    audience = lock_audience(session, workspace_id, audience_id)
    post = build_post(audience, from_article(session, workspace_id, fields), owner_id)
    # Held by the post, the rep stays in the session's identity map (it holds objects only
    # weakly), so the outbox's event names them without reading them again.
    set_committed_value(post, "owner", owner)
    check_dates(audience, post)
    # Judge the change with autoflush off: the new row must not be read back as "already there".
    with session.no_autoflush:
        guard_change(session, audience, None, post)
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
    heading = article.title or fallback_title(article.summary_text, article.canonical_url)
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


def build_post(audience: Audience, fields: Mapping[str, Any], owner_id: int) -> Post:
    """A validated post of the audience on a rep's calendar, not yet added to the session."""
    data = dict(fields)
    post = Post(
        # The object, not just its id: answering with the post reads its audience's time zone,
        # and after the commit the id alone would mean a second write transaction to load it.
        audience=audience,
        owner_id=owner_id,
        kind=data.get("kind"),
        type=data.get("type") or "other",
        title=data.get("title") or "",
        body=data.get("body") or "",
        url=data.get("url"),
        article_id=data.get("article_id"),
        status=data.get("status") or ("scheduled" if data.get("scheduled_at") else "draft"),
        scheduled_at=parse_stored("scheduled_at", data.get("scheduled_at"), audience.timezone),
    )
    _validate_post(post)
    return post


def update_post(
    session: Session,
    workspace_id: int,
    post_id: int,
    changes: Mapping[str, Any],
    owner_id: int | None = None,
) -> Post:
    """Change a post; ``changes["owner_id"]`` reassigns it to another rep's calendar, judged
    by the rule on both reps' timelines."""
    post = get_post(session, workspace_id, post_id, owner_id)
    audience = lock_audience(session, workspace_id, post.audience_id)
    session.refresh(post)
    before, before_owner = entry_of(post), post.owner_id
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
            post.scheduled_at = parse_stored(
                "scheduled_at", changes["scheduled_at"], audience.timezone
            )
        advice = None
        if changes.get("owner_id", before_owner) != before_owner:
            _reassign(session, workspace_id, post, changes["owner_id"])
            giver = session.get(User, before_owner)
            advice = handover.reassign_advice(
                giver.email, before_owner, post.owner_id, audience.name, audience.id
            )
        try:
            _validate_post(post)
            if post.scheduled_at != old_when or post.status != old_status:
                check_dates(audience, post)
            if post.contact_id is None:
                guard_change(session, audience, before, post, before_owner, advice)
            else:
                guard_direct_ask(session, workspace_id, audience, post, before)
            people_db.follow_post(
                session, workspace_id, post.id, _shift(post, old_when, old_status)
            )
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


def _shift(post: Post, old_when: dt.datetime | None, old_status: str) -> dt.timedelta | None:
    """How far the touches linked to the post move with it; None: they go, as it is cancelled."""
    if post.status == "cancelled" and old_status != "cancelled":
        return None
    if post.scheduled_at is None or old_when is None:
        return dt.timedelta(0)
    return post.scheduled_at - old_when


def _reassign(session: Session, workspace_id: int, post: Post, owner_id: int) -> None:
    if post.contact_id is not None:
        raise InvalidValue(
            "owner_id",
            "A one-to-one ask stays with the rep who knows the person; reassign the contact.",
        )
    accounts_db.member(session, workspace_id, owner_id)
    post.owner_id = owner_id


def guard_direct_ask(
    session: Session, workspace_id: int, audience: Audience, post: Post, before: rule.Entry | None
) -> None:
    """A one-to-one ask changed here must pass the person's guard and the audience rule.

    When both refuse, one answer carries both explanations, as when the ask was first made.
    """
    if post.kind != "ask":
        raise InvalidValue("kind", "A one-to-one ask stays an ask; cancel it instead.")
    after = entry_of(post)
    if before == after:
        return
    found = timeline_violations(session, audience, before, post)
    try:
        people_db.guard_ask_change(
            session,
            workspace_id,
            post,
            rel.Ask(before.at, post.id) if before else None,
            rel.Ask(after.at, post.id) if after else None,
            RuleViolation(audience, found) if found else None,
        )
        if found:
            raise RuleViolation(audience, found)
    except (RuleViolation, RelationshipViolation) as error:
        refusals_db.note(session, audience, post, error)
        raise


def delete_post(
    session: Session, workspace_id: int, post_id: int, owner_id: int | None = None
) -> None:
    post = get_post(session, workspace_id, post_id, owner_id)
    audience = lock_audience(session, workspace_id, post.audience_id)
    session.refresh(post)
    before = entry_of(post)
    if before is not None:
        source = SqlTimeline(session, audience.id, post.owner_id)
        found = rule.check_change(source, policy_of(audience), before, None, plan_from())
        if found:
            raise RuleViolation(audience, found)
    # Removed, not left behind: the foreign key would keep them as unlinked touches that count.
    people_db.follow_post(session, workspace_id, post.id, None)
    session.delete(post)
    session.flush()


def overdue_posts(
    session: Session,
    audience_id: int,
    owner_id: int | None,
    now: dt.datetime | None = None,
    limit: int = 5,
) -> list[Post]:
    """A rep's (None: the team's) scheduled posts whose time has passed unmarked, oldest
    first: mark published or move."""
    owned = [] if owner_id is None else [Post.owner_id == owner_id]
    query = (
        select(Post)
        .where(Post.audience_id == audience_id, *owned, posts.overdue_clause(now or utcnow()))
        .order_by(Post.scheduled_at, Post.id)
        .limit(limit)
    )
    return list(session.scalars(query))
