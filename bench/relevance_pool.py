"""Candidate pools for grading suggestions by hand, and the frozen "today's ranking".

The 90 real feeds are served on 127.0.0.1 and ingested through the product's fetch path (as
tests/evaluation/corpus.py does) into a temporary SQLite database. For each audience of
tests/data/relevance, the pool is the union of the top ``--depth`` articles of five rankings:
today's suggestions (the audience's default half-life), the same with a 365-day half-life, the
newest articles whose title holds a keyword, the articles whose title or summary holds the most
distinct keywords, and the same counting the description's words as weaker evidence. Pooling
from unlike rankings keeps the judgements from following any one of them. Each pool is written
shuffled, without its provenance, for blind grading; articles already judged are left out
unless ``--all``. With ``--freeze FILE`` the top 10 of today's ranking per audience is
written there, for the side-by-side benchmark (tests/data/relevance/baseline/rankings-aab1145.json
was made so; tests/data/relevance/heldout/baseline/rankings-9eee635.json for the held-out set).

Run: .venv/bin/python bench/relevance_pool.py [--set DIR] [--out DIR] [--depth 15]
     [--min-pool 40] [--freeze FILE]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import random
import re
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pytest_httpserver import HTTPServer
from sqlalchemy import select
from sqlalchemy.orm import Session

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # tests.evaluation.corpus: the one corpus ingest, shared with tests

from workspaces import bench_database  # noqa: E402

from core.models import Workspace  # noqa: E402
from feeds.models import Article  # noqa: E402
from schedules import audiences_db, suggestions_db  # noqa: E402
from tests.evaluation.corpus import EVAL_NOW, ingest, stable_url  # noqa: E402
from tests.evaluation.relevance import RELEVANCE  # noqa: E402

SINCE = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)  # every dated corpus article is a candidate
LONG_HALF_LIFE = 365
# Words of a job description that say nothing about the topic.
STOPWORDS = frozenset(
    (  # noqa: SIM905 (one word list reads better than forty quoted items)
        "about after also along around build builds care cares choose companies company engineers "
        "follow from have into leads look manage managers more other production public run runs "
        "such teams that their them they this those what where which while with work"
    ).split()
)


@dataclass(frozen=True)
class Candidate:
    url: str
    title: str
    summary: str
    published_at: dt.datetime


def _word_pattern(keywords: list[str]) -> re.Pattern[str] | None:
    """Case-insensitive whole-word match of any keyword as written ("C++" stays "C++")."""
    words = [re.escape(k.strip()) for k in keywords if k.strip()]
    return re.compile(rf"(?<!\w)(?:{'|'.join(words)})(?!\w)", re.I) if words else None


def _articles(session: Session, workspace_id: int, now: dt.datetime) -> list[Article]:
    query = select(Article).where(
        Article.workspace_id == workspace_id,
        Article.canonical_url.is_not(None),
        Article.published_at <= now,
    )
    return list(session.scalars(query))


def _candidate(article: Article) -> Candidate:
    return Candidate(
        stable_url(article.canonical_url),
        article.title,
        article.summary_text,
        article.published_at,
    )


def title_keyword_baseline(
    session: Session,
    workspace_id: int,
    keywords: list[str],
    exclude_keywords: list[str] = (),
    *,
    limit: int = 10,
    now: dt.datetime = EVAL_NOW,
) -> list[Candidate]:
    """The newest articles whose title holds a keyword as a whole word (case-insensitive), none
    whose title or summary holds an excluded one: the naive ranking a rep could do by hand."""
    include, exclude = _word_pattern(keywords), _word_pattern(list(exclude_keywords))
    hits = [
        a
        for a in _articles(session, workspace_id, now)
        if include
        and include.search(a.title)
        and not (exclude and exclude.search(f"{a.title} {a.summary_text}"))
    ]
    hits.sort(key=lambda a: (a.published_at, a.id), reverse=True)
    return [_candidate(a) for a in hits[:limit]]


def keyword_coverage_baseline(
    session: Session,
    workspace_id: int,
    keywords: list[str],
    exclude_keywords: list[str] = (),
    *,
    limit: int = 10,
    now: dt.datetime = EVAL_NOW,
) -> list[Candidate]:
    """Articles ordered by how many distinct keywords their title and summary hold, newest
    first among equals; no recency decay, so older on-topic articles come up."""
    weighted = [(1, k) for k in keywords]
    return _coverage_ranked(session, workspace_id, weighted, exclude_keywords, 1, limit, now)


def description_baseline(
    session: Session,
    workspace_id: int,
    keywords: list[str],
    description: str,
    exclude_keywords: list[str] = (),
    *,
    limit: int = 10,
    now: dt.datetime = EVAL_NOW,
) -> list[Candidate]:
    """Like :func:`keyword_coverage_baseline`, with the description's own words as weaker
    evidence (a keyword counts two, a description word one; two points needed), so articles
    on the buyer's job that use none of the keywords are pooled too."""
    words = {w.lower() for w in re.findall(r"[A-Za-z][A-Za-z-]{3,}", description)}
    weighted = [(2, k) for k in keywords] + [(1, w) for w in sorted(words - STOPWORDS)]
    return _coverage_ranked(session, workspace_id, weighted, exclude_keywords, 2, limit, now)


