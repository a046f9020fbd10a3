"""Records of refused asks: a coaching signal for the rep's manager (the team view).

A refused change writes nothing, so its record cannot share its transaction. The guards note
each refused ask on the session (:func:`note`); the delivery layer takes the notes once the
change has rolled back (:func:`take_noted`) and writes them in a transaction of their own.
Only the rep's own attempts are recorded: the record says whose ask it was, not who tried.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from schedules.models import AskRefusal, Audience, Post
from schedules.refusals import RefusedAsk, RelationshipViolation, RuleViolation

NOTED = "planner_refused_asks"
Refusal = RuleViolation | RelationshipViolation


def note(session: Session, audience: Audience, post: Post, error: Refusal) -> None:
    """Note ``error``, a refusal of ``post`` (the new or changed post), when the post is an
    ask; a refused give is not an ask."""
    if post.kind == "ask":
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


def take_noted(session: Session, actor_id: int) -> list[Refusal]:
    """The refusals noted on the session since the last call, oldest first, of the asks
    ``actor_id`` (who made the request) tried for themselves. An admin's change to a rep's
    ask (reassigning, editing, making one for them) is not the rep's attempt, and no
    coaching signal for the rep: it is left out (the admin saw the refusal)."""
    noted = session.info.pop(NOTED, [])
    return [refusal for refusal in noted if refusal.ask.owner_id == actor_id]


def record(session: Session, refusals: Iterable[Refusal]) -> None:
    """Write the records of noted refusals (plain inserts) in one flush; never commit."""
    session.add_all([_row(refusal) for refusal in refusals])
    session.flush()


def _row(refusal: Refusal) -> AskRefusal:
    ask = refusal.ask
    assert ask is not None, "only a noted refusal has an ask to record"
    return AskRefusal(
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
