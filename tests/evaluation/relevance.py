"""The relevance measures of tests/data/relevance (see /work/shared/RELEVANCE.md), shared by the
precision test and bench/bench_relevance.py. An unjudged article has grade 0: unknown is not
relevant, so a ranking cannot score by finding articles the judges never saw."""

from __future__ import annotations

import math


def precision_at_5(urls: list[str], grades: dict[str, int]) -> float:
    """Share of the first five graded 1 or 2 (a short list counts its gaps as misses)."""
    return sum(grades.get(u, 0) >= 1 for u in urls[:5]) / 5


def ndcg_at_10(urls: list[str], grades: dict[str, int]) -> float:
    """Gain 2**grade - 1, discount log2(rank + 1), ideal from the best ten judged."""

    def dcg(gains: list[int]) -> float:
        return sum((2**g - 1) / math.log2(rank + 1) for rank, g in enumerate(gains[:10], 1))

    ideal = dcg(sorted(grades.values(), reverse=True))
    return dcg([grades.get(u, 0) for u in urls]) / ideal if ideal else 0.0
