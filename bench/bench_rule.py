"""Scheduling an ask on a timeline of 100 and of 100,000 posts, and in a team, as ratios.

The rule reads only the neighbourhood of a change on the asking rep's own timeline, so all
should cost about the same as the lone rep's 100 posts: one rep's 100,000, and on an audience
that 20 reps share with 5,000 posts each (their timelines interleaved over the same years), one
of those reps and a newcomer with 100 posts, whose ask lands amid the colleagues' posts.
Run: .venv/bin/python bench/bench_rule.py [--database-url URL]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import time
from dataclasses import dataclass

from sqlalchemy import insert
from workspaces import bench_database, drop_workspace, settle

import core.accounts_db
from core import dialects
from schedules import audiences_db, posts_db
from schedules.models import Post

# Tomorrow: a scheduled post must be in the future.
START = dt.datetime.now(dt.UTC).replace(hour=9, minute=0, second=0, microsecond=0) + dt.timedelta(
    days=1
)
ROUNDS = 200
STEP = dt.timedelta(hours=8)  # three posts a day: 100,000 fit in the 100 years dates may reach
TEAM_REPS, TEAM_POSTS, NEWCOMER_POSTS = 20, 5_000, 100


@dataclass(frozen=True)
class Timeline:
    """One rep's posts on an audience; ``end`` is just after the rep's last one."""

    workspace_id: int
    audience_id: int
    owner_id: int
    end: dt.datetime


def _rows(audience_id: int, owner_id: int, posts: int, offset: dt.timedelta) -> list[dict]:
    """A valid timeline, a post a day from ``START + offset``: an ask every 40 days, each
    after a run of gives."""
    rows = []
    for index in range(posts):
        is_ask = index % 40 == 20
        rows.append({
            "audience_id": audience_id, "owner_id": owner_id, "kind": "ask" if is_ask else "give",
            "type": "offer" if is_ask else "tip", "title": f"post {index}", "body": "",
            "status": "scheduled", "scheduled_at": START + offset + STEP * index, "sequence": 0,
            "created_at": START, "updated_at": START,
        })  # fmt: skip
    return rows


def build(writer, posts: int, colleagues: int = 0, colleague_posts: int = 0) -> list[Timeline]:
    """A rep's timeline of ``posts`` on a new audience, which ``colleagues`` other reps of the
    workspace share with ``colleague_posts`` each over the same days, minutes apart: the
    rep's timeline first, then each colleague's."""
    with writer() as session:
        tag = f"{posts}-{time.time_ns()}"
        user, _ = core.accounts_db.create_user(session, f"bench-{tag}", f"b{tag}@x.example", "rep")
        audience = audiences_db.create_audience(
            session, user.workspace_id, name="Bench", policy={"gives_per_ask": 3}
        )
        rows = _rows(audience.id, user.id, posts, dt.timedelta())
        timelines = [Timeline(user.workspace_id, audience.id, user.id, START + STEP * posts)]
        for number in range(1, colleagues + 1):
            colleague, _ = core.accounts_db.invite_user(
                session, user.workspace_id, f"c{number}-{tag}@x.example", "rep"
            )
            offset = dt.timedelta(minutes=number)
            rows += _rows(audience.id, colleague.id, colleague_posts, offset)
            end = START + offset + STEP * colleague_posts
            timelines.append(Timeline(user.workspace_id, audience.id, colleague.id, end))
        for chunk in range(0, len(rows), 5000):
            session.execute(insert(Post), rows[chunk : chunk + 5000])
        session.commit()
        return timelines


def measure(writer, timeline: Timeline) -> list[float]:
    """Create (and roll back) an accepted ask 60 days after the rep's last post."""
    timings = []
    for round_ in range(ROUNDS):
        at = timeline.end + dt.timedelta(days=60, minutes=round_)
        fields = {"kind": "ask", "type": "offer", "title": "bench", "scheduled_at": at}
        with writer() as session:
            began = time.perf_counter()
            posts_db.create_post(
                session, timeline.workspace_id, timeline.audience_id, fields, timeline.owner_id
            )
            timings.append(time.perf_counter() - began)
            session.rollback()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", help="PostgreSQL URL (default: SQLite)")
    parser.add_argument("--json", action="store_true", help="end with one JSON result line")
    args = parser.parse_args()
    with bench_database(args.database_url) as (engine, _reader, writer):
        results, p95s = {}, {}

        def timed(key: str, label: str, timeline: Timeline) -> None:
            timings = sorted(measure(writer, timeline))
            results[key] = statistics.median(timings) * 1000
            p95s[key] = timings[int(ROUNDS * 0.95)] * 1000
            print(f"ask check, {label}: median {results[key]:.2f} ms, p95 {p95s[key]:.2f} ms")

        for size in (100, 100_000):
            timeline = build(writer, size)[0]
            settle(engine, "posts")
            timed(str(size), f"one rep, {size:>7,} posts", timeline)
            drop_workspace(writer, timeline.workspace_id)
        newcomer, colleague, *_ = build(writer, NEWCOMER_POSTS, TEAM_REPS, TEAM_POSTS)
        settle(engine, "posts")
        team = f"{TEAM_REPS} reps x {TEAM_POSTS:,} posts"
        timed("team rep", f"one of {team}", colleague)
        timed("team newcomer", f"{NEWCOMER_POSTS} posts beside {team}", newcomer)
        drop_workspace(writer, newcomer.workspace_id)
        ratios = {key: results[key] / results["100"] for key in results if key != "100"}
        for key, value in ratios.items():
            verdict = "met" if value <= 2 else "MISSED"
            print(f"ratio {key} / one rep's 100: {value:.2f}x (target within 2x: {verdict})")
        print(f"database: {dialects.of(engine).name}; machine: {platform.machine()}, "
              f"{os.cpu_count()} cores, Python {platform.python_version()}")  # fmt: skip
        if args.json:
            print(json.dumps({
                "bench": "rule", "database": dialects.of(engine).name, "ratio": ratios["100000"],
                "met": ratios["100000"] <= 2, "median_ms": results, "p95_ms": p95s,
                "rounds": ROUNDS, "team": {
                    "reps": TEAM_REPS, "posts_per_rep": TEAM_POSTS,
                    "newcomer_posts": NEWCOMER_POSTS, "ratios": {
                        key: ratios[key] for key in ("team rep", "team newcomer")},
                    "met": max(ratios["team rep"], ratios["team newcomer"]) <= 2,
                },
            }))  # fmt: skip


if __name__ == "__main__":
    main()
