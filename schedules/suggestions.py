"""Suggestions: the articles an audience would thank the rep for, and a planner that fills
the cadence's empty slots with them.

Why here and not in ``feeds``: what makes an article a good suggestion is about the audience
(its keywords and description, its ranking mode, what was already shared with it or waved
away), so this module lives with audiences and posts and asks :mod:`feeds.search` only for
lexical relevance. That keeps ``feeds`` free of audience concepts and gives both databases one
scoring path.

Score = relevance x feed fit x freshness, each factor bounded so that none alone decides:

- relevance (feeds.search): keywords in title, summary and tags, description words as weaker
  evidence, believed in proportion to the breadth of evidence;
- feed fit: ((fitting articles + 1) / (articles + 2)) ** FEED_FIT_POWER over the window, so a
  niche blog whose every post fits outranks a wire that fits once in fifty, and busy
  off-topic feeds do not fill the list;
- feedback (schedules.learning): articles like those the rep found useful gain, like those
  found not useful lose, within bounds;
- freshness: FLOOR + (1 - FLOOR) x 0.5 ** (age / half-life); "news" audiences have a low
  floor (fresh matters), "evergreen" ones a high floor (relevance first). Exponential decay
  keeps the order of two articles independent of when the list is asked for.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import heapq
import itertools
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, delete, func, select, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.db import utcnow
from core.errors import InvalidValue, NotFound
from feeds.analysis import description_terms, phrases
from feeds.models import Article, Feed
from feeds.search import Match, feed_volumes, search
from schedules import audiences_db, learning, policy, posts_db, slots_db, times
from schedules.cadence import slot_period
from schedules.models import TIMELINE_STATUSES, Audience, Post, SuggestionDismissal

DEFAULT_LIMIT = 10
MAX_LIMIT = 50
# Per ranking mode: how far back candidates go by default, and the freshness floor.
WINDOWS = {"news": dt.timedelta(days=60), "evergreen": dt.timedelta(days=180)}
FRESHNESS_FLOOR = {"news": 0.3, "evergreen": 0.7}
FEED_FIT_POWER = 0.5
# Diversity: at most FEED_CAP articles of one feed among the first CAP_SPAN suggestions.
FEED_CAP = 2
CAP_SPAN = 10
# Titles sharing this share of their words (Jaccard) are the same story from another feed;
# so are leads (title and first words) sharing this share of their word triples.
SAME_STORY = 0.8
SAME_LEAD = 0.3
MIN_SHINGLES = 12  # shorter leads (a headline alone) are compared by their words only
# A word or triple already in this many kept stories is boilerplate: later ones are not
# indexed under it, which keeps the look-up linear in the candidates.
MAX_POSTINGS = 8
# Near-duplicates are looked for among the best DEDUP_PER_ITEM x limit candidates: enough for
# the list and the articles a feed's cap passes over, and each costs a look-up.
DEDUP_PER_ITEM = 3
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
    match: Match | None = field(default=None, repr=False, compare=False)
    feed_fit: tuple[float, int] = (0.0, 0)  # (fitting articles, articles) of its feed
    also_in: tuple[str, ...] = ()
    like: tuple[str, ...] = ()  # reasons from feedback, set by the feedback step

    @property
    def reasons(self) -> list[str]:
        """What a rep reads to trust the suggestion: each piece of evidence that moved it."""
        return [*_match_reasons(self.match, self.matched_keywords), *self.like,
                describe_age(self.age_days), self._source(),
                *(["Also in " + ", ".join(self.also_in)] if self.also_in else [])]  # fmt: skip

    def _source(self) -> str:
        if not self.feed_title:
            return "From a feed no longer followed"
        fits, total = self.feed_fit
        if total:
            return (f"From {self.feed_title}, where {round(fits):d} of {total} recent "
                    f"article{'s' * (total != 1)} fit this audience")  # fmt: skip
        return f"From {self.feed_title}"


def _match_reasons(match: Match | None, matched: Sequence[str]) -> list[str]:
    if match is None:
        return ["Matches " + ", ".join(matched)]
    reasons = []
    if match.title_terms:
        reasons.append("Title mentions " + ", ".join(match.title_terms))
    in_text = [t for t in match.body_terms if t not in match.title_terms]
    if in_text:
        reasons.append("Text mentions " + ", ".join(in_text))
    if match.inflected_only:
        reasons.append("Only as another form: " + ", ".join(match.inflected_only))
    if match.tag_terms:
        reasons.append("Tagged " + ", ".join(match.tag_terms) + " (a weak hint)")
    if match.context_terms:
        reasons.append("About " + ", ".join(match.context_terms) + ", from the description")
    if len(match.matched) == 1 and not match.context_terms:
        reasons.append(f"Only one keyword ({match.matched[0]}) and nothing else of the "
                       "description: weak evidence")  # fmt: skip
    return reasons


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
    is read as :func:`times.parse_when` reads it, naive in the audience's clock."""
    audience = audiences_db.get_audience(session, workspace_id, audience_id)
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidValue("limit", f"Must be between 1 and {MAX_LIMIT}.")
    since = times.parse_when("since", since, audience.timezone)
    return _ranked(session, audience, limit, since, now, TIMELINE_STATUSES)


