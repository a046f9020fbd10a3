"""Warm introductions: which colleagues already know a rep's contact, and how well.

A colleague who knows a prospect is the best way in, so a contact says who on the team has the
same person (the same profile URL, however it was pasted: ``profiles.profile_key``) and at
what stage, and nothing else of theirs: not their notes, not their history.

Keys are compared in Python, not stored: the database narrows the candidates with a plain
substring of the key (``profiles.search_term``) over the workspace's contacts, which needs no
column of its own and no migration.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session

from core.db import IN_CHUNK
from core.models import User
from schedules.contacts import people_db
from schedules.contacts import relationship as rel
from schedules.contacts.profiles import profile_key, search_term
from schedules.models import Contact
from schedules.policy import person_policy


@dataclass(frozen=True)
class Acquaintance:
    """A colleague who has the person as a contact, as the rep may see it."""

    user_id: int
    email: str
    stage: rel.Stage


def with_keys(
    session: Session, keys: Collection[str], *criteria: ColumnElement[bool]
) -> Iterator[tuple[str, Contact, str]]:
    """The contacts meeting ``criteria`` whose profile URL carries one of ``keys``, each with
    that key and its rep's email: the one lookup of a person under any spelling, for
    introductions and for a rep's twins."""
    query = select(Contact, User.email).join(User, User.id == Contact.owner_id)
    seen: set[int] = set()  # a contact may hold the terms of two chunks
    for chunk in _keyed(query.where(*criteria), keys):
        for contact, email in session.execute(chunk):
            if contact.id not in seen and (key := profile_key(contact.profile_url)) in keys:
                seen.add(contact.id)
                yield key, contact, email  # type: ignore[misc]


def any_with_keys(session: Session, keys: Collection[str], *criteria: ColumnElement[bool]) -> bool:
    """Whether a contact meeting ``criteria`` carries one of ``keys``, reading only the
    candidates' profile URLs."""
    return any(
        profile_key(url) in keys
        for chunk in _keyed(select(Contact.profile_url).where(*criteria), keys)
        for url in session.scalars(chunk)
    )


def _keyed(query: Select[Any], keys: Collection[str]) -> list[Select[Any]]:
    """``query`` kept to the profile URLs holding a piece every spelling of a key contains
    (``profiles.search_term``), in lower case, as one statement per IN_CHUNK terms; Python
    then compares keys."""
    query = query.where(Contact.profile_url.is_not(None))
    terms = {search_term(key) for key in keys}
    queries = [query]
    if None not in terms:  # a statement takes at most 65535 parameters on PostgreSQL
        lowered, ordered = func.lower(Contact.profile_url), sorted(terms)  # type: ignore[type-var]
        queries = [
            query.where(or_(*(lowered.contains(t, autoescape=True) for t in chunk)))
            for chunk in (ordered[at : at + IN_CHUNK] for at in range(0, len(ordered), IN_CHUNK))
        ]
    return queries


def known_by(
    session: Session, contacts: Sequence[Contact], now: dt.datetime
) -> dict[int, tuple[Acquaintance, ...]]:
    """For each contact with a profile URL, the other active members of its workspace who have
    the same person, furthest stage first; a query for the candidates per IN_CHUNK profile
    keys and two for their stages, however many contacts are asked about.

    A deactivated colleague is left out: they can no longer make the introduction, and an
    admin who hands their contacts to another rep makes that rep the one listed."""
    keys = {c.id: key for c in contacts if (key := profile_key(c.profile_url))}
    if not keys:
        return {}
    by_key: dict[str, list[tuple[Contact, str]]] = {}
    for key, candidate, email in with_keys(
        session,
        set(keys.values()),
        Contact.workspace_id.in_(sorted({c.workspace_id for c in contacts})),
        User.deactivated_at.is_(None),
    ):
        by_key.setdefault(key, []).append((candidate, email))
    wanted = {
        c.id: [
            (other, email)
            for other, email in by_key.get(keys.get(c.id, ""), ())
            if other.owner_id != c.owner_id and other.workspace_id == c.workspace_id
        ]
        for c in contacts
    }
    stages = _stages(session, [other for found in wanted.values() for other, _ in found], now)
    return {
        contact_id: _closest_first(
            [Acquaintance(other.owner_id, email, stages[other.id]) for other, email in found]
        )
        for contact_id, found in wanted.items()
        if found
    }


def _stages(
    session: Session, contacts: Sequence[Contact], now: dt.datetime
) -> dict[int, rel.Stage]:
    found = people_db.histories(session, contacts)
    return {c.id: rel.stage(found[c.id], person_policy(c.audience), now) for c in contacts}


def _closest_first(found: Sequence[Acquaintance]) -> tuple[Acquaintance, ...]:
    """One entry per colleague (their furthest stage, should they have the person twice)."""
    best: dict[int, Acquaintance] = {}
    for acquaintance in found:
        held = best.get(acquaintance.user_id)
        if held is None or _rank(acquaintance) > _rank(held):
            best[acquaintance.user_id] = acquaintance
    return tuple(sorted(best.values(), key=lambda a: (-_rank(a), a.email)))


def _rank(acquaintance: Acquaintance) -> int:
    return rel.STAGES.index(acquaintance.stage)
