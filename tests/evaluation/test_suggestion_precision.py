"""Suggestion quality on real feeds: P@5 and nDCG@10 against committed hand judgements.

The 90 corpus feeds are served over HTTP and ingested through ``refresh_feed``; each audience
of tests/data/relevance (its description, keywords and, for each pooled article, a grade 0/1/2
and why; see the README there) is asked for suggestions as of a fixed "now". An article in a
top 10 that nobody judged counts as not relevant (grade 0): unknown is not good, and the set
can grow without this test failing for a newcomer; it is printed, to be graded blind.
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import Engine

from core.db import make_sessionmakers
from core.models import Workspace
from schedules import audiences_db, suggestions_db
from tests.evaluation.corpus import CORPUS, EVAL_NOW, ingest, stable_url
from tests.evaluation.relevance import (
    FROZEN,
    RELEVANCE,
    five_clicks,
    held_out,
    ndcg_at_10,
    precision_at_5,
)

JUDGEMENTS = sorted(RELEVANCE.glob("*.json"))
# Validation sets checked for completeness here, but no floor asserts on their figures
# (bench/bench_relevance.py reports them), so that the ranking is not tuned against them too:
# the four held-out audiences and the third, fifth, ninth, tenth and eleventh blind sets (the
# others keep audiences with fewer than 40 judged articles or none worth sharing: the corpus
# serves those buyers too thinly).
CHECKED_SETS = {
    "heldout": 4,
    "heldout4": 6,
    "heldout6": 6,
    "heldout10": 6,
    "heldout11": 6,
    "heldout12": 6,
}
SINCE = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)  # every dated corpus article is a candidate
# Floors on the committed set, a little under what the ranking reaches on it (BENCHMARKS.md
# has the figures); the targets (mean P@5 0.8, none below 0.6, nDCG@10 0.7, feedback
# +0.05) are measured on a held-out set. The feedback gain's floor is under the target:
# the soft per-feed cap already gives a fitting feed's further articles the places that
# feedback used to win for them, so less is left to gain on the rest; the floor on the rest's
# nDCG@10 after the clicks holds what the rep then sees.
# The lowest P@5 keeps one article's margin (0.2). An unjudged article counts as not relevant,
# so extending the set never fails this test by itself; grading newcomers can only raise it.
MEAN_P5_FLOOR = 0.8
LOWEST_P5_FLOOR = 0.4
MEAN_NDCG_FLOOR = 0.68
# Mean nDCG@10 on the rest after five clicks, and its gain over the list without them.
AFTER_CLICKS_NDCG_FLOOR = 0.6
FEEDBACK_GAIN_FLOOR = 0.03

pytestmark = pytest.mark.skipif(
    not (CORPUS / "MANIFEST.tsv").is_file(),
    reason=f"real-feed corpus not found at {CORPUS} (set PLANNER_CORPUS_DIR)",
)


def _specs(paths: list[Path] = JUDGEMENTS) -> list[dict]:
    return [json.loads(path.read_text()) for path in paths]


@pytest.mark.parametrize(
    ("paths", "frozen_path", "audiences"),
    [
        (JUDGEMENTS, FROZEN, 8),
        *[
            (sorted(held_out(name)[0].glob("*.json")), held_out(name)[1], audiences)
            for name, audiences in CHECKED_SETS.items()
        ],
    ],
    ids=["committed", *CHECKED_SETS],
)
def test_judgement_set_covers_unlike_audiences_with_graded_reasons(
    paths: list[Path], frozen_path: Path, audiences: int
) -> None:
    specs = _specs(paths)
    assert len(specs) >= audiences
    frozen = json.loads(frozen_path.read_text())
    for spec in specs:
        audience, judged = spec["audience"], spec["judgements"]
        name = audience["name"]
        assert audience["description"] and audience["keywords"], name
        assert len(judged) >= 40, name
        assert len({j["url"] for j in judged}) == len(judged), f"{name}: a url judged twice"
        assert all(j["grade"] in (0, 1, 2) and j["reason"].strip() for j in judged), name
        assert any(j["grade"] == 2 for j in judged), f"{name}: nothing worth sharing"
        # The frozen "today's ranking" is what the benchmark compares against: all of it graded.
        assert set(frozen[name]) <= {j["url"] for j in judged}, name


def test_ranking_quality_stays_above_its_floor(engine: Engine, httpserver: HTTPServer) -> None:
    frozen = json.loads(FROZEN.read_text())
    with make_sessionmakers(engine)[1]() as session:
        workspace = Workspace(name="Evaluation", timezone="UTC")
        session.add(workspace)
        session.flush()
        assert ingest(session, workspace.id, httpserver) == 90
        precision, ndcg, before, unjudged, after, gain = {}, {}, {}, {}, {}, {}
        for spec in _specs():
            grades = {j["url"]: j["grade"] for j in spec["judgements"]}
            audience = audiences_db.create_audience(session, workspace.id, **spec["audience"])
            top = suggestions_db.suggest(
                session, workspace.id, audience.id, limit=10, since=SINCE, now=EVAL_NOW
            )
            urls = [stable_url(s.url) for s in top]
            name = spec["audience"]["name"]
            precision[name] = precision_at_5(urls, grades)
            ndcg[name] = ndcg_at_10(urls, grades)
            before[name] = ndcg_at_10(frozen[name], grades)
            unjudged[name] = [url for url in urls[:5] if url not in grades]
            clicked, without, learned = five_clicks(
                session, workspace.id, audience.id, grades, since=SINCE, now=EVAL_NOW
            )
            rest = {u: g for u, g in grades.items() if u not in clicked}
            after[name] = ndcg_at_10(learned, rest)
            gain[name] = after[name] - ndcg_at_10(without, rest)

    print("P@5:", precision, "nDCG@10:", ndcg, "unjudged in top 5:", unjudged)
    print("after five clicks:", after, "gain:", gain)
    assert statistics.mean(precision.values()) >= MEAN_P5_FLOOR, precision
    assert min(precision.values()) >= LOWEST_P5_FLOOR, precision
    assert statistics.mean(ndcg.values()) >= MEAN_NDCG_FLOOR, ndcg
    assert statistics.mean(after.values()) >= AFTER_CLICKS_NDCG_FLOOR, after
    assert statistics.mean(gain.values()) >= FEEDBACK_GAIN_FLOOR, gain
    # Clearly better than the ranking the issue measured (frozen at aab1145).
    assert statistics.mean(ndcg.values()) > statistics.mean(before.values()) + 0.15
