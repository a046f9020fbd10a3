"""Suggestion latency over 10,000 and 100,000 synthetic articles (target: median <= 50 ms).

Articles are spread over the past year from 200 feeds, with titles and summaries drawn from a
Zipf-distributed vocabulary (as real text is), so the audience's five keywords (one a
two-word phrase) are neither everywhere nor nowhere. Two windows are timed: the default
(a news audience's last 60 days, about 1/6 of the articles) and ``since`` a year ago (every
article a candidate, the worst case).

Run: .venv/bin/python bench/bench_suggestions.py [--database-url URL] [--sizes 10000 100000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import random
import statistics
import time

from sqlalchemy import insert
from workspaces import bench_database, drop_workspace, settle

from core import dialects
from core.models import Workspace
from feeds.analysis import search_fields
from feeds.entries_db import insert_articles
from feeds.models import Feed
from schedules import audiences_db, suggestions_db

NOW = dt.datetime(2026, 2, 19, tzinfo=dt.UTC)
ROUNDS = 40
FEEDS = 200
VOCABULARY = 20_000


def _vocabulary(rng: random.Random) -> list[str]:
    syllables = ["ka", "lo", "mi", "ter", "on", "sa", "pri", "vel", "dus", "ne", "ro", "ga"]
    words: dict[str, None] = {}
    while len(words) < VOCABULARY:
        words["".join(rng.choices(syllables, k=rng.randint(2, 4)))] = None
    return list(words)


def build(writer, size: int, rng: random.Random) -> tuple[int, int]:
    words = _vocabulary(rng)
    weights = [1 / rank for rank in range(1, VOCABULARY + 1)]  # Zipf: rank r has weight 1/r
    with writer() as session:
        workspace = Workspace(name=f"bench-{size}-{time.time_ns()}", timezone="UTC")
        session.add(workspace)
        session.flush()
        feed_ids = [
            session.scalar(
                insert(Feed)
                .values(workspace_id=workspace.id, url=f"https://f{i}.example/feed",
                        title=f"Feed {i}", tags=[], enabled=True, error_count=0,
                        next_check_at=NOW, created_at=NOW)
                .returning(Feed.id)
            )
            for i in range(FEEDS)
        ]  # fmt: skip
        rows = []
        for index in range(size):
            title = " ".join(rng.choices(words, weights, k=rng.randint(6, 12)))
            summary = " ".join(rng.choices(words, weights, k=rng.randint(40, 120)))
            search_title, search_body, _ = search_fields(title, (), summary)
            rows.append({
                "workspace_id": workspace.id, "canonical_url": f"https://a.example/{index}",
                "title": title, "published_at": NOW - dt.timedelta(days=rng.uniform(0, 365)),
                "summary_html": "", "summary_text": summary, "tags": [],
                "first_feed_id": rng.choice(feed_ids), "content_hash": hashlib.sha256(
                    title.encode()).hexdigest(), "created_at": NOW, "updated_at": NOW,
                "search_title": search_title, "search_body": search_body,
            })  # fmt: skip
            if len(rows) == 5000:
                insert_articles(session, rows)  # with their meaning vectors, as a refresh
                rows.clear()
        if rows:
            insert_articles(session, rows)
        # Keywords of middling frequency (ranks 100-2,000), as an audience's terms are.
        keywords = [*rng.sample(words[100:2000], 4), " ".join(rng.sample(words[20:200], 2))]
        audience = audiences_db.create_audience(
            session, workspace.id, name="Bench", keywords=keywords, half_life_days=7
        )
        session.commit()
        return workspace.id, audience.id


def measure(reader, workspace_id: int, audience_id: int, since: dt.datetime | None):
    timings, found = [], 0
    for _ in range(ROUNDS):
        with reader() as session:
            began = time.perf_counter()
            found = len(
                suggestions_db.suggest(session, workspace_id, audience_id, since=since, now=NOW)
            )
            timings.append(time.perf_counter() - began)
    timings.sort()
    return statistics.median(timings) * 1000, timings[int(ROUNDS * 0.95)] * 1000, found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", help="PostgreSQL URL (default: SQLite)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--json", action="store_true", help="end with one JSON result line")
    args = parser.parse_args()
    with bench_database(args.database_url) as (engine, reader, writer):
        verdicts, figures = [], []
        for size in args.sizes:
            began = time.perf_counter()
            workspace_id, audience_id = build(writer, size, random.Random(size))
            settle(engine, "articles")
            print(f"{size:>7,} articles loaded in {time.perf_counter() - began:.0f} s")
            for label, since in (
                ("default (60 days)", None),
                ("whole year", NOW - dt.timedelta(365)),
            ):
                median, p95, found = measure(reader, workspace_id, audience_id, since)
                print(f"  {label:>12}: median {median:6.1f} ms, p95 {p95:6.1f} ms "
                      f"({found} suggestions)")  # fmt: skip
                if since is None:
                    verdicts.append(median <= 50)
                figures.append({"articles": size, "window": label, "median_ms": median,
                                "p95_ms": p95, "found": found})  # fmt: skip
            drop_workspace(writer, workspace_id)
        verdict = "met" if all(verdicts) else "MISSED"
        print(f"target median <= 50 ms over the default window: {verdict}")
        print(f"database: {dialects.of(engine).name}; machine: {platform.machine()}, "
              f"{os.cpu_count()} cores, Python {platform.python_version()}")  # fmt: skip
        if args.json:
            print(json.dumps({
                "bench": "suggestions", "database": dialects.of(engine).name,
                "met": all(verdicts), "rounds": ROUNDS, "figures": figures,
            }))  # fmt: skip


if __name__ == "__main__":
    main()
