"""The team view (GET /api/v1/team without HTTP) for 50 reps x 20 audiences.

Each rep has, on every audience, a year of monthly value posts (the past six months
published, the next six scheduled) and an ask every four months, some contacts and some
refused asks; the view is read for the current quarter and dumped as the API would, N times.
Run: .venv/bin/python bench/bench_team.py [--database-url URL] [--rounds N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import time

from sqlalchemy import insert
from workspaces import bench_database, drop_workspace

from app.schemas.team import TeamSchema
from core import accounts_db, dialects
from schedules import audiences_db, team_db
from schedules.models import AskRefusal, Contact, Post

REPS, AUDIENCES, CONTACTS_PER_REP, REFUSALS_PER_REP = 50, 20, 20, 3
NOW = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)


def build(writer) -> tuple[int, int]:
    """The team, its audiences and every rep's year on each; (workspace id, posts written)."""
    with writer() as session:
        tag = time.time_ns()
        admin, _ = accounts_db.create_user(session, f"team-{tag}", f"lead{tag}@x.example", "admin")
        workspace_id = admin.workspace_id
        reps = [admin] + [
            accounts_db.invite_user(session, workspace_id, f"rep{i}-{tag}@x.example", "rep")[0]
            for i in range(1, REPS)
        ]
        audiences = [
            audiences_db.create_audience(
                session, workspace_id, name=f"Audience {a}", policy={"gives_per_ask": 3}
            )
            for a in range(AUDIENCES)
        ]
        posts, contacts, refusals = [], [], []
        for r, rep in enumerate(reps):
            for a, audience in enumerate(audiences):
                for month in range(-6, 6):
                    at = NOW + dt.timedelta(days=30 * month + (r + a) % 20, hours=1)
                    posts.append(_post(audience.id, rep.id, "give", at))
                    if month % 4 == 1:
                        posts.append(_post(audience.id, rep.id, "ask", at + dt.timedelta(days=5)))
            for c in range(CONTACTS_PER_REP):
                contacts.append({
                    "workspace_id": workspace_id, "owner_id": rep.id, "name": f"Contact {c}",
                    "audience_id": audiences[c % AUDIENCES].id, "created_at": NOW,
                    "accepted_at": NOW - dt.timedelta(days=c * 3) if c % 2 else None,
                })  # fmt: skip
            for f in range(REFUSALS_PER_REP):
                refusals.append({
                    "workspace_id": workspace_id, "audience_id": audiences[f].id,
                    "owner_id": rep.id, "rule": "give_before_ask", "type": "meeting_request",
                    "scheduled_at": NOW + dt.timedelta(days=f), "detail": "bench",
                    "created_at": NOW - dt.timedelta(hours=f),
                })  # fmt: skip
        for chunk in range(0, len(posts), 5000):
            session.execute(insert(Post), posts[chunk : chunk + 5000])
        session.execute(insert(Contact), contacts)
        session.execute(insert(AskRefusal), refusals)
        session.commit()
        return workspace_id, len(posts)


def _post(audience_id: int, owner_id: int, kind: str, at: dt.datetime) -> dict:
    return {
        "audience_id": audience_id, "owner_id": owner_id, "kind": kind,
        "type": "meeting_request" if kind == "ask" else "tip", "title": f"{kind} {at:%F}",
        "body": "", "status": "published" if at < NOW else "scheduled", "scheduled_at": at,
        "sequence": 0, "created_at": NOW, "updated_at": NOW,
    }  # fmt: skip


def measure(reader, workspace_id: int, rounds: int) -> tuple[list[float], list[float], dict]:
    """Wall and CPU seconds per call: on a shared machine the wall time also holds the waits
    for a core, and the CPU time (this process's) is what the view itself costs here."""
    timings, cpu, answer = [], [], {}
    for _ in range(rounds):
        with reader() as session:
            began, began_cpu = time.perf_counter(), time.process_time()
            answer = TeamSchema().dump(team_db.team_view(session, workspace_id))
            timings.append(time.perf_counter() - began)
            cpu.append(time.process_time() - began_cpu)
    return timings, cpu, answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", help="PostgreSQL URL (default: SQLite)")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--json", action="store_true", help="end with one JSON result line")
    args = parser.parse_args()
    with bench_database(args.database_url) as (engine, reader, writer):
        workspace_id, posts = build(writer)
        try:
            timings, cpu, answer = measure(reader, workspace_id, args.rounds)
        finally:
            drop_workspace(writer, workspace_id)
        database = dialects.of(engine).name
    median = statistics.median(timings) * 1000
    p95 = sorted(timings)[min(len(timings) - 1, int(len(timings) * 0.95))] * 1000
    cpu_ms = statistics.median(cpu) * 1000
    rows = sum(len(rep["audiences"]) for rep in answer["reps"])
    print(f"team view, {REPS} reps x {AUDIENCES} audiences ({rows} rows, {posts:,} posts), "
          f"{database}: median {median:.0f} ms, p95 {p95:.0f} ms over {args.rounds} calls; "
          f"median CPU of this process {cpu_ms:.0f} ms; load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores")  # fmt: skip
    if args.json:
        print(json.dumps({
            "bench": "team", "database": database, "reps": REPS, "audiences": AUDIENCES,
            "posts": posts, "rounds": args.rounds, "median_ms": median, "p95_ms": p95,
            "cpu_median_ms": cpu_ms,
        }))  # fmt: skip


if __name__ == "__main__":
    main()
