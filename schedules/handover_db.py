"""Handing a rep's plans to a colleague at once, as when the rep leaves: their drafts and
scheduled posts, judged by the rule as one change on both reps' timelines; flush, never commit.

What already went out (published) is the rep's history and stays theirs, as do cancelled posts
and one-to-one asks, which stay with the rep who knows the person (hand the contact over).
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import accounts_db
from core.db import utcnow
from core.errors import InvalidValue
from core.models import User
from schedules import handover, rule
from schedules.audiences_db import lock_audience, named_audience
from schedules.models import Audience, Contact, Post
from schedules.policy import policy_of
from schedules.refusals import RuleViolation
from schedules.timeline_db import plan_from, whole_timelines

HANDED_OVER = ("draft", "scheduled")


def hand_over(
    session: Session,
    workspace_id: int,
    from_id: int,
    to_id: int,
    audience_id: int | None = None,
) -> list[Post]:
    """Give ``from_id``'s drafts and scheduled posts (on one audience, or every one) to
    ``to_id``, an active member: all of them or, when the rule refuses the result on either
    rep's timeline, none (a RuleViolation saying the way round). Gives and asks move
    together, so an ask keeps the value posts it stands on.

    Asks refused here are nobody's attempt: no refusal is noted for the team view."""
    giver = accounts_db.get_user(session, workspace_id, from_id)
    if to_id == giver.id:
        raise InvalidValue("to", f"The posts would stay with {giver.email}; name another rep.")
    taker = accounts_db.member(session, workspace_id, to_id, "to")
    named_audience(session, workspace_id, audience_id)
    movable = _movable(giver.id, audience_id)
    audience_ids = sorted(set(session.scalars(movable.with_only_columns(Post.audience_id))))
    moved: list[Post] = []
    # Locked in id order, so two handovers never wait on each other's audiences.
    for locked_id in audience_ids:
        audience = lock_audience(session, workspace_id, locked_id)
        posts = list(
            session.scalars(
                movable.where(Post.audience_id == locked_id)
                .order_by(Post.scheduled_at.is_(None), Post.scheduled_at, Post.id)
                .execution_options(populate_existing=True)
            )
        )
        _judge(session, audience, giver, taker, {post.id for post in posts})
        now = utcnow()
        for post in posts:
            post.owner_id = taker.id
            post.updated_at = now
        moved += posts
    session.flush()
    return moved


def _movable(owner_id: int, audience_id: int | None):
    query = select(Post).where(
        Post.owner_id == owner_id, Post.status.in_(HANDED_OVER), Post.contact_id.is_(None)
    )
    return query if audience_id is None else query.where(Post.audience_id == audience_id)


def _judge(
    session: Session, audience: Audience, giver: User, taker: User, moving: set[int]
) -> None:
    """Refuse the handover if it leaves an ask uncovered on either timeline that was covered
    before (an ask stored uncovered before the rules is not this change's doing)."""
    before = whole_timelines(session, audience.id, (giver.id, taker.id))
    gives_up = before.get(giver.id, [])
    after = {
        giver.id: [e for e in gives_up if e.post_id not in moving],
        taker.id: before.get(taker.id, []) + [e for e in gives_up if e.post_id in moving],
    }
    policy, start = policy_of(audience), plan_from()
    found: dict[int, list[rule.Violation]] = {}
    for owner_id, entries in after.items():
        stood = {v.post_id for v in rule.violations(before.get(owner_id, []), policy)}
        broken = rule.violations(entries, policy, not_before=start)
        found[owner_id] = [v for v in broken if v.post_id not in stood or v.post_id in moving]
    if not any(found.values()):
        return
    staying = [session.get(Post, v.post_id) for v in found[giver.id]]
    advice = handover.handover_advice(
        giver.email,
        taker.email,
        taker_refuses=bool(found[taker.id]),
        one_to_one=any(p.contact_id is not None for p in staying),
        stays=any(p.contact_id is None for p in staying),
    )
    violations = sorted(found[giver.id] + found[taker.id], key=lambda v: v.at)
    raise RuleViolation(audience, violations, advice)


def holdings(session: Session, user: User) -> handover.Holdings:
    """What ``user`` still owns that needs someone: drafts and scheduled posts (one-to-one
    asks among them) and contacts."""
    rows = session.execute(
        select(Post.status, Post.contact_id.is_not(None), func.count())
        .where(Post.owner_id == user.id, Post.status.in_(HANDED_OVER))
        .group_by(Post.status, Post.contact_id.is_not(None))
    )
    counts = {(status, one_to_one): n for status, one_to_one, n in rows}
    contacts = select(func.count()).select_from(Contact).where(Contact.owner_id == user.id)
    return handover.Holdings(
        user_id=user.id,
        email=user.email,
        scheduled_posts=sum(n for (status, _), n in counts.items() if status == "scheduled"),
        draft_posts=sum(n for (status, _), n in counts.items() if status == "draft"),
        one_to_one_asks=sum(n for (_, one_to_one), n in counts.items() if one_to_one),
        contacts=session.scalar(contacts) or 0,
    )
