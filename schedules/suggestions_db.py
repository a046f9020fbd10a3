"""Suggestions: the articles an audience would thank the rep for, and a planner that fills
the cadence's empty slots with them.

Why here and not in ``feeds``: what makes an article a good suggestion is about the audience
(its keywords and description, its ranking mode, what was already shared with it or waved
away), so this module lives with audiences and posts and asks :mod:`feeds.search_db` only for
lexical relevance; :mod:`schedules.ranking` orders what it found.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from cachetools import TTLCache
from sqlalchemy import Select, delete, func, select, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.db import utcnow
from core.errors import Conflict, InvalidValue, NotFound
from core.models import User
from feeds import semantic
from feeds.analysis import description_terms, phrases
from feeds.models import Article, Feed
from feeds.scoring import Match
from feeds.search_db import feed_volumes, meaning_vectors, search
from schedules import (
    audiences_db,
    feedback_db,
    policy,
    posts_db,
    ranking,
    slots_db,
    staggering,
    times,
)
from schedules.cadence import slot_period
from schedules.models import TIMELINE_STATUSES, Audience, Post, SuggestionDismissal
from schedules.ranking import Suggestion
from schedules.staggering import ColleaguePlan

DEFAULT_LIMIT = 10
MAX_LIMIT = 50
# The planner also skips articles already in a draft: a plan must not draft one article twice.
PLANNED_STATUSES = ("draft", *TIMELINE_STATUSES)
NO_CANDIDATE = "No unused suggestion left for this audience in the candidate window."


def suggest(
    session: Session,
    workspace_id: int,
    audience_id: int,
    *,
    owner_id: int | None = None,
    limit: int = DEFAULT_LIMIT,
    since: str | dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> list[Suggestion]:
    """The best ``limit`` articles for a rep (None: for the team) to share with the audience,
    published in ``[since, now]``; ``since`` is read as :func:`times.parse_when` reads it,
    naive in the audience's clock.

    Each carries its colleagues' posts of it to the audience (``planned_by``), and one a
    colleague shares within a week of now is listed after the others (staggering)."""
    audience = audiences_db.get_audience(session, workspace_id, audience_id)
    return _suggest(session, audience, owner_id, limit, since, now)


def _suggest(
    session: Session,
    audience: Audience,
    owner_id: int | None,
    limit: int,
    since: str | dt.datetime | None,
    now: dt.datetime | None,
) -> list[Suggestion]:
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidValue("limit", f"Must be between 1 and {MAX_LIMIT}.")
    start, now = _window(audience, times.parse_when("since", since, audience.timezone), now)
    skip = _excluded(audience.id, owner_id, TIMELINE_STATUSES)
    found = _ranked(session, audience, owner_id, limit, start, now, skip, [now])
    return staggering.staggered(found, now, limit, audience.timezone)


@dataclass(frozen=True)
class Listing:
    """A suggestion list (:func:`suggest`), and why it is empty when it is."""

    suggestions: tuple[Suggestion, ...]
    empty: EmptyReason | None


class ListingCache:
    """Suggestion lists this process ranked, by what they were ranked from, each kept for
    ``seconds`` at most (0: none kept).

    Ranking reads and scores every candidate of the window, several times a baseline request's
    work, while a rep's page and the tools that poll it ask for the same list again and again.
    The key (:func:`_listing_key`) holds every row a list depends on and the request; what no
    row records, the clock, is why a list is kept only ``seconds``: its window, ages and
    freshness lag by no more than that. Per process, like calendar_db.RenderCache; at most
    ``size`` lists, the least recently used going first, each item about a kilobyte
    (``Suggestion.kept``: its match, which holds the article's every word, let go).
    """

    def __init__(self, seconds: float, size: int = 1000) -> None:
        self.seconds = seconds
        self._kept: TTLCache[tuple[Any, ...], Listing] | None = (
            TTLCache(maxsize=size, ttl=seconds) if seconds > 0 else None
        )
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...], rank: Callable[[], Listing]) -> Listing:
        if self._kept is None:
            return rank()
        with self._lock:
            kept = self._kept.get(key)
        if kept is None:
            kept = rank()  # outside the lock: other threads keep serving meanwhile
            with self._lock:
                self._kept[key] = kept
        return kept


def listing(
    session: Session,
    workspace_id: int,
    audience_id: int,
    *,
    owner_id: int | None = None,
    limit: int = DEFAULT_LIMIT,
    since: str | dt.datetime | None = None,
    now: dt.datetime | None = None,
    cache: ListingCache,
) -> Listing:
    """:func:`suggest`, and why it found nothing when it did; from ``cache`` when the
    list was ranked from the same rows less than its ``seconds`` ago."""
    audience = audiences_db.get_audience(session, workspace_id, audience_id)

    def rank() -> Listing:
        found = tuple(s.kept() for s in _suggest(session, audience, owner_id, limit, since, now))
        empty = None if found else _why_empty(session, audience, owner_id, since, now)
        return Listing(found, empty)

    return cache.get(_listing_key(audience, owner_id, limit, since), rank)


def _listing_key(
    audience: Audience,
    owner_id: int | None,
    limit: int,
    since: str | dt.datetime | None,
) -> tuple[Any, ...]:
    """Every row a suggestion list is ranked from, by the counters its writers move, and the
    request. The audience's ``revision`` moves with each change to it or to its posts (the
    rep's and colleagues', which decide what is used and what is staggered), ``updated_at``
    tells apart a state that reached the same revision again (a restored backup),
    ``feedback_revision`` moves with each dismissal and verdict, and the workspace's
    ``suggestions_version`` with each refresh that stored something, each feed added, edited or
    removed, each batch of meaning vectors and each colleague deactivated (their unpublished
    plans stop staggering). Read before the list is ranked, so a list kept under it is never
    older than it."""
    return (
        audience.workspace_id, audience.id, audience.revision, audience.updated_at,
        audience.feedback_revision, audience.workspace.suggestions_version,
        semantic.ranks_by_meaning(),
        owner_id, limit, since,
    )  # fmt: skip


@dataclass(frozen=True)
class EmptyReason:
    """Why a suggestion list is empty, in terms a rep can act on."""

    code: str  # "no_keywords", "no_feeds" or "nothing_in_window"
    message: str
    older_matches: int = 0
    window_start: dt.datetime | None = None
    newest_older_at: dt.datetime | None = None  # how far back to look to find one


def _why_empty(
    session: Session,
    audience: Audience,
    owner_id: int | None,
    since: str | dt.datetime | None,
    now: dt.datetime | None,
) -> EmptyReason:
    """What an empty :func:`suggest` answer means: no keywords, no feeds, or nothing in the
    window (with how many matching articles are older than it)."""
    if not any(k.strip() for k in audience.keywords):
        return EmptyReason("no_keywords", "This audience has no keywords to match articles on.")
    feeds = session.scalar(
        select(func.count()).select_from(Feed).where(Feed.workspace_id == audience.workspace_id)
    )
    if not feeds:
        return EmptyReason("no_feeds", "The workspace follows no feeds yet: add one.")
    start, now = _window(audience, times.parse_when("since", since, audience.timezone), now)
    older = search(
        session,
        audience.workspace_id,
        audience.keywords,
        audience.exclude_keywords,
        since=dt.datetime(1970, 1, 1, tzinfo=dt.UTC),
        until=start,
        skip=_excluded(audience.id, owner_id, TIMELINE_STATUSES),
    )
    return EmptyReason(
        "nothing_in_window",
        f"No unused article since {start:%Y-%m-%d} matches the keywords; "
        f"{len(older)} older one{'s do' if len(older) != 1 else ' does'}.",
        older_matches=len(older),
        window_start=start,
        newest_older_at=max((m.published_at for m in older), default=None),
    )


def _ranked(
    session: Session,
    audience: Audience,
    owner_id: int | None,
    limit: int,
    since: dt.datetime,
    now: dt.datetime,
    skip: Select[Any],
    stagger_at: Sequence[dt.datetime],
) -> list[Suggestion]:
    """The best ``limit`` candidates published in the window ``[since, now]`` (as
    :func:`_window` gives it) but the articles ``skip`` selects, and as many more as
    colleagues post within a week of one of ``stagger_at`` (at most ``limit`` more: ranking
    costs grow with the count), so that staggering passes over those and still fills the list."""
    include = phrases(audience.keywords)
    if not include:
        return []  # nothing to match, so no window to count
    volumes = feed_volumes(session, audience.workspace_id, since, now)
    matches = search(
        session,
        audience.workspace_id,
        audience.keywords,
        audience.exclude_keywords,
        since=since,
        until=now,
        skip=skip,
        context=description_terms(audience.description, include),
        window_size=sum(volumes.values()),
    )
    if not matches:
        return []
    learned = feedback_db.learning_examples(session, audience.id)
    plans = _colleague_plans(session, audience, owner_id, since)
    held = staggering.held_back(plans, stagger_at)
    extra = min(sum(1 for m in matches if m.article_id in held), limit)
    closeness = _closeness(session, audience, matches)
    ranked = ranking.rank(
        matches, audience, volumes, closeness, learned.examples, limit + extra, now
    )
    verdicts = learned.verdicts
    ranked = [
        dataclasses.replace(s, feedback=verdicts[s.article_id]) if s.article_id in verdicts else s
        for s in ranked
    ]
    return staggering.with_plans(ranked, plans)


def _window(
    audience: Audience, since: dt.datetime | None, now: dt.datetime | None
) -> tuple[dt.datetime, dt.datetime]:
    """``[since, now]``, by default the audience's window up to the present; a ``since`` not in
    the past is refused."""
    now = now or utcnow()
    since = now - ranking.default_window(audience) if since is None else since
    if since >= now:
        raise InvalidValue("since", "Must be in the past.")
    return since, now


def _closeness(session: Session, audience: Audience, matches: Sequence[Match]) -> dict[int, float]:
    """The cosine of each candidate's stored meaning vector with the audience's name,
    description and keywords; none when suggestions do not weigh meaning (feeds.semantic)."""
    if not semantic.ranks_by_meaning():
        return {}
    vectors = meaning_vectors(session, [m.article_id for m in matches])
    if not vectors:  # none stored for these candidates: nothing to embed the audience for
        return {}
    (query,) = semantic.embed(
        [semantic.audience_text(audience.name, audience.description, audience.keywords)]
    )
    return dict(zip(vectors, semantic.closeness(query, list(vectors.values())), strict=True))


def _colleague_plans(
    session: Session, audience: Audience, owner_id: int | None, since: dt.datetime
) -> dict[int, list[ColleaguePlan]]:
    """Other reps' dated posts of candidate articles (published since ``since``, so shared
    since then too) to the audience, by article; none for the team as a whole (None).

    A deactivated colleague's drafts and scheduled posts will not go out unless an admin
    hands them to someone, so only what they published counts."""
    if owner_id is None:
        return {}
    rows = session.execute(
        select(Post.article_id, Post.owner_id, User.email, Post.scheduled_at, Post.status)
        .join(User, User.id == Post.owner_id)
        .where(
            Post.audience_id == audience.id,
            Post.owner_id != owner_id,
            Post.article_id.is_not(None),
            Post.status.in_(PLANNED_STATUSES),
            Post.scheduled_at >= since,
            (User.deactivated_at.is_(None)) | (Post.status == "published"),
        )
    )
    plans: dict[int, list[ColleaguePlan]] = {}
    for article_id, user_id, email, at, status in rows:
        plans.setdefault(article_id, []).append(ColleaguePlan(user_id, email, at, status))
    return plans


def _excluded(
    audience_id: int, owner_id: int | None, used_statuses: Sequence[str], *more: Select[Any]
) -> Select[Any]:
    """Articles the rep (None: any rep) already shared (or planned) with the audience, or
    dismissed for it, and those ``more`` selects."""
    used = select(Post.article_id).where(
        Post.audience_id == audience_id,
        Post.article_id.is_not(None),
        Post.status.in_(used_statuses),
    )
    dismissed = select(SuggestionDismissal.article_id).where(
        SuggestionDismissal.audience_id == audience_id
    )
    if owner_id is not None:
        used = used.where(Post.owner_id == owner_id)
        dismissed = dismissed.where(SuggestionDismissal.owner_id == owner_id)
    return union_all(used, dismissed, *more)


def shared_post(session: Session, audience_id: int, owner_id: int, article_id: int) -> Post | None:
    """The rep's scheduled or published post of the article to the audience, if any: what
    leaves it off their suggestions, so scheduling it again would book it twice."""
    return session.scalar(
        select(Post)
        .where(
            Post.audience_id == audience_id,
            Post.owner_id == owner_id,
            Post.article_id == article_id,
            Post.status.in_(TIMELINE_STATUSES),
        )
        .order_by(Post.scheduled_at, Post.id)
        .limit(1)
    )


class NoOpenSlot(Conflict):
    """Every cadence slot of the rep's in the coming year already has a value post."""

    slug = "no-open-slot"