@dataclass(frozen=True)
class EmptyReason:
    """Why a suggestion list is empty, in terms a rep can act on."""

    code: str  # "no_keywords", "no_feeds" or "nothing_in_window"
    message: str
    older_matches: int = 0
    window_start: dt.datetime | None = None
    newest_older_at: dt.datetime | None = None  # how far back to look to find one


def why_empty(
    session: Session,
    workspace_id: int,
    audience_id: int,
    *,
    since: str | dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> EmptyReason:
    """What an empty :func:`suggest` answer means: no keywords, no feeds, or nothing in the
    window (with how many matching articles are older than it)."""
    audience = audiences_db.get_audience(session, workspace_id, audience_id)
    if not any(k.strip() for k in audience.keywords):
        return EmptyReason("no_keywords", "This audience has no keywords to match articles on.")
    feeds = session.scalar(
        select(func.count()).select_from(Feed).where(Feed.workspace_id == workspace_id)
    )
    if not feeds:
        return EmptyReason("no_feeds", "The workspace follows no feeds yet: add one.")
    now = now or utcnow()
    start = times.parse_when("since", since, audience.timezone) or now - default_window(audience)
    older = search(
        session,
        workspace_id,
        audience.keywords,
        audience.exclude_keywords,
        since=dt.datetime(1970, 1, 1, tzinfo=dt.UTC),
        until=start,
        skip=_excluded(audience.id, TIMELINE_STATUSES),
    )
    return EmptyReason(
        "nothing_in_window",
        f"No unused article since {start:%Y-%m-%d} matches the keywords; "
        f"{len(older)} older one{'s do' if len(older) != 1 else ' does'}.",
        older_matches=len(older),
        window_start=start,
        newest_older_at=max((m.published_at for m in older), default=None),
    )


def default_window(audience: Audience) -> dt.timedelta:
    """How far back candidates go when no ``since`` is given (by the ranking mode)."""
    return WINDOWS.get(audience.ranking, WINDOWS["news"])


def _ranked(
    session: Session,
    audience: Audience,
    limit: int,
    since: dt.datetime | None,
    now: dt.datetime | None,
    used_statuses: Sequence[str],
) -> list[Suggestion]:
    now = now or utcnow()
    since = now - default_window(audience) if since is None else since
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
        context=description_terms(audience.description, phrases(audience.keywords)),
    )
    if not matches:
        return []
    volumes = feed_volumes(session, audience.workspace_id, since, now)
    fits: Counter[int | None] = Counter()
    for m in matches:
        fits[m.feed_id] += m.fit
    scored = learning.adapt(
        [_scored(m, now, audience, (fits[m.feed_id], volumes.get(m.feed_id, 1))) for m in matches],
        learning.examples(session, audience.id),
    )
    scored.sort(key=_rank_key)
    span = max(DEDUP_PER_ITEM * limit, CAP_SPAN * DEDUP_PER_ITEM)
    return _diversified(iter(_distinct(scored[:span]) + scored[span:]), limit)


