"""Relevance feedback: an audience's ranking leans towards what the rep found useful.

Rocchio's idea, kept bounded so the keywords still lead: feedback never adds a candidate (only
keyword matches are ranked) and only multiplies a candidate's score, by at most
MAX_BOOST and at least MIN_BOOST. A candidate's headline words are compared with each
example's (a headline says what an article is about; a summary's first words carry bylines,
boilerplate and asides that make unrelated articles look alike), weighted by how rare a word is
among the candidates (so "said" counts for nothing, "kubernetes" for much); similarity to the
centroid of the useful examples (the mean of the cosines) raises it, to the centroid of the
not-useful ones lowers it, and the closest example of each kind is named in the reasons. A
feed's share of useful verdicts, smoothed, scales its articles: one useful verdict x1.5, one
not useful x0.5, as a niche feed the rep likes is likely to fit again and a wire it waved
away is not. A feed found useful twice and never not useful also has one more article
spared the per-feed cap's discount (``trusted_feeds``).
"""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from feeds.analysis import STOPWORDS

# At most this many of the newest examples of each kind count: old tastes fade.
MAX_EXAMPLES = 30
LIKE_WEIGHT = 10.0  # score x (1 + LIKE_WEIGHT x similarity to the useful examples' centroid)
UNLIKE_WEIGHT = 6.0  # ... x (1 - UNLIKE_WEIGHT x similarity to the not-useful centroid)
# A feed's factor is 2 x (useful + FEED_PRIOR) / (verdicts + 2 x FEED_PRIOR): 1 without verdicts.
FEED_PRIOR = 0.5
MIN_BOOST, MAX_BOOST = 1 / 3, 3.0
# Below this similarity an example says nothing about a candidate, and no reason names it.
SIMILAR = 0.1
# A feed with this many useful verdicts and no not-useful one is trusted: the rep has said
# twice that it fits, so the per-feed cap (a guess against busy feeds) spares one more of its
# articles.
TRUSTED_USEFUL = 2


S = TypeVar("S", bound=Any)  # a schedules.ranking.Suggestion (which imports this module)


@dataclass(frozen=True)
class Example:
    article_id: int
    title: str
    feed_id: int | None
    useful: bool
    words: frozenset[str]  # the headline's topical words


def content_words(tokens: Iterable[str]) -> frozenset[str]:
    return frozenset(t for t in tokens if len(t) > 2 and t not in STOPWORDS and not t.isdigit())


def adapt(candidates: Sequence[S], learned: Sequence[Example]) -> list[S]:
    """The candidates rescored by the feedback, each moved one saying which example moved it."""
    if not learned:
        return list(candidates)
    words = [content_words(c.match.title_words) if c.match else frozenset() for c in candidates]
    frequency: Counter[str] = Counter(w for ws in words for w in ws)
    total = len(candidates) + 1

    def weight(word: str) -> float:
        return math.log(total / (frequency.get(word, 0) + 1)) + 1

    norms = {e.article_id: _norm(e.words, weight) for e in learned}
    useful_count = sum(1 for e in learned if e.useful)
    unuseful_count = len(learned) - useful_count
    liked_feeds = Counter(e.feed_id for e in learned if e.useful and e.feed_id is not None)
    verdicts = Counter(e.feed_id for e in learned if e.feed_id is not None)
    adapted = []
    for candidate, own in zip(candidates, words, strict=True):
        norm = _norm(own, weight)
        like = unlike = itself = None
        best_like = best_unlike = 0.0
        total_like = total_unlike = 0.0
        for e in learned:
            if e.article_id == candidate.article_id:
                # The rep's verdict on this very article is the strongest evidence about it, so
                # it moves the score; a reason says so rather than call it like itself.
                similarity, itself = 1.0, e
            elif not norm or not norms[e.article_id]:
                similarity = 0.0
            else:
                shared = sum(weight(w) ** 2 for w in own & e.words)
                similarity = shared / (norm * norms[e.article_id])
            if e.useful:
                total_like += similarity
                if similarity > best_like and e is not itself:
                    best_like, like = similarity, e
            else:
                total_unlike += similarity
                if similarity > best_unlike and e is not itself:
                    best_unlike, unlike = similarity, e
        # Rocchio: similarity to the centroid of each kind is the mean of the similarities.
        towards = total_like / useful_count if useful_count else 0.0
        away = total_unlike / unuseful_count if unuseful_count else 0.0
        up, votes = liked_feeds[candidate.feed_id], verdicts[candidate.feed_id]
        feed = 2 * (up + FEED_PRIOR) / (votes + 2 * FEED_PRIOR)
        boost = (1 + LIKE_WEIGHT * towards) * (1 - UNLIKE_WEIGHT * away) * feed
        boost = min(MAX_BOOST, max(MIN_BOOST, boost))
        reasons = []
        if itself is not None:
            reasons.append(f"You found it {'useful' if itself.useful else 'not useful'}")
        if like is not None and best_like >= SIMILAR:
            reasons.append(f"Like '{like.title}', which you found useful")
        if unlike is not None and best_unlike >= SIMILAR:
            reasons.append(f"Like '{unlike.title}', which you found not useful")
        if feed != 1:
            reasons.append(
                f"Its feed gave {'useful' if feed > 1 else 'not useful'} articles before"
            )
        adapted.append(
            dataclasses.replace(candidate, score=candidate.score * boost, like=tuple(reasons))
        )
    return adapted


def trusted_feeds(learned: Sequence[Example]) -> frozenset[int]:
    """Feeds the rep found useful at least TRUSTED_USEFUL times and never not useful."""
    useful = Counter(e.feed_id for e in learned if e.useful and e.feed_id is not None)
    waved = {e.feed_id for e in learned if not e.useful}
    return frozenset(f for f, n in useful.items() if n >= TRUSTED_USEFUL and f not in waved)


def _norm(words: frozenset[str], weight: Any) -> float:
    return math.sqrt(sum(weight(w) ** 2 for w in words))
