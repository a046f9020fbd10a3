"""Suggestion quality on real feeds: precision at 5 against committed hand judgements.

The 90 corpus feeds are served over HTTP and ingested through ``refresh_feed``; three
audiences (tests/data/relevance/*.json: keywords, half-life and, for each article they were
shown, whether it is relevant and why) are asked for suggestions as of a fixed "now". An
article in a top 5 that nobody judged fails the test rather than counting either way: when the
ranking changes, someone reads the newcomer and commits a judgement.
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
from tests.evaluation.corpus import CORPUS, EVAL_NOW, ingest

JUDGEMENTS = sorted((Path(__file__).parents[1] / "data" / "relevance").glob("*.json"))
SINCE = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)  # every dated corpus article is a candidate
TARGET = 0.8

pytestmark = pytest.mark.skipif(
    not (CORPUS / "MANIFEST.tsv").is_file(),
    reason=f"real-feed corpus not found at {CORPUS} (set PLANNER_CORPUS_DIR)",
)


def test_precision_at_5_for_each_audience(engine: Engine, httpserver: HTTPServer) -> None:
    assert len(JUDGEMENTS) == 3
    with make_sessionmakers(engine)[1]() as session:
        workspace = Workspace(name="Evaluation", timezone="UTC")
        session.add(workspace)
        session.flush()
        assert ingest(session, workspace.id, httpserver) == 90
        precision = {}
        for path in JUDGEMENTS:
            spec = json.loads(path.read_text())
            judged = {j["url"]: j["relevant"] for j in spec["judgements"]}
            audience = service.create_audience(session, workspace.id, **spec["audience"])
            top = suggestions.suggest(
                session, workspace.id, audience.id, limit=5, since=SINCE, now=EVAL_NOW
            )
            unjudged = [s.url for s in top if s.url not in judged]
            assert not unjudged, f"{path.name}: judge these before counting: {unjudged}"
            assert len(top) == 5
            precision[spec["audience"]["name"]] = sum(judged[s.url] for s in top) / 5

    print("precision@5:", precision)
    assert all(value >= TARGET for value in precision.values()), precision