def _scored(
    match: Match, now: dt.datetime, audience: Audience, feed_fit: tuple[float, int]
) -> Suggestion:
    age = max((now - match.published_at).total_seconds() / 86400, 0.0)
    floor = FRESHNESS_FLOOR.get(audience.ranking, FRESHNESS_FLOOR["news"])
    freshness = floor + (1 - floor) * 0.5 ** (age / audience.half_life_days)
    fitting, total = feed_fit
    prior = ((fitting + 1) / (max(total, fitting) + 2)) ** FEED_FIT_POWER
    return Suggestion(
        article_id=match.article_id,
        title=match.title,
        url=match.canonical_url,
        published_at=match.published_at,
        feed_id=match.feed_id,
        feed_title=match.feed_title,
        score=match.relevance * prior * freshness,
        relevance=match.relevance,
        matched_keywords=match.matched,
        age_days=age,
        match=match,
        feed_fit=(fitting, total) if match.feed_id is not None else (0.0, 0),
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


def _distinct(ranked: Iterable[Suggestion]) -> list[Suggestion]:
    """Each story once: the best-scored copy stays and names the feeds of later copies (same
    canonical URL, near-identical title words, or leads sharing SAME_LEAD of their word
    triples, which catches two wires' different headlines over the same first paragraph).
    Earlier copies are found through an index of their words and triples, not pairwise."""
    kept: list[Suggestion] = []
    sizes: list[tuple[int, int]] = []  # (title words, lead triples) of each kept story
    by_url: dict[str, int] = {}
    by_word: dict[object, list[int]] = {}
    for suggestion in ranked:
        match = suggestion.match
        words = match.title_words if match else frozenset()
        lead = match.lead if match else ()
        shingles = frozenset(zip(lead, lead[1:], lead[2:], strict=False))
        if len(shingles) < MIN_SHINGLES:
            shingles = frozenset()
        same = by_url.get(suggestion.url) if suggestion.url else None
        if same is None:
            same = _same_story(words, shingles, sizes, by_word)
        if same is not None:
            best = kept[same]
            source = suggestion.feed_title
            if source and source != best.feed_title and source not in best.also_in:
                kept[same] = dataclasses.replace(best, also_in=(*best.also_in, source))
            continue
        index = len(kept)
        if suggestion.url:
            by_url[suggestion.url] = index
        for key in itertools.chain(words, shingles):
            postings = by_word.setdefault(key, [])
            if len(postings) < MAX_POSTINGS:
                postings.append(index)
        kept.append(suggestion)
        sizes.append((len(words), len(shingles)))
    return kept


def _same_story(
    words: frozenset[str],
    shingles: frozenset[tuple[str, ...]],
    sizes: Sequence[tuple[int, int]],
    by_word: dict[object, list[int]],
) -> int | None:
    """The first kept story whose title words (Jaccard >= SAME_STORY) or lead triples
    (>= SAME_LEAD) this one shares; words and triples differ in type, so one index holds both."""
    shared_words: Counter[int] = Counter(i for w in words for i in by_word.get(w, ()))
    shared_triples: Counter[int] = Counter(i for t in shingles for i in by_word.get(t, ()))
    for index in sorted(shared_words.keys() | shared_triples.keys()):
        title_size, lead_size = sizes[index]
        common = shared_words[index]
        if common and common / (len(words) + title_size - common) >= SAME_STORY:
            return index
        common = shared_triples[index]
        if common and common / (len(shingles) + lead_size - common) >= SAME_LEAD:
            return index
    return None


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
    audiences_db.get_audience(session, workspace_id, audience_id)
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
    audiences_db.get_audience(session, workspace_id, audience_id)
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
    audience = audiences_db.lock_audience(session, workspace_id, audience_id)
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
        post = posts_db.create_post(session, workspace_id, audience.id, draft)
        result.filled.append((slot, post))
    return result


def _empty_slots(
    session: Session, audience: Audience, start: dt.datetime, end: dt.datetime
) -> list[dt.datetime]:
    open_slots = [slot for slot, give in slots_db.slots(session, audience, start, end) if not give]
    if not open_slots:
        return []
    cadence = policy.cadence_of(audience)
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