@dataclass(frozen=True)
class Scheduled:
    audience: Audience
    post: Post
    added: bool  # False: the rep's earlier post of the article, and nothing was added


def schedule_in_next_slot(
    session: Session,
    workspace_id: int,
    audience_id: int,
    article_id: int,
    owner_id: int,
    now: dt.datetime,
) -> Scheduled:
    """A scheduled give built from the article, in the rep's first open slot from ``now`` on;
    once only: when the rep already shares the article with the audience, that post.

    Locks the audience (bumping its revision), so roll back when nothing was added. Raises
    NoOpenSlot, or ``posts_db.create_post``'s refusals (the audience rule's among them).
    """
    # Locked first, so a second send racing this one finds the post this one makes.
    audience = audiences_db.lock_audience(session, workspace_id, audience_id)
    _article_in(session, workspace_id, article_id)
    shared = shared_post(session, audience_id, owner_id, article_id)
    if shared is not None:
        return Scheduled(audience, shared, added=False)
    slot = slots_db.next_open_slot(session, audience, owner_id, now)
    if slot is None:
        raise NoOpenSlot("Every slot of the cadence in the next year already has a value post.")
    fields = {"kind": "give", "type": "shared_article", "status": "scheduled",
              "article_id": article_id, "scheduled_at": slot}  # fmt: skip
    post = posts_db.create_post(session, workspace_id, audience_id, fields, owner_id)
    return Scheduled(audience, post, added=True)


