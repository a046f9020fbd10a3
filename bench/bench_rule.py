"""Scheduling an ask on a timeline of 100 and of 100,000 posts, as a ratio.

The rule reads only the neighbourhood of a change, so both should cost about the same.
Run: .venv/bin/python bench/bench_rule.py [--database-url URL]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import tempfile
import time

from sqlalchemy import insert
from workspaces import drop_workspace

import core.accounts_db
from core import dialects, migrations
from core.db import make_engine, make_sessionmakers
from schedules import audiences_db, posts_db
from schedules.models import Post

# Tomorrow: a scheduled post must be in the future.
START = dt.datetime.now(dt.UTC).replace(hour=9, minute=0, second=0, microsecond=0) + dt.timedelta(
    days=1
)
ROUNDS = 200


def build(writer, posts: int) -> tuple[int, int, dt.datetime]:
    """A valid timeline: asks every 40 days, each after a run of gives."""
    with writer() as session:
        tag = f"{posts}-{time.time_ns()}"
        user, _ = core.accounts_db.create_user(session, f"bench-{tag}", f"b{tag}@x.example", "rep")
        audience = audiences_db.create_audience(
            session, user.workspace_id, name="Bench", policy={"gives_per_ask": 3}
        )
        step = dt.timedelta(days=40) / 40
        rows = []
        for index in range(posts):
            is_ask = index % 40 == 20
            rows.append({
                "audience_id": audience.id, "kind": "ask" if is_ask else "give",
                "type": "offer" if is_ask else "tip", "title": f"post {index}", "body": "",
                "status": "scheduled", "scheduled_at": START + step * index, "sequence": 0,
                "created_at": START, "updated_at": START,
            })  # fmt: skip
        for chunk in range(0, len(rows), 5000):
            session.execute(insert(Post), rows[chunk : chunk + 5000])
        session.commit()
        return user.workspace_id, audience.id, START + step * posts


def measure(writer, workspace_id: int, audience_id: int, end: dt.datetime) -> list[float]:
    timings = []
    for round_ in range(ROUNDS):
        at = end + dt.timedelta(days=60, minutes=round_)
        with writer() as session:
            began = time.perf_counter()
            posts_db.create_post(session, workspace_id, audience_id, {
                "kind": "ask", "type": "offer", "title": "bench", "scheduled_at": at})  # fmt: skip
            timings.append(time.perf_counter() - began)
            session.rollback()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", help="PostgreSQL URL (default: SQLite)")
    parser.add_argument("--json", action="store_true", help="end with one JSON result line")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.db"
        engine = make_engine(url)
        migrations.upgrade(engine)
        writer = make_sessionmakers(engine)[1]
        results, p95s = {}, {}
        for size in (100, 100_000):
            workspace_id, audience_id, end = build(writer, size)
            timings = measure(writer, workspace_id, audience_id, end)
            results[size] = statistics.median(timings) * 1000
            p95s[size] = sorted(timings)[int(ROUNDS * 0.95)] * 1000
            print(f"ask check, {size:>7,} posts: median {results[size]:.2f} ms, "
                  f"p95 {p95s[size]:.2f} ms")  # fmt: skip
            drop_workspace(writer, workspace_id)
        ratio = results[100_000] / results[100]
        verdict = "met" if ratio <= 2 else "MISSED"
        print(f"ratio 100,000 / 100 posts: {ratio:.2f}x (target within 2x: {verdict})")
        print(f"database: {dialects.of(engine).name}; machine: {platform.machine()}, "
              f"{os.cpu_count()} cores, Python {platform.python_version()}")  # fmt: skip
        if args.json:
            print(json.dumps({
                "bench": "rule", "database": dialects.of(engine).name, "ratio": ratio,
                "met": ratio <= 2, "median_ms": results, "p95_ms": p95s, "rounds": ROUNDS,
            }))  # fmt: skip
        engine.dispose()


if __name__ == "__main__":
    main()
