"""The soft per-feed cap (schedules.ranking._diversified) against a plain statement of its rule,
on random lists: each of the first ten places goes to the best discounted score among all the
candidates left (ties to the newer article, then the older row), the rest follow by score."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from schedules import ranking
from schedules.ranking import Suggestion

START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def suggestion(article_id: int, feed_id: int | None, score: float, hours: int) -> Suggestion:
    return Suggestion(
        article_id=article_id, title=f"Article {article_id}", url=None,
        published_at=START + dt.timedelta(hours=hours), feed_id=feed_id,
        feed_title=None if feed_id is None else f"Feed {feed_id}", score=score, relevance=score,
        matched_keywords=(), age_days=0.0,
    )  # fmt: skip


def by_the_rule(candidates: list[Suggestion], limit: int, trusted: frozenset[int]) -> list[int]:
    left = sorted(candidates, key=ranking._rank_key)
    placed: Counter[object] = Counter()
    chosen = []

    def key(s: Suggestion) -> tuple[float, float, int]:
        feed = s.feed_id or ("article", s.article_id)
        past = placed[feed] - ranking.FEED_CAP - (s.feed_id in trusted)
        discount = ranking.PAST_CAP if past >= 0 else 1.0
        return ranking._order(s.score * discount, s.published_at, s.article_id)

    while left and len(chosen) < min(limit, ranking.CAP_SPAN):
        best = min(left, key=key)
        left.remove(best)
        placed[best.feed_id or ("article", best.article_id)] += 1
        chosen.append(best)
    return [s.article_id for s in chosen + left][:limit]


candidate_lists = st.lists(
    st.tuples(
        st.sampled_from([None, 1, 2, 3, 4]),  # few feeds, so the discount matters
        st.sampled_from([1.0, 2.0, 4.0, 8.0, 16.0, 0.5]),  # equal scores make ties
        st.integers(0, 5),
    ),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(candidate_lists, st.integers(1, 20), st.booleans())
def test_each_place_goes_to_the_best_discounted_score_left(rows, limit, trust_feed_one):
    candidates = [suggestion(i, *row) for i, row in enumerate(rows, 1)]
    trusted = frozenset({1}) if trust_feed_one else frozenset()
    ranked = iter(sorted(candidates, key=ranking._rank_key))

    found = [s.article_id for s in ranking._diversified(ranked, limit, trusted)]

    assert found == by_the_rule(candidates, limit, trusted)