# ---------------------------------------------------------------- dismissals


def dismiss(
    session: Session, workspace_id: int, audience_id: int, article_id: int, owner_id: int
) -> None:
    """Stop suggesting the article to the rep for the audience; dismissing twice is harmless."""
    audiences_db.get_audience(session, workspace_id, audience_id)
    _article_in(session, workspace_id, article_id)
    if session.get(SuggestionDismissal, (audience_id, owner_id, article_id)) is not None:
        return
    audiences_db.touch_feedback(session, audience_id)
    try:
        with session.begin_nested():
            session.add(
                SuggestionDismissal(
                    audience_id=audience_id, owner_id=owner_id, article_id=article_id
                )
            )
    except IntegrityError:
        pass  # a concurrent request dismissed it first (PostgreSQL; SQLite writers are serial)


def undismiss(
    session: Session, workspace_id: int, audience_id: int, article_id: int, owner_id: int
) -> None:
    """Undo :func:`dismiss`; the article competes again from its next listing on."""
    audiences_db.get_audience(session, workspace_id, audience_id)
    _article_in(session, workspace_id, article_id)
    session.execute(
        delete(SuggestionDismissal).where(
            SuggestionDismissal.audience_id == audience_id,
            SuggestionDismissal.owner_id == owner_id,
            SuggestionDismissal.article_id == article_id,
        )
    )
    audiences_db.touch_feedback(session, audience_id)


