"""An audience's cadence slots over a range, each with the rep's give that fills it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from core.errors import InvalidValue
from schedules.cadence import slots_with_periods
from schedules.models import Audience, Post
from schedules.policy import cadence_of
from schedules.timeline_db import timeline
from schedules.times import check_order

MAX_SLOT_RANGE = dt.timedelta(days=366 * 5)
# How far "the next open slot" looks ahead: a year and a day, so a yearly cadence has one.
SLOT_HORIZON = dt.timedelta(days=366)


def slots(
    session: Session,
    audience: Audience,
    owner_id: int | None,
    start: dt.datetime,
    end: dt.datetime,
) -> list[tuple[dt.datetime, Post | None]]:
    """The cadence's slots in ``[start, end)``, each with the rep's give that fills it, if
    any; ``owner_id`` None: any rep's (the team's calendar)."""
    check_order(start, end)
    if end - start > MAX_SLOT_RANGE:
        raise InvalidValue("to", "Ask for at most five years of slots at once.")
    found = slots_with_periods(cadence_of(audience), audience.timezone, start, end)
    if not found:
        return []
    gives = list(
        session.scalars(
            timeline(
                audience.id,
                owner_id,
                Post.scheduled_at >= found[0][1][0],
                Post.scheduled_at < found[-1][1][1],
            )
            .where(Post.kind == "give")
            .order_by(Post.scheduled_at, Post.id)
        )
    )
    filled: list[tuple[dt.datetime, Post | None]] = []
    used: set[int] = set()
    for slot, (begin, finish) in found:
        post = next(
            (g for g in gives if g.id not in used and begin <= g.scheduled_at < finish), None
        )
        if post is not None:
            used.add(post.id)
        filled.append((slot, post))
    return filled


def next_open_slot(
    session: Session, audience: Audience, owner_id: int, now: dt.datetime
) -> dt.datetime | None:
    """The rep's first cadence slot from ``now`` on that no give fills, within a year."""
    found = slots(session, audience, owner_id, now, now + SLOT_HORIZON)
    return next((slot for slot, post in found if post is None), None)