def _coverage_ranked(
    session: Session,
    workspace_id: int,
    weighted_terms: list[tuple[int, str]],
    exclude_keywords: list[str],
    minimum: int,
    limit: int,
    now: dt.datetime,
) -> list[Candidate]:
    patterns = [(w, p) for w, term in weighted_terms if (p := _word_pattern([term]))]
    exclude = _word_pattern(list(exclude_keywords))
    scored = []
    for article in _articles(session, workspace_id, now):
        text = f"{article.title} {article.summary_text}"
        if exclude and exclude.search(text):
            continue
        coverage = sum(weight for weight, pattern in patterns if pattern.search(text))
        if coverage >= minimum:
            scored.append((coverage, article.published_at, article.id, article))
    scored.sort(key=lambda row: row[:3], reverse=True)
    return [_candidate(row[3]) for row in scored[:limit]]


@contextmanager
def corpus_workspace(name: str) -> Iterator[tuple[Session, Workspace, int]]:
    """A throwaway SQLite database with one workspace holding the whole corpus, served by a local
    HTTP server; yields the writer session, the workspace and the number of feeds ingested."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per feed served
    with (
        tempfile.TemporaryDirectory() as tmp,
        HTTPServer(host="127.0.0.1", port=0) as server,
        bench_database(f"sqlite:///{tmp}/corpus.db") as (_engine, _reader, writer),
        writer() as session,
    ):
        workspace = Workspace(name=name, timezone="UTC")
        session.add(workspace)
        session.flush()
        yield session, workspace, ingest(session, workspace.id, server)


def suggested(session: Session, workspace_id: int, audience_id: int, limit: int) -> list[str]:
    """The stable urls of the audience's top ``limit`` suggestions over the whole corpus."""
    top = suggestions_db.suggest(
        session, workspace_id, audience_id, limit=limit, since=SINCE, now=EVAL_NOW
    )
    return [stable_url(s.url) for s in top]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "relevance-pool")
    parser.add_argument("--depth", type=int, default=15, help="articles taken from each ranking")
    parser.add_argument("--min-pool", type=int, default=40, help="deepen until this many")
    parser.add_argument("--all", action="store_true", help="re-grade: pool plus judged")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--set", type=Path, default=RELEVANCE, help="folder of <slug>.json")
    parser.add_argument("--freeze", type=Path, help="write today's top 10 per audience here")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed)
    frozen: dict[str, list[str]] = {}
    with corpus_workspace("Relevance pool") as (session, workspace, feeds):
        print("feeds ingested:", feeds)
        by_url = {
            stable_url(a.canonical_url): a for a in _articles(session, workspace.id, EVAL_NOW)
        }
        for path in sorted(args.set.glob("*.json")):
            spec = json.loads(path.read_text())
            fields = spec["audience"]
            keywords, excludes = fields["keywords"], fields["exclude_keywords"]
            today = audiences_db.create_audience(session, workspace.id, **fields)
            long = audiences_db.create_audience(
                session,
                workspace.id,
                **{**fields, "name": f"{fields['name']} (long)"},
                half_life_days=LONG_HALF_LIFE,
            )
            frozen[fields["name"]] = suggested(session, workspace.id, today.id, 10)
            judged = {j["url"] for j in spec["judgements"]}
            depth = args.depth
            while True:
                rankings = {
                    "today": suggested(session, workspace.id, today.id, depth),
                    "long": suggested(session, workspace.id, long.id, depth),
                    "title": [
                        c.url
                        for c in title_keyword_baseline(
                            session, workspace.id, keywords, excludes, limit=depth
                        )
                    ],
                    "coverage": [
                        c.url
                        for c in keyword_coverage_baseline(
                            session, workspace.id, keywords, excludes, limit=depth
                        )
                    ],
                    "description": [
                        c.url
                        for c in description_baseline(
                            session,
                            workspace.id,
                            keywords,
                            fields["description"],
                            excludes,
                            limit=depth,
                        )
                    ],
                }
                pool = {u for urls in rankings.values() for u in urls}
                if len(pool | judged) >= args.min_pool or depth >= suggestions_db.MAX_LIMIT:
                    break
                depth += 5
            pooled = sorted((pool | judged) if args.all else (pool - judged))
            rng.shuffle(pooled)
            rows = [
                {
                    "url": url,
                    "title": by_url[url].title,
                    "summary": " ".join(by_url[url].summary_text.split())[:700],
                }
                for url in pooled
            ]
            (args.out / f"{path.stem}.json").write_text(json.dumps(rows, indent=1))
            # Provenance kept apart from what is graded, for the README's figures only.
            (args.out / f"{path.stem}.provenance.json").write_text(json.dumps(rankings))
            print(f"{path.stem}: depth {depth}, pool {len(pool)}, to grade {len(rows)}")
    if args.freeze:
        args.freeze.parent.mkdir(parents=True, exist_ok=True)
        args.freeze.write_text(json.dumps(frozen, indent=2) + "\n")


if __name__ == "__main__":
    main()