def _article_in(session: Session, workspace_id: int, article_id: int) -> Article:
    article = session.get(Article, article_id)
    if article is None or article.workspace_id != workspace_id:
        raise NotFound(f"No article {article_id} in this workspace.")
    return article


# ---------------------------------------------------------------- planning


@dataclass
class Plan:
    filled: list[tuple[dt.datetime, Post]] = field(default_factory=list)
    unfilled: list[tuple[dt.datetime, str]] = field(default_factory=list)
    # Slots given an article a colleague shares within a week of them, nothing else being left.
    clashes: dict[dt.datetime, tuple[ColleaguePlan, ...]] = field(default_factory=dict)
    notes: dict[dt.datetime, str] = field(default_factory=dict)


def plan(
    session: Session,
    workspace_id: int,
    audience_id: int,
    start: dt.datetime,
    end: dt.datetime,
    *,
    owner_id: int,
    since: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Plan:
    """Give every empty cadence slot of the rep's in ``[start, end)`` a draft built from the
    best unused suggestion published since ``since`` (by default the audience's window, as
    :func:`suggest`), one article per slot, best article to the earliest slot.

    A slot is empty when no scheduled or published give fills it (as ``/slots`` says) and no
    draft give is dated within its period, so the drafts of an earlier run count as filled
    and planning twice adds nothing. Drafts stay off the timeline until a rep schedules them.

    A slot gets the best article no colleague posts within a week of it (staggering); only
    when none is left does it get one a colleague does, and ``clashes`` and ``notes`` say so.
    """
    audience = audiences_db.lock_audience(session, workspace_id, audience_id)
    since, now = _window(audience, since, now)  # refused alike whether slots are empty or not
    empty = _empty_slots(session, audience, owner_id, start, end)
    result = Plan()
    if not empty:
        return result
    # A verdict leaves an article listed, but drafting one the rep found not useful is wrong.
    skip = _excluded(
        audience.id, owner_id, PLANNED_STATUSES, feedback_db.found_not_useful(audience.id)
    )
    picks = _ranked(session, audience, owner_id, len(empty), since, now, skip, empty)
    for slot, pick, clashes in staggering.assign(empty, picks):
        if pick is None:
            result.unfilled.append((slot, NO_CANDIDATE))
            continue
        draft = {"kind": "give", "type": "shared_article", "status": "draft",
                 "article_id": pick.article_id, "scheduled_at": slot}  # fmt: skip
        post = posts_db.create_post(session, workspace_id, audience.id, draft, owner_id)
        result.filled.append((slot, post))
        if clashes:
            result.clashes[slot] = clashes
            result.notes[slot] = staggering.clash_note(clashes, audience.timezone, now)
    return result


def _empty_slots(
    session: Session, audience: Audience, owner_id: int, start: dt.datetime, end: dt.datetime
) -> list[dt.datetime]:
    found = slots_db.slots(session, audience, owner_id, start, end)
    open_slots = [slot for slot, give in found if not give]
    if not open_slots:
        return []
    cadence = policy.cadence_of(audience)
    periods = [slot_period(cadence, audience.timezone, slot) for slot in open_slots]
    drafted = list(
        session.scalars(
            select(Post.scheduled_at).where(
                Post.audience_id == audience.id,
                Post.owner_id == owner_id,
                Post.kind == "give",
                Post.status == "draft",
                Post.scheduled_at >= periods[0][0],
                Post.scheduled_at < periods[-1][1],
            )
        )
    )
    return [
        slot
        for slot, (begin, finish) in zip(open_slots, periods, strict=True)
        if not any(begin <= at < finish for at in drafted)
    ]
