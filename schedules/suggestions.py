"""Suggestions: the recent articles an audience would thank the rep for, and a planner that
fills the cadence's empty slots with them.

Why here and not in ``feeds``: what makes an article a good suggestion is about the audience
(its keywords, its half-life, what was already shared with it or waved away), so this module
lives with audiences and posts and asks :mod:`feeds.search` only for keyword relevance. That
keeps ``feeds`` free of audience concepts and gives both databases one scoring path.

Score = BM25 relevance x 0.5 ** (age / half-life). Exponential decay keeps the order of two
articles independent of when the list is asked for (only their age difference counts), so a
ranking does not reshuffle as the day goes on.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, delete, select, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.db import utcnow
from core.errors import InvalidValue, NotFound
from feeds.analysis import analyse
from feeds.models import Article
from feeds.search import Match, search
from schedules import service
from schedules.cadence import slot_period
from schedules.models import TIMELINE_STATUSES, Audience, Post, SuggestionDismissal

WINDOW = dt.timedelta(days=30)
DEFAULT_LIMIT = 10
MAX_LIMIT = 50
# Diversity: at most FEED_CAP articles of one feed among the first CAP_SPAN suggestions.
FEED_CAP = 2
CAP_SPAN = 10
# Titles sharing this share of their words (Jaccard) are the same story from another feed.
SAME_STORY = 0.8
# The planner also skips articles already in a draft: a plan must not draft one article twice.
PLANNED_STATUSES = ("draft", *TIMELINE_STATUSES)
NO_CANDIDATE = "No unused suggestion left for this audience in the candidate window."


@dataclass(frozen=True)
class Suggestion:
    article_id: int
    title: str
    url: str | None
    published_at: dt.datetime
    feed_id: int | None
    feed_title: str | None
    score: float
    relevance: float
    matched_keywords: tuple[str, ...]
    age_days: float

    @property
    def reasons(self) -> list[str]:
        """What a rep reads to trust the suggestion: why it matched, how fresh, from where."""
        return [
            "Matches " + ", ".join(self.matched_keywords),
            describe_age(self.age_days),
            f"From {self.feed_title}" if self.feed_title else "From a feed no longer followed",
        ]


def describe_age(days: float) -> str:
    hours = int(days * 24)
    if hours < 1:
        return "Less than an hour old"
    if hours < 24:
        return f"{hours} hour{'s' * (hours != 1)} old"
    if days < 14:
        return f"{int(days)} day{'s' * (int(days) != 1)} old"
    if days < 61:
        return f"{int(days // 7)} weeks old"
    return f"{int(days // 30.4)} months old"


def suggest(
    session: Session,
    workspace_id: int,
    audience_id: int,
    *,
    limit: int = DEFAULT_LIMIT,
    since: str | dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> list[Suggestion]:
    """The best ``limit`` articles for the audience, published in ``[since, now]``; ``since``
    is read as :func:`service.parse_when` reads it, naive in the audience's clock."""
    audience = service.get_audience(session, workspace_id, audience_id)
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidValue("limit", f"Must be between 1 and {MAX_LIMIT}.")
    since = service.parse_when("since", since, audience.timezone)
    return _ranked(session, audience, limit, since, now, TIMELINE_STATUSES)


def _ranked(
    session: Session,
    audience: Audience,
    limit: int,
    since: dt.datetime | None,
    now: dt.datetime | None,
    used_statuses: Sequence[str],
) -> list[Suggestion]:
    now = now or utcnow()
    since = now - WINDOW if since is None else since
    if since >= now:
        raise InvalidValue("since", "Must be in the past.")
    matches = search(
        session,
        audience.workspace_id,
        audience.keywords,
        audience.exclude_keywords,
        since=since,
        until=now,
        skip=_excluded(audience.id, used_statuses),
    )
    scored = sorted((_scored(m, now, audience.half_life_days) for m in matches), key=_rank_key)
    return _diversified(_distinct(scored), limit)


def _scored(match: Match, now: dt.datetime, half_life_days: int) -> Suggestion:
    age = max((now - match.published_at).total_seconds() / 86400, 0.0)
    return Suggestion(
        article_id=match.article_id,
        title=match.title,
        url=match.canonical_url,
        published_at=match.published_at,
        feed_id=match.feed_id,
        feed_title=match.feed_title,
        score=match.relevance * 0.5 ** (age / half_life_days),
        relevance=match.relevance,
        matched_keywords=match.matched,
        age_days=age,
    )


def _rank_key(s: Suggestion) -> tuple[float, float, int]:
    # Ties (equal scores) go to the newer article, then the older row, so the order is total.
    return (-s.score, -s.published_at.timestamp(), s.article_id)


def _excluded(audience_id: int, used_statuses: Sequence[str]) -> Select[Any]:
    """Articles already shared (or planned) with the audience, or dismissed for it."""
    used = select(Post.article_id).where(
        Post.audience_id == audience_id,
        Post.article_id.is_not(None),
        Post.status.in_(used_statuses),
    )
    dismissed = select(SuggestionDismissal.article_id).where(
        SuggestionDismissal.audience_id == audience_id
    )
    return union_all(used, dismissed)


