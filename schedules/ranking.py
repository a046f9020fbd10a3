"""Ranking an audience's candidates: pure functions over the matches feeds.search_db found.

Score = relevance x feed fit x feedback x meaning x freshness (x PROMOTION_FACTOR for what
looks like a site page or a promotion), each factor bounded so that none alone decides:

- relevance (feeds.search_db): keywords in title, summary and tags, description words as weaker
  evidence, believed in proportion to the breadth of evidence;
- feed fit: the share of the feed's articles in the window that fit the audience, smoothed
  towards the share over all feeds (PRIOR_ARTICLES pseudo-articles at that base rate), to the
  power FEED_FIT_POWER: a niche blog whose every post fits outranks a wire that fits once in
  fifty, and busy off-topic feeds do not fill the list, but a feed with a handful of articles
  is presumed average (not half fitting), and the prior stays a nudge beside the relevance;
- feedback (schedules.learning): articles like those the rep found useful gain, like those
  found not useful lose, within bounds;
- meaning (feeds.semantic, when its model is installed and switched on): exp(MEANING_WEIGHT x
  how much closer than the median candidate the article's meaning vector is to the audience's
  name, description and keywords), within MEANING_BOUNDS, which tells the senses of a keyword
  apart; an article without a vector counts as the median;
- freshness: FLOOR + (1 - FLOOR) x 0.5 ** (age / half-life); "news" audiences have a low
  floor (fresh matters), "evergreen" ones a high floor (relevance first). Exponential decay
  keeps the order of two articles independent of when the list is asked for.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import heapq
import itertools
import math
import re
import statistics
from collections import Counter, deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from feeds.scoring import Match
from schedules import learning
from schedules.models import Audience

if TYPE_CHECKING:
    from schedules.staggering import ColleaguePlan

# Closeness in meaning multiplies the score by exp(MEANING_WEIGHT x cosine above the median
# candidate's), between x1/4 and x4 so that meaning alone never decides: a candidate 0.14
# closer than the median counts twice, 0.14 further half (0 is the lexical ranking). Past the
# factors below, the reasons say so.
MEANING_WEIGHT = 5.0
MEANING_BOUNDS = (0.25, 4.0)
CLOSE_IN_MEANING, FAR_IN_MEANING = 1.5, 2 / 3
# Per ranking mode: how far back candidates go by default, and the freshness floor.
WINDOWS = {"news": dt.timedelta(days=60), "evergreen": dt.timedelta(days=180)}
# An old article keeps half its score in "news" mode: fresh matters, but an on-topic analysis
# must not lose to a keyword coincidence for being a few weeks old.
FRESHNESS_FLOOR = {"news": 0.5, "evergreen": 0.7}
# Feed fit is a prior, not a verdict: its fourth root, so a feed fitting 16 times as often as
# another lifts its articles x2, and a feed's smoothed share starts from the base rate with the
# weight of PRIOR_ARTICLES articles, so that a feed's first few articles say little.
FEED_FIT_POWER = 0.25
PRIOR_ARTICLES = 20
# Diversity: among the first CAP_SPAN suggestions, each article of a feed past its first
# FEED_CAP (one more for a feed the rep trusts: learning.trusted_feeds) counts PAST_CAP times
# its score: each further article of one feed needs four times the score of the other
# candidates, so a busy feed cannot fill the list, but neither do keyword coincidences from
# other feeds push out a niche feed's clearly better articles, however many it has.
FEED_CAP = 2
PAST_CAP = 0.25
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
# Site pages and promotions that feeds carry among their articles (RELEVANCE.md grades them 0):
# a title that is a site page's name, or that holds a promotion's wording, keeps this share of
# its score, unless the audience asked for that word.
PROMOTION_FACTOR = 0.25
SITE_PAGES = frozenset((
    "privacy policy", "privacy", "terms of service", "terms of use", "terms and conditions",
    "cookie policy", "about", "about me", "about us", "contact", "contact me", "contact us",
    "advertise", "advertising", "sponsorship", "sponsors", "subscribe", "newsletter",
    "disclaimer", "imprint", "impressum", "colophon", "donate", "support us",
))  # fmt: skip
PROMOTION_CUES = (
    "kickstarter", "indiegogo", "crowdfunding", "pre-order", "preorder", "for sale", "on sale",
    "pre-orders", "preorders", "coupon", "coupons", "promo code", "discount code", "giveaway",
    "giveaways", "sponsorship opportunity", "sponsorship opportunities", "become a sponsor",
    "sponsor us", "advertise with us", "buy now", "black friday", "cyber monday", "early bird",
    "% off",
)  # fmt: skip


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
    feedback: str | None = None  # the rep's explicit verdict on it, if any
    # Colleagues' posts of it to the audience, set after ranking (schedules.staggering).
    planned_by: tuple[ColleaguePlan, ...] = ()
    meaning: float = 1.0  # the factor closeness in meaning gave it
    promotion: str | None = None  # the wording that made it look like a promotion or site page
    # The match's reasons written out by ``kept``, when the match itself is let go.
    match_evidence: tuple[str, ...] | None = field(default=None, repr=False, compare=False)

    def kept(self) -> Suggestion:
        """This suggestion as a kept list holds it: the match's reasons written out and the
        match let go, since it holds the candidate's every word (most of a list's memory)."""
        return dataclasses.replace(self, match=None, match_evidence=tuple(self._match_reasons()))

    @property
    def reasons(self) -> list[str]:
        """What a rep reads to trust the suggestion: each piece of evidence that moved it."""
        return [*self._match_reasons(), *self._meaning(), *self.like,
                *self._promotion(), describe_age(self.age_days), self._source(),
                *(["Also in " + ", ".join(self.also_in)] if self.also_in else []),
                *(plan.note for plan in self.planned_by)]  # fmt: skip

    def _match_reasons(self) -> Sequence[str]:
        if self.match_evidence is not None:
            return self.match_evidence
        return match_reasons(self.match, self.matched_keywords)

    def _meaning(self) -> list[str]:
        # Against the median candidate, not an absolute measure, so the reasons say "most".
        if self.meaning >= CLOSE_IN_MEANING:
            return [
                f"Closer in meaning to this audience than most candidates (x{self.meaning:.1f})"
            ]
        if self.meaning <= FAR_IN_MEANING:
            return [
                f"Further in meaning from this audience than most candidates (x{self.meaning:.1f})"
            ]
        return []

    def _promotion(self) -> list[str]:
        if self.promotion is None:
            return []
        return [f'Looks like a promotion or a site page ("{self.promotion}"): ranked lower']

    def _source(self) -> str:
        if not self.feed_title:
            return "From a feed no longer followed"
        fits, total = self.feed_fit
        if total:
            return (f"From {self.feed_title}, where {round(fits):d} of {total} recent "
                    f"article{'s' * (total != 1)} fit this audience")  # fmt: skip
        return f"From {self.feed_title}"


def match_reasons(match: Match | None, matched: Sequence[str]) -> list[str]:
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
    if len(match.matched) == 1 and not (match.context_terms and match.title_terms):
        # A lone keyword is weak evidence alone, and weaker still when only the text has it.
        passing = "" if match.title_terms else ", and only in the text"
        alone = "" if match.context_terms else " and nothing else of the description"
        reasons.append(f"Only one keyword ({match.matched[0]}){passing}{alone}: weak evidence")
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


def default_window(audience: Audience) -> dt.timedelta:
    """How far back candidates go when no ``since`` is given (by the ranking mode)."""
    return WINDOWS.get(audience.ranking, WINDOWS["news"])


def rank(
    matches: Sequence[Match],
    audience: Audience,
    volumes: Mapping[int | None, int],
    closeness: Mapping[int, float],
    learned: Sequence[learning.Example],
    limit: int,
    now: dt.datetime,
) -> list[Suggestion]:
    """The best ``limit`` of ``matches``: scored (``closeness``: the cosine of their meaning
    with the audience's, by article id, where known), adapted to the rep's feedback, each story
    once, and no feed filling the top of the list."""
    fits: Counter[int | None] = Counter()
    for m in matches:
        fits[m.feed_id] += m.fit
    # The share of the window's articles that fit: what a feed is presumed to do until its own
    # articles say otherwise.
    base = sum(fits.values()) / max(sum(volumes.values()), 1)

    meanings = _meanings(closeness)
    asked = " ".join(audience.keywords).casefold()

    def prior(m: Match) -> _Prior:
        meaning = meanings.get(m.article_id, 1.0)
        promotion = promotion_cue(m.title, asked)
        return _Prior((fits[m.feed_id], volumes.get(m.feed_id, 1)), base, meaning, promotion)

    def scored(m: Match) -> _Scored:
        p = prior(m)
        return _Scored(m, p, *_score(m, now, audience, p))

    # Each candidate is scored once; only those the list reaches become Suggestions, unless
    # feedback rescores them all.
    candidates = [scored(m) for m in matches]
    ordered: Iterator[Suggestion]
    if learned:
        suggestions = [_suggestion(c) for c in candidates]
        ordered = iter(sorted(learning.adapt(suggestions, learned), key=_rank_key))
    else:
        candidates.sort(key=lambda c: _order(c.score, c.match.published_at, c.match.article_id))
        ordered = (_suggestion(c) for c in candidates)
    span = max(DEDUP_PER_ITEM * limit, CAP_SPAN * DEDUP_PER_ITEM)
    ranked = itertools.chain(_distinct(itertools.islice(ordered, span)), ordered)
    return _diversified(ranked, limit, learning.trusted_feeds(learned))


@dataclass(frozen=True)
class _Prior:
    """What a candidate's score owes to more than its own words: its feed's (fitting articles,
    articles) in the window, the window's share of fitting articles, its meaning factor, and
    what makes it look like a promotion (``promotion_cue``)."""

    feed_fit: tuple[float, int]
    base_rate: float
    meaning: float
    promotion: str | None = None


def promotion_cue(title: str, asked: str) -> str | None:
    """What makes the title look like a site page or a promotion, unless ``asked`` (the
    audience's keywords, case-folded) holds it; None for an article. Cues are whole phrases:
    "for sale" is no cue in "AI for sales leaders", which a sales audience wants."""
    folded = title.casefold()
    plain = " ".join(re.sub(r"[^\w%-]+", " ", folded).split())
    if plain in SITE_PAGES:
        cues: tuple[str, ...] = (plain,)
    elif _ANY_PROMOTION.search(folded):  # one pass over the title first: most hold no cue
        cues = PROMOTION_CUES
    else:
        return None
    return next(
        (cue for cue in cues if _phrase(cue).search(folded) and not _phrase(cue).search(asked)),
        None,
    )


@functools.cache
def _phrase(text: str) -> re.Pattern[str]:
    """``text`` not inside a longer word."""
    start = r"(?<!\w)" if text[0].isalnum() else ""
    end = r"(?!\w)" if text[-1].isalnum() else ""
    return re.compile(start + re.escape(text) + end)


def _any_of(cues: Sequence[str]) -> re.Pattern[str]:
    """One pattern for all ``cues`` as whole phrases. The word boundaries sit around one
    alternation of the cues: with a boundary inside each alternative, re tried every cue at
    every position of the title, ten times slower."""
    plain = [c for c in cues if c[0].isalnum() and c[-1].isalnum()]
    others = [_phrase(c).pattern for c in cues if c not in plain]
    either = "|".join(map(re.escape, plain))
    return re.compile("|".join([rf"(?<!\w)(?:{either})(?!\w)", *others]))


_ANY_PROMOTION = _any_of(PROMOTION_CUES)


def _meanings(closeness: Mapping[int, float]) -> dict[int, float]:
    """Each candidate's meaning factor, exp(MEANING_WEIGHT x its cosine above the median
    candidate's) within MEANING_BOUNDS, by article id; a candidate without one counts 1."""
    if not closeness:
        return {}
    median = statistics.median(closeness.values())
    low, high = MEANING_BOUNDS
    return {
        article_id: min(high, max(low, math.exp(MEANING_WEIGHT * (cosine - median))))
        for article_id, cosine in closeness.items()
    }


class _Scored(NamedTuple):
    match: Match
    prior: _Prior
    score: float
    age: float


def _suggestion(candidate: _Scored) -> Suggestion:
    match, prior = candidate.match, candidate.prior
    return Suggestion(
        article_id=match.article_id,
        title=match.title,
        url=match.canonical_url,
        published_at=match.published_at,
        feed_id=match.feed_id,
        feed_title=match.feed_title,
        score=candidate.score,
        relevance=match.relevance,
        matched_keywords=match.matched,
        age_days=candidate.age,
        match=match,
        feed_fit=prior.feed_fit if match.feed_id is not None else (0.0, 0),
        meaning=prior.meaning,
        promotion=prior.promotion,
    )


def _score(
    match: Match, now: dt.datetime, audience: Audience, prior: _Prior
) -> tuple[float, float]:
    """The match's score and its age in days."""
    age = max((now - match.published_at).total_seconds() / 86400, 0.0)
    floor = FRESHNESS_FLOOR.get(audience.ranking, FRESHNESS_FLOOR["news"])
    freshness = floor + (1 - floor) * 0.5 ** (age / audience.half_life_days)
    fitting, total = prior.feed_fit
    share = (fitting + PRIOR_ARTICLES * prior.base_rate) / (max(total, fitting) + PRIOR_ARTICLES)
    promotion = PROMOTION_FACTOR if prior.promotion else 1.0
    return match.relevance * share**FEED_FIT_POWER * prior.meaning * freshness * promotion, age


def _rank_key(s: Suggestion) -> tuple[float, float, int]:
    return _order(s.score, s.published_at, s.article_id)


def _order(score: float, published_at: dt.datetime, article_id: int) -> tuple[float, float, int]:
    # Ties (equal scores) go to the newer article, then the older row, so the order is total.
    return (-score, -published_at.timestamp(), article_id)


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


def _diversified(
    ranked: Iterator[Suggestion], limit: int, trusted: frozenset[int] = frozenset()
) -> list[Suggestion]:
    """The first CAP_SPAN places by score with each feed's articles past its cap discounted
    (PAST_CAP per article past FEED_CAP, one more allowed for a ``trusted`` feed: the rep found
    it useful repeatedly, and the cap guards against busy feeds the rep has not judged); after
    those, order is by score.

    Articles read but not yet placed wait in one queue per feed, best first: they share their
    feed's discount, so only the queues' heads compete for a place, and ``ranked`` is read on
    only while its next article (never discounted by more than its own) could still win. An
    article passed over keeps its place in the score order below the span, and when too few
    feeds have candidates, the discounted articles still fill the span.
    """
    span = min(limit, CAP_SPAN)
    top: list[Suggestion] = []
    waiting: dict[object, deque[Suggestion]] = {}
    per_feed: Counter[object] = Counter()

    def feed(suggestion: Suggestion) -> object:
        # An article whose feed was unsubscribed is capped with nothing else.
        return suggestion.feed_id or ("article", suggestion.article_id)

    def place_key(suggestion: Suggestion) -> tuple[float, float, int]:
        past = per_feed[feed(suggestion)] - FEED_CAP - (suggestion.feed_id in trusted)
        discount = PAST_CAP if past >= 0 else 1.0
        return _order(suggestion.score * discount, suggestion.published_at, suggestion.article_id)

    upcoming = next(ranked, None)
    while len(top) < span and (waiting or upcoming is not None):
        best = min((queue[0] for queue in waiting.values()), key=place_key, default=None)
        if upcoming is not None and (best is None or _rank_key(upcoming) < place_key(best)):
            waiting.setdefault(feed(upcoming), deque()).append(upcoming)
            upcoming = next(ranked, None)
            continue
        queue = waiting[feed(best)]
        queue.popleft()
        if not queue:
            del waiting[feed(best)]
        per_feed[feed(best)] += 1
        top.append(best)
    later = itertools.chain([upcoming] if upcoming is not None else [], ranked)
    rest = heapq.merge(*waiting.values(), later, key=_rank_key)
    return top + list(itertools.islice(rest, limit - len(top)))
