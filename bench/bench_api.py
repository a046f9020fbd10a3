"""The API under gunicorn: throughput and latency of each operation against a trivial one.

``planner serve`` runs as a subprocess on 127.0.0.1 with its default (2 x cores) + 1 sync
workers, on a fresh SQLite file or on the given PostgreSQL database. The workspace holds 50
audiences of 2,000 posts each (bulk-inserted, valid under the give-before-ask rule) and 10,000
articles built as bench_suggestions.py builds them. Load comes from separate processes, one
connection each (as many as the server has workers, so every worker is busy and none queues
for long), each in a closed loop for a bounded time after a short warm-up.

The baseline is ``GET /api/v1/workspace``: authenticated (the bearer token is looked up in the
database, as for every other call) plus one primary-key read, so a ratio measures what the
operation adds to any API call, not what authentication costs. ``/healthz`` (no token, no
query) is shown beside it. The baseline runs first and last; its mean is the reference and the
difference between the two says how steady the machine was.

Targets: reads >= 0.5x and writes >= 0.3x the baseline's requests per second, and p99 under
50 ms at that load.

Each worker keeps the calendars it rendered (PLANNER_ICS_CACHE_MIB), so "calendar.ics" is what
polling apps see once every worker has rendered every calendar: each client first fetches all
50 calendars PRIME_PASSES times (not measured). "calendar.ics first render" is
shown beside it for comparison: every request asks for a window no request asked for before
(``from`` a distinct instant before the first post, so every post is still in it), which makes
the server build and render the calendar as it does once after each change.

Likewise each worker keeps the suggestion lists it ranked (PLANNER_SUGGESTIONS_CACHE_SECONDS),
until anything they were ranked from changes: "suggestions" asks for one list again and again,
as a rep's page and the tools polling it do; "suggestions ranked afresh" is shown beside it,
every request a ``since`` a distinct second earlier, so each is ranked as after a change.

Run: .venv/bin/python bench/bench_api.py [--database-url postgresql://...] [--duration 5]
[--json] (on PostgreSQL the bench's workspace is deleted at the end).
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import bench_suggestions
import httpx
from sqlalchemy import insert
from workspaces import bench_database, drop_workspace, settle

from app.settings import cores
from core import accounts_db, dialects
from core.models import Workspace
from schedules import audiences_db
from schedules.models import Post

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the Server harness lives in the test suite
from tests.serving.helpers import Server  # noqa: E402

AUDIENCES = 50
POSTS_PER_AUDIENCE = 2_000
ARTICLES = 10_000
POLICY = {"gives_per_ask": 3, "min_days_between_asks": 7}
# Two years of posts, one every 8.76 hours: the first year has an ask every 110 posts (40
# days), the second only gives, the runway that accepted asks are appended to, 8 days apart.
# From the first of next January: a scheduled post must be in the future, and the month
# listings below pick months of START's year.
START = dt.datetime(dt.datetime.now(dt.UTC).year + 1, 1, 1, 9, tzinfo=dt.UTC)
STEP = dt.timedelta(days=730) / POSTS_PER_AUDIENCE
ASK_EVERY = 110
ASKING_POSTS = POSTS_PER_AUDIENCE // 2
RUNWAY = START + STEP * ASKING_POSTS
ASK_SPACING = dt.timedelta(days=8)
SINCE = (bench_suggestions.NOW - dt.timedelta(days=30)).isoformat()
READ_TARGET, WRITE_TARGET, P99_TARGET_MS = 0.5, 0.3, 50.0
WARMUP_S = 0.5
# Requests land on whichever worker is idle, so a worker misses a given calendar in all of the
# clients x passes fetches of it with odds of about (1 - 1/workers) ** (clients x passes):
# 0.1% at 5 workers and 5 clients.
PRIME_PASSES = 6


def build(writer) -> dict:
    """The workspace, its token, and the 50 timelines; returns what the clients need."""
    workspace_id, suggestion_audience = bench_suggestions.build(
        writer, ARTICLES, random.Random(ARTICLES)
    )
    with writer() as session:
        workspace = session.get(Workspace, workspace_id)
        # The workspace's first user, so its admin, who also sells: the posts are theirs.
        user, token = accounts_db.create_user(
            session, workspace.name, f"api-{time.time_ns()}@bench.example", "rep"
        )
        audience_ids = [
            audiences_db.create_audience(
                session, workspace_id, name=f"Audience {i}", policy=POLICY
            ).id
            for i in range(AUDIENCES)
        ]
        asks = []
        for audience_id in audience_ids:
            rows = []
            for index in range(POSTS_PER_AUDIENCE):
                is_ask = index < ASKING_POSTS and index % ASK_EVERY == ASK_EVERY // 2
                at = START + STEP * index
                if is_ask:
                    asks.append((audience_id, at))
                rows.append({
                    "audience_id": audience_id, "owner_id": user.id,
                    "kind": "ask" if is_ask else "give",
                    "type": "offer" if is_ask else "tip", "title": f"Post {index}", "body": "",
                    "status": "scheduled", "scheduled_at": at, "sequence": 0,
                    "created_at": START, "updated_at": START,
                })  # fmt: skip
            session.execute(insert(Post), rows)
        session.commit()
    return {
        "workspace_id": workspace_id,
        "token": token,
        "audiences": audience_ids,
        "suggestion_audience": suggestion_audience,
        # One minute after an existing ask: always refused, by the spacing and the gives.
        "refused": [(a, (at + dt.timedelta(minutes=1)).isoformat()) for a, at in asks],
    }


# ---------------------------------------------------------------- the scenarios

# name: (kind, expected statuses). "read" and "write" set the target; "baseline" is the
# reference, "info" is shown for comparison only.
SCENARIOS = {
    "trivial": ("baseline", {200}),
    "healthz": ("info", {200}),
    "list a month of posts": ("read", {200}),
    "suggestions": ("read", {200}),
    "suggestions ranked afresh": ("info", {200}),
    "calendar.ics": ("read", {200}),
    "calendar.ics revalidation": ("read", {304}),
    "calendar.ics first render": ("info", {200}),
    "create a give": ("write", {201}),
    "create an ask (accepted)": ("write", {201}),
    "create an ask (refused)": ("write", {409}),
}


class Requests:
    """Each client's next request for a scenario; client ``k`` of ``n`` owns every n-th
    audience for accepted asks, so it alone moves their runway cursors."""

    def __init__(self, spec: dict, scenario: str, k: int, n: int) -> None:
        self.spec, self.scenario = spec, scenario
        self.rng = random.Random(f"{scenario}-{k}")
        self.owned = spec["audiences"][k::n] or spec["audiences"][:1]
        self.asked = Counter()
        self.k, self.n, self.sent = k, n, 0
        self.auth = {"Authorization": f"Bearer {spec['token']}"}

    def _unasked(self) -> dt.timedelta:
        """An offset of whole seconds that no request of any client had before: a window
        nothing was kept for."""
        self.sent += 1
        return dt.timedelta(seconds=self.sent * self.n + self.k)

    def next(self) -> tuple[str, str, dict, bytes | None]:
        spec, rng, scenario = self.spec, self.rng, self.scenario
        audience = rng.choice(spec["audiences"])
        if scenario == "trivial":
            return "GET", "/api/v1/workspace", self.auth, None
        if scenario == "healthz":
            return "GET", "/healthz", {}, None
        if scenario == "list a month of posts":
            month = START.replace(month=rng.randint(1, 11))
            end = month.replace(month=month.month + 1)
            path = (f"/api/v1/audiences/{audience}/posts?limit=200"
                    f"&from={month:%Y-%m-%d}&to={end:%Y-%m-%d}")  # fmt: skip
            return "GET", path, self.auth, None
        if scenario in ("suggestions", "suggestions ranked afresh"):
            since = dt.datetime.fromisoformat(SINCE)
            if scenario == "suggestions ranked afresh":
                since -= self._unasked()
            path = (f"/api/v1/audiences/{spec['suggestion_audience']}/suggestions"
                    f"?since={since.isoformat()}")  # fmt: skip
            return "GET", path.replace("+", "%2B"), self.auth, None
        if scenario == "calendar.ics":
            return "GET", f"/api/v1/audiences/{audience}/calendar.ics", self.auth, None
        if scenario == "calendar.ics revalidation":
            headers = {**self.auth, "If-None-Match": spec["etags"][str(audience)]}
            return "GET", f"/api/v1/audiences/{audience}/calendar.ics", headers, None
        if scenario == "calendar.ics first render":
            since = START - self._unasked()
            path = f"/api/v1/audiences/{audience}/calendar.ics?from={since.isoformat()}"
            return "GET", path.replace("+", "%2B"), self.auth, None
        if scenario == "create a give":
            at = START + dt.timedelta(minutes=rng.randrange(60 * 24 * 330))
            body = {"kind": "give", "type": "tip", "title": "A useful tip", "scheduled_at": at}
        elif scenario == "create an ask (accepted)":
            audience = self.owned[sum(self.asked.values()) % len(self.owned)]
            self.asked[audience] += 1
            at = RUNWAY + ASK_SPACING * self.asked[audience]
            body = {"kind": "ask", "type": "offer", "title": "Shall we talk?", "scheduled_at": at}
        else:
            audience, at = rng.choice(spec["refused"])
            body = {"kind": "ask", "type": "offer", "title": "Too soon", "scheduled_at": at}
        payload = json.dumps(body, default=dt.datetime.isoformat).encode()
        headers = {**self.auth, "Content-Type": "application/json"}
        return "POST", f"/api/v1/audiences/{audience}/posts", headers, payload


def client(args: tuple) -> dict:
    """One connection in a closed loop: warm up until ``t0``, then record until ``t1`` (and
    the request in flight then, so an operation that takes seconds is still measured)."""
    port, spec, scenario, k, n, t0, t1 = args
    requests = Requests(spec, scenario, k, n)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    latencies, statuses, unexpected = [], Counter(), []
    expected = SCENARIOS[scenario][1]
    while time.time() < t1:
        method, path, headers, body = requests.next()
        clock = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read()
            status = response.status
        except (OSError, http.client.HTTPException) as error:
            connection.close()  # reconnects on the next request
            status, text = 0, repr(error).encode()
        if time.time() >= t0:  # answered while measuring, even if asked during the warm-up
            latencies.append(time.perf_counter() - clock)
            statuses[status] += 1
            if status not in expected and len(unexpected) < 3:
                unexpected.append(f"{status} {path}: {text[:200]!r}")
    connection.close()
    return {
        "latencies": latencies,
        "statuses": statuses,
        "unexpected": unexpected,
        "ended": time.time(),
    }


def prime_client(args: tuple) -> None:
    port, spec, k = args
    auth = {"Authorization": f"Bearer {spec['token']}"}
    audiences = spec["audiences"][k:] + spec["audiences"][:k]
    for _ in range(PRIME_PASSES):
        for audience in audiences:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            connection.request("GET", f"/api/v1/audiences/{audience}/calendar.ics", headers=auth)
            connection.getresponse().read()
            connection.close()


def _pid(_: int) -> int:
    time.sleep(0.2)  # long enough that every idle process takes one
    return os.getpid()


def start(pool, clients: int) -> None:
    """Return once every client process has started (spawned, imports done)."""
    while len(set(pool.map(_pid, range(clients), chunksize=1))) < clients:
        pass


def load(pool, port: int, spec: dict, scenario: str, clients: int, duration: float) -> dict:
    t0 = time.time() + 0.2 + WARMUP_S  # every client has its task and has warmed up by then
    t1 = t0 + duration
    parts = pool.map(client, [(port, spec, scenario, k, clients, t0, t1) for k in range(clients)])
    latencies = sorted(x for part in parts for x in part["latencies"])
    # Until the last answer, which may come well after t1 when one request takes seconds.
    elapsed = max(part["ended"] for part in parts) - t0
    statuses = sum((Counter(part["statuses"]) for part in parts), Counter())
    expected = SCENARIOS[scenario][1]
    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        "statuses": {str(s): c for s, c in sorted(statuses.items())},
        "errors": sum(c for s, c in statuses.items() if s not in expected),
        "error_samples": [x for part in parts for x in part["unexpected"]][:3],
    }


def etags(url: str, spec: dict) -> dict[str, str]:
    auth = {"Authorization": f"Bearer {spec['token']}"}
    # A first render of 2,000 events takes seconds of CPU, more on a busy machine.
    with httpx.Client(base_url=url, headers=auth, timeout=120) as http:
        return {
            str(a): http.get(f"/api/v1/audiences/{a}/calendar.ics").headers["ETag"]
            for a in spec["audiences"]
        }


def judge(results: dict[str, dict], baseline_rps: float) -> None:
    for name, result in results.items():
        kind = SCENARIOS[name][0]
        result["kind"] = kind
        result["ratio"] = result["rps"] / baseline_rps
        if kind in ("read", "write"):
            target = READ_TARGET if kind == "read" else WRITE_TARGET
            result["target_ratio"] = target
            result["ratio_met"] = result["ratio"] >= target
            result["p99_met"] = result["p99_ms"] < P99_TARGET_MS
            result["met"] = result["ratio_met"] and result["p99_met"] and not result["errors"]


def run(url: str, database: str, duration: float, workers: int, tmp: Path) -> dict:
    with bench_database(url) as (engine, _reader, writer):
        began = time.perf_counter()
        spec = build(writer)
        settle(engine, "articles")
        settle(engine, "posts")
        print(f"{database}: {AUDIENCES} audiences x {POSTS_PER_AUDIENCE:,} posts and "
              f"{ARTICLES:,} articles loaded in {time.perf_counter() - began:.0f} s",
              file=sys.stderr)  # fmt: skip
        server = Server(url, tmp, workers=workers)
        results: dict[str, dict] = {}
        try:
            base = server.wait_until_serving()
            port = int(base.rsplit(":", 1)[1])
            spec["etags"] = etags(base, spec)
            order = [*SCENARIOS, "trivial"]
            with multiprocessing.get_context("spawn").Pool(workers) as pool:
                start(pool, workers)
                load(pool, port, spec, "trivial", workers, 1.0)  # connections, caches: discarded
                for index, name in enumerate(order):
                    if name == "calendar.ics":
                        pool.map(prime_client, [(port, spec, k) for k in range(workers)])
                    result = load(pool, port, spec, name, workers, duration)
                    key = "trivial (again, last)" if index == len(order) - 1 else name
                    results[key] = result
                    if any(status.startswith("5") for status in result["statuses"]):
                        print(f"server errors; its last lines:\n{server.output()}", file=sys.stderr)
                    print(f"  {key:<28} {result['rps']:7.0f} req/s  p50 {result['p50_ms']:6.1f} ms"
                          f"  p99 {result['p99_ms']:6.1f} ms  {result['statuses']}",
                          file=sys.stderr)  # fmt: skip
        finally:
            server.stop()
            if dialects.of(engine) is dialects.POSTGRESQL:
                drop_workspace(writer, spec["workspace_id"])
    last = results.pop("trivial (again, last)")
    first = results["trivial"]
    baseline_rps = (first["rps"] + last["rps"]) / 2
    judge(results, baseline_rps)
    return {
        "database": database,
        "workers": workers,
        "clients": workers,
        "duration_s": duration,
        "baseline": "GET /api/v1/workspace (bearer token + one primary-key read)",
        "baseline_rps": baseline_rps,
        "baseline_drift": last["rps"] / first["rps"] - 1,
        "scenarios": results,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL URL; default a fresh SQLite file")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per scenario")
    parser.add_argument("--workers", type=int, default=2 * cores() + 1)
    parser.add_argument("--json", action="store_true", help="end with one JSON result line")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.db"
        database = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
        result = run(url, database, args.duration, args.workers, Path(tmp))
    for name, scenario in result["scenarios"].items():
        verdict = {True: "met", False: "MISSED", None: ""}[scenario.get("met")]
        print(
            f"{database} {name:<28} {scenario['rps']:7.0f} req/s ({scenario['ratio']:.2f}x) "
            f"p50 {scenario['p50_ms']:.1f} ms p99 {scenario['p99_ms']:.1f} ms {verdict}"
        )
    if args.json:
        print(json.dumps({"bench": "api", **result}))


if __name__ == "__main__":
    main()