def _distinct(ranked: Iterable[Suggestion]) -> Iterator[Suggestion]:
    """Each story once: the best-scored copy stays, later ones with the same canonical URL or a
    near-identical title (same words, or Jaccard >= SAME_STORY) are dropped. Lazy, because
    titles are analysed only as far as the list is read."""
    urls: set[str] = set()
    titles: list[frozenset[str]] = []
    for suggestion in ranked:
        words = frozenset(analyse(suggestion.title))
        if suggestion.url in urls or any(_same_story(words, seen) for seen in titles):
            continue
        if suggestion.url:
            urls.add(suggestion.url)
        if words:
            titles.append(words)
        yield suggestion


def _same_story(a: frozenset[str], b: frozenset[str]) -> bool:
    return bool(a) and len(a & b) / len(a | b) >= SAME_STORY


def _diversified(ranked: Iterator[Suggestion], limit: int) -> list[Suggestion]:
    """At most FEED_CAP per feed among the first CAP_SPAN; after those, order is by score.

    An article passed over for its feed's cap keeps its place in the score order below the
    capped span. When too few feeds have candidates to fill the span, those passed-over
    articles fill it rather than leaving the rep with a short list.
    """
    span = min(limit, CAP_SPAN)
    top: list[Suggestion] = []
    passed_over: list[Suggestion] = []
    per_feed: Counter[object] = Counter()
    for suggestion in ranked:
        # An article whose feed was unsubscribed is capped with nothing else.
        feed = suggestion.feed_id or ("article", suggestion.article_id)
        if per_feed[feed] >= FEED_CAP:
            passed_over.append(suggestion)
            continue
        per_feed[feed] += 1
        top.append(suggestion)
        if len(top) == span:
            break
    rest = heapq.merge(passed_over, ranked, key=_rank_key)
    return top + list(itertools.islice(rest, limit - len(top)))


# ---------------------------------------------------------------- dismissals


def dismiss(session: Session, workspace_id: int, audience_id: int, article_id: int) -> None:
    """Stop suggesting the article to the audience; dismissing twice is harmless."""
    service.get_audience(session, workspace_id, audience_id)
    _article_in(session, workspace_id, article_id)
    if session.get(SuggestionDismissal, (audience_id, article_id)) is not None:
        return
    try:
        with session.begin_nested():
            session.add(SuggestionDismissal(audience_id=audience_id, article_id=article_id))
    except IntegrityError:
        pass  # a concurrent request dismissed it first (PostgreSQL; SQLite writers are serial)


def undismiss(session: Session, workspace_id: int, audience_id: int, article_id: int) -> None:
    """Undo :func:`dismiss`; the article competes again from its next listing on."""
    service.get_audience(session, workspace_id, audience_id)
    _article_in(session, workspace_id, article_id)
    session.execute(
        delete(SuggestionDismissal).where(
            SuggestionDismissal.audience_id == audience_id,
            SuggestionDismissal.article_id == article_id,
        )
    )


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


def plan(
    session: Session,
    workspace_id: int,
    audience_id: int,
    start: dt.datetime,
    end: dt.datetime,
    *,
    now: dt.datetime | None = None,
) -> Plan:
    """Give every empty cadence slot in ``[start, end)`` a draft built from the best unused
    suggestion, one article per slot, best article to the earliest slot.

    A slot is empty when no scheduled or published give fills it (as ``/slots`` says) and no
    draft give is dated within its period, so the drafts of an earlier run count as filled
    and planning twice adds nothing. Drafts stay off the timeline until a rep schedules them.
    """
    audience = service.lock_audience(session, workspace_id, audience_id)
    empty = _empty_slots(session, audience, start, end)
    result = Plan()
    if not empty:
        return result
    picks = _ranked(session, audience, len(empty), None, now, PLANNED_STATUSES)
    for slot, pick in itertools.zip_longest(empty, picks):
        if pick is None:
            result.unfilled.append((slot, NO_CANDIDATE))
            continue
        draft = {"kind": "give", "type": "shared_article", "status": "draft",
                 "article_id": pick.article_id, "scheduled_at": slot}  # fmt: skip
        post = service.create_post(session, workspace_id, audience.id, draft)
        result.filled.append((slot, post))
    return result


def _empty_slots(
    session: Session, audience: Audience, start: dt.datetime, end: dt.datetime
) -> list[dt.datetime]:
    open_slots = [slot for slot, give in service.slots(session, audience, start, end) if not give]
    if not open_slots:
        return []
    cadence = service.cadence_of(audience)
    periods = [slot_period(cadence, audience.timezone, slot) for slot in open_slots]
    drafted = list(
        session.scalars(
            select(Post.scheduled_at).where(
                Post.audience_id == audience.id,
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
