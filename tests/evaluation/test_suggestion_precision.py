"""Suggestion quality on real feeds: precision at 5 against committed hand judgements.

The 90 corpus feeds are served over HTTP and ingested through ``refresh_feed``; each audience
of tests/data/relevance (its description, keywords and, for each pooled article, a grade 0/1/2
and why; see the README there) is asked for suggestions as of a fixed "now". An article in a
top 5 that nobody judged fails the test rather than counting either way: when the ranking
changes, someone grades the newcomer blind and commits the judgement.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import Engine

from core.accounts import Workspace
from core.db import make_sessionmakers
from schedules import service, suggestions
from tests.evaluation.corpus import CORPUS, EVAL_NOW, ingest, stable_url

RELEVANCE = Path(__file__).parents[1] / "data" / "relevance"
JUDGEMENTS = sorted(RELEVANCE.glob("*.json"))
FROZEN = RELEVANCE / "baseline" / "rankings-aab1145.json"
SINCE = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)  # every dated corpus article is a candidate
TARGET = 0.8  # P@5 per audience (issue 13: mean >= 0.8, none below 0.6 on the held-out set)

pytestmark = pytest.mark.skipif(
    not (CORPUS / "MANIFEST.tsv").is_file(),
    reason=f"real-feed corpus not found at {CORPUS} (set PLANNER_CORPUS_DIR)",
)


def _specs() -> list[dict]:
    return [json.loads(path.read_text()) for path in JUDGEMENTS]


def test_judgement_set_covers_unlike_audiences_with_graded_reasons() -> None:
    specs = _specs()
    assert len(specs) >= 8
    frozen = json.loads(FROZEN.read_text())
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


def test_precision_at_5_for_each_audience(engine: Engine, httpserver: HTTPServer) -> None:
    with make_sessionmakers(engine)[1]() as session:
        workspace = Workspace(name="Evaluation", timezone="UTC")
        session.add(workspace)
        session.flush()
        assert ingest(session, workspace.id, httpserver) == 90
        precision = {}
        for spec in _specs():
            judged = {j["url"]: j["grade"] for j in spec["judgements"]}
            audience = service.create_audience(session, workspace.id, **spec["audience"])
            top = suggestions.suggest(
                session, workspace.id, audience.id, limit=5, since=SINCE, now=EVAL_NOW
            )
            urls = [stable_url(s.url) for s in top]
            name = spec["audience"]["name"]
            unjudged = [url for url in urls if url not in judged]
            assert not unjudged, f"{name}: grade these blind before counting: {unjudged}"
            assert len(urls) == 5, name
            precision[name] = sum(judged[url] >= 1 for url in urls) / 5

    print("precision@5:", precision)
    if not all(value >= TARGET for value in precision.values()):
        # Today's ranking (aab1145) is far below the target on this set; the ranking of issue 13
        # is meant to lift it, and whoever lands it turns this into a hard assertion.
        pytest.xfail(f"P@5 below {TARGET}: {precision}")
