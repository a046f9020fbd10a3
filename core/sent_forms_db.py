"""Forms sent with a one-time key (app/web/once.py), remembered on the server: plain values
and a Session in; flush, never commit.

A session cookie could not tell two sends of one form racing each other (a double click, a
duplicated tab): each carries the cookie from before the other's answer. So a send claims its
key in the transaction that saves what the form makes, and a twin's claim waits for that
transaction (the primary key's index on PostgreSQL; SQLite's writers take turns anyway), then
finds the key taken. Its answer's address is recorded just after that commit.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.models import SentForm


def earlier(
    session: Session, user_id: int, key: str, inputs: str, inputs_since: dt.datetime
) -> SentForm | None:
    """The user's form sent before with this key, or else the latest whose answer is known with
    these inputs (a digest) since ``inputs_since``."""
    same_inputs = and_(
        SentForm.inputs == inputs,
        SentForm.sent_at >= inputs_since,
        SentForm.location.is_not(None),
    )
    return session.scalar(
        select(SentForm)
        .where(SentForm.user_id == user_id, or_(SentForm.form_key == key, same_inputs))
        .order_by((SentForm.form_key == key).desc(), SentForm.sent_at.desc())
        .limit(1)
    )


def claim(
    session: Session,
    user_id: int,
    key: str,
    inputs: str,
    now: dt.datetime,
    forget_before: dt.datetime,
) -> bool:
    """Claim the key before the form's view runs, so its claim commits or rolls back with what
    the form makes; False when a twin claimed it first and saved. The user's keys sent before
    ``forget_before`` (their web session has ended since) are forgotten first; everyone's
    are by ``forget`` (the worker)."""
    session.execute(
        delete(SentForm).where(SentForm.user_id == user_id, SentForm.sent_at < forget_before)
    )
    session.add(SentForm(user_id=user_id, form_key=key, inputs=inputs, sent_at=now))
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        return False
    return True


def record(session: Session, user_id: int, key: str, location: str) -> None:
    """Where the form's answer went, for its twins."""
    session.execute(
        update(SentForm)
        .where(SentForm.user_id == user_id, SentForm.form_key == key)
        .values(location=location)
    )


def location(session: Session, user_id: int, key: str) -> str | None:
    return session.scalar(
        select(SentForm.location).where(SentForm.user_id == user_id, SentForm.form_key == key)
    )


def forget(session: Session, before: dt.datetime) -> int:
    """Forget every key sent before ``before`` (the web session it was sent in has ended
    since), so the keys of users who send no more forms go too; the number forgotten."""
    result = session.execute(delete(SentForm).where(SentForm.sent_at < before))
    return result.rowcount  # type: ignore[attr-defined, no-any-return]
