"""Records of refused asks: a coaching signal for the rep's manager (the team view).

A refused change writes nothing, so its record cannot share its transaction. The guards note
each refused ask on the session (:func:`noting`); the delivery layer takes the notes once the
change has rolled back (:func:`take_noted`) and writes them in a transaction of their own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from schedules.models import AskRefusal, Audience, Post
from schedules.refusals import RefusedAsk, RelationshipViolation, RuleViolation

NOTED = "planner_refused_asks"
Refusal = RuleViolation | RelationshipViolation


@contextmanager
def noting(session: Session, audience: Audience, post: Post) -> Iterator[None]:
    """Note a refusal of ``post`` (the new or changed post) when it is an ask; gives refused
    are not asks, and a refusal already noted by an inner guard is noted once."""
    try:
        yield
    except (RuleViolation, RelationshipViolation) as error:
        if post.kind == "ask" and error.ask is None:
            error.ask = RefusedAsk(
                audience.workspace_id,
                audience.id,
                post.owner_id,
                post.contact_id,
                post.id,
                post.type,
                post.scheduled_at,
            )
            session.info.setdefault(NOTED, []).append(error)
        raise


def take_noted(session: Session) -> list[Refusal]:
    """The refusals noted on the session since the last call, oldest first."""
    return session.info.pop(NOTED, [])


def record(session: Session, refusal: Refusal) -> AskRefusal:
    """Write the record of a noted refusal (a plain insert); flush, never commit."""
    ask = refusal.ask
    assert ask is not None, "only a noted refusal has an ask to record"
    row = AskRefusal(
        workspace_id=ask.workspace_id,
        audience_id=ask.audience_id,
        owner_id=ask.owner_id,
        contact_id=ask.contact_id,
        post_id=ask.post_id,
        rule=refusal.rule,
        type=ask.type,
        scheduled_at=ask.scheduled_at,
        detail=refusal.detail,
    )
    session.add(row)
    session.flush()
    return row
