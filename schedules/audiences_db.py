"""Audiences: plain values and a Session in, ORM objects out; flush, never commit.

Every change that can alter a timeline first locks its audience row (:func:`lock_audience`),
so concurrent writers are judged one after another.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.sql.base import ExecutableOption

from core.accounts_db import validate_timezone
from core.db import get_owned_row, lock_owned_row, row_id
from core.errors import Conflict, InvalidValue, NotFound, on_field
from core.text import one_line, required, visible
from schedules import utm as utm_tagging
from schedules.cadence import parse_cadence
from schedules.models import AUDIENCE_NAME_MAX, Audience
from schedules.policy import person_policy, policy_of, resolve_policy
from schedules.timeline_db import check_whole_timeline

HALF_LIFE_DAYS = 14
RANKINGS = ("news", "evergreen")


def _terms(field: str, values: Iterable[str] | None) -> list[str]:
    seen: dict[str, str] = {}
    for value in values or ():
        term = one_line(str(value))
        if not visible(term):
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


def named_audience(
    session: Session, workspace_id: int, audience_id: int | None, field: str = "audience_id"
) -> Audience | None:
    """The audience a request names by ``field`` (None: none named); another workspace's is
    a 422 on the field, as a body's unknown ids are."""
    if audience_id is None:
        return None
    audience = session.scalar(
        select(Audience).where(Audience.id == audience_id, Audience.workspace_id == workspace_id)
    )
    if audience is None:
        raise InvalidValue(field, f"No audience {audience_id} in this workspace.")
    return audience


def find_audience(
    session: Session, workspace_id: int, ref: str | int, load: Sequence[ExecutableOption] = ()
) -> Audience:
    """An audience of the workspace by id or by name, as people type them on a command line:
    a name whatever its case, unless it is one of several names differing only in case and
    none exactly; ``load`` as for ``list_audiences``."""
    text = str(ref).strip()
    query = select(Audience).options(*load).where(Audience.workspace_id == workspace_id)
    if (audience_id := row_id(text)) is None:
        audience_id = _audience_named(session, workspace_id, one_line(text))
    audience = session.scalar(query.where(Audience.id == audience_id)) if audience_id else None
    if audience is None:
        raise NotFound(f"No audience {text!r} in this workspace.")
    return audience


def _audience_named(session: Session, workspace_id: int, name: str) -> int | None:
    """The id of the audience called ``name``, compared casefolded (in Python: SQL's lower()
    folds neither "ß" nor, on SQLite, any letter beyond ASCII); None when there is none."""
    named = session.execute(
        select(Audience.id, Audience.name)
        .where(Audience.workspace_id == workspace_id)
        .order_by(Audience.id)
    ).all()
    matches = [row for row in named if row.name.casefold() == name.casefold()]
    exact = [row for row in matches if row.name == name]
    if len(matches) > 1 and not exact:
        listed = ", ".join(f"{row.name!r} (id {row.id})" for row in matches)
        raise InvalidValue(
            "audience",
            f"{name!r} could be {len(matches)} audiences whose names differ only in case: "
            f"{listed}; type one exactly, or its id.",
        )
    found = exact or matches
    return found[0].id if found else None


def lock_audience(session: Session, workspace_id: int, audience_id: int) -> Audience:
    """Take the audience's write lock: every timeline change is judged after the last one.
    Its calendar's revision moves, so subscribed calendars fetch it again."""
    audience = lock_owned_row(session, Audience, workspace_id, audience_id, "audience")
    audience.revision += 1
    return audience


def touch_feedback(session: Session, audience_id: int) -> None:
    """A dismissal or verdict changed: the audience's kept suggestion lists are stale from
    this commit on (schedules.suggestions_db.ListingCache), its calendar is not."""
    session.execute(
        update(Audience)
        .where(Audience.id == audience_id)
        .values(feedback_revision=Audience.feedback_revision + 1)
    )


def hold_audience(session: Session, workspace_id: int, audience_id: int) -> Audience:
    """The same lock, for a change that waits its turn but leaves the calendar as it is (a
    touch linked to a give), so the calendar's ETag holds."""
    return lock_owned_row(session, Audience, workspace_id, audience_id, "audience", changes=False)


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
    utm: Mapping[str, Any] | None = None,
) -> Audience:
    name = required("name", name, "An audience needs a name.", AUDIENCE_NAME_MAX)
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
        utm=utm_tagging.stored(utm),
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
            errors=on_field("name", "Already used in this workspace."),
        ) from None


def update_audience(
    session: Session, workspace_id: int, audience_id: int, changes: Mapping[str, Any]
) -> Audience:
    audience = lock_audience(session, workspace_id, audience_id)
    if "name" in changes:
        audience.name = required(
            "name", str(changes["name"]), "An audience needs a name.", AUDIENCE_NAME_MAX
        )
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
    if "utm" in changes:
        audience.utm = utm_tagging.stored(changes["utm"])
    if "cadence" in changes:
        # A cadence replaces the cadence: merging parts of two forms (a day into a week and
        # weekday, an rrule into a monthly rule) could only be refused or guessed.
        audience.cadence = parse_cadence(changes["cadence"]).to_dict()
    if "policy" in changes:
        before, person_before = policy_of(audience), person_policy(audience)
        for column, value in resolve_policy(changes["policy"], audience).items():
            setattr(audience, column, value)
        after, person_after = policy_of(audience), person_policy(audience)
        if after != before:
            check_whole_timeline(session, audience, after)
        if person_after != person_before:
            # Imported here: the one-to-one rules are only needed when their policy changes,
            # and reading calendars (planner export-ics) should not load them.
            from schedules.contacts import people_db

            people_db.guard_policy_change(session, audience, person_before, person_after)
    _flush_unique_name(session, audience.name)
    return audience


def delete_audience(session: Session, workspace_id: int, audience_id: int) -> None:
    """With every post on it; what becomes of the touches linked to its gives:
    ``people_db.leave_audience``."""
    audience = lock_audience(session, workspace_id, audience_id)
    from schedules.contacts import people_db  # imported here, as in update_audience

    people_db.leave_audience(session, workspace_id, audience_id)
    session.delete(audience)
    session.flush()
