"""Feed ingest against feedparser: the whole pipeline versus ``feedparser.parse(bytes)`` alone.

The 90 corpus feeds are served from memory by a local HTTP server. The pipeline is what
``planner feeds worker --workers 1`` does for each feed once started (it loads the inflection
tables and the meaning model first, as server workers do; that one-time cost is printed
apart): claim it, fetch it over HTTP through the SSRF-vetting client, refuse entity
declarations, parse (feedparser without its sanitiser and URI rewriting), sanitise with nh3,
make links absolute, store, commit. The baseline is
feedparser's default parse of the same bytes, with no fetching or storing at all.
Target: pipeline <= 0.6x the baseline.

Run: .venv/bin/python bench/bench_feeds.py [--database-url postgresql://...] [--workers N]
(the PostgreSQL database is migrated; the run's workspace is deleted at the end, because the
worker refreshes every due feed in the database and leftovers would be timed with the corpus).
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import hashlib
import json
import logging
import multiprocessing
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import version
from pathlib import Path

from sqlalchemy import func, select
from werkzeug import Request, Response
from werkzeug.serving import make_server
from workspaces import bench_database, drop_workspace

from app.feed_jobs import DueFeedRunner, Totals, load_text_models
from core.models import Workspace
from feeds import subscriptions_db
from feeds.fetch_policy import FetchPolicy
from feeds.models import FeedEntry

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("PLANNER_CORPUS_DIR", REPO.parent / "shared/corpus/real-feeds"))
TARGET = 0.6


def load_corpus() -> tuple[dict[str, bytes], int]:
    with (CORPUS / "MANIFEST.tsv").open(newline="") as manifest:
        rows = list(csv.DictReader(manifest, delimiter="\t"))
    files = {row["file"]: (CORPUS / row["file"]).read_bytes() for row in rows}
    return files, sum(int(row["feedparser_entries"]) for row in rows)


@contextmanager
def corpus_server(files: dict[str, bytes]) -> Iterator[str]:
    """Serve each file with a strong ETag and honour If-None-Match, as a good server does.

    The server runs in a child process, as a publisher's would: in this one, its work for
    each request would count as the pipeline's CPU time and take turns with it for the GIL.
    """
    etags = {
        name: '"' + hashlib.sha256(body).hexdigest()[:32] + '"' for name, body in files.items()
    }

    @Request.application
    def serve(request: Request) -> Response:
        name = request.path.lstrip("/")
        if name not in files:
            return Response(status=404)
        if request.headers.get("If-None-Match") == etags[name]:
            return Response(status=304, headers={"ETag": etags[name]})
        return Response(files[name], content_type="application/xml", headers={"ETag": etags[name]})

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    server = make_server("127.0.0.1", 0, serve, threaded=True)
    # Forked after the socket is bound, so the port is known here and the files are shared.
    child = multiprocessing.get_context("fork").Process(target=server.serve_forever, daemon=True)
    child.start()
    server.socket.close()  # the child's copy of the socket keeps listening
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        child.terminate()
        child.join()


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def pipeline(url: str, base: str, names: list[str], workers: int) -> dict[str, object]:
    """Subscribe a fresh workspace to every feed, then refresh twice (full, then all 304)."""
    with bench_database(url) as (_engine, _reader, writer):
        policy = FetchPolicy(allow_private=True)
        with writer() as session:
            workspace = Workspace(name=f"bench-{time.time_ns()}", timezone="UTC")
            session.add(workspace)
            session.flush()
            feeds = [
                subscriptions_db.create_feed(session, workspace.id, f"{base}/{name}", policy=policy)
                for name in names
            ]
            session.commit()
            feed_ids = [feed.id for feed in feeds]
            workspace_id = workspace.id

        try:
            runner = DueFeedRunner(writer, policy, workers)
            rss_before = peak_rss_mib()
            began, cpu = time.perf_counter(), time.process_time()
            first = runner.run()
            full, cpu = time.perf_counter() - began, time.process_time() - cpu
            rss = peak_rss_mib()
            with writer() as session:
                stored = session.scalar(
                    select(func.count())
                    .select_from(FeedEntry)
                    .where(FeedEntry.feed_id.in_(feed_ids))
                )
                # Make every feed due again for the conditional round.
                for feed in subscriptions_db.list_feeds(session, workspace_id):
                    feed.next_check_at = feed.created_at
                session.commit()
            began = time.perf_counter()
            second = runner.run()
            conditional = time.perf_counter() - began
            if first.feeds != len(names):
                raise SystemExit(f"{first.feeds} feeds were due, not {len(names)}: the database "
                                 "holds other due feeds; use a clean one")  # fmt: skip
        finally:
            drop_workspace(writer, workspace_id)
    return {
        "full": full,
        "cpu": cpu,
        "conditional": conditional,
        "rss": rss,
        "rss_before": rss_before,
        "first": first,
        "second": second,
        "stored": stored,
    }


def baseline(files: dict[str, bytes]) -> tuple[float, float]:
    """Wall-clock and CPU seconds of ``feedparser.parse`` over the corpus, in a fresh
    interpreter: importing :mod:`feeds.parser` makes feedparser buffer text from expat (see
    :mod:`feeds.expat_driver`), which would speed up the baseline too. CPU time is steadier
    on a busy machine; for SQLite the pipeline's CPU time covers all of its work, for
    PostgreSQL not the database server's share (nor, on either, the corpus server's)."""
    script = (
        "import feedparser, json, sys, time\n"
        "bodies = [open(path, 'rb').read() for path in sys.argv[1:]]\n"
        "began, cpu = time.perf_counter(), time.process_time()\n"
        "for body in bodies:\n"
        "    feedparser.parse(body)\n"
        "print(json.dumps([time.perf_counter() - began, time.process_time() - cpu]))\n"
    )
    paths = [str(CORPUS / name) for name in files]
    answer = subprocess.run(
        [sys.executable, "-c", script, *paths], capture_output=True, text=True, check=True
    )
    wall, cpu = json.loads(answer.stdout)
    return wall, cpu


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    packages = ", ".join(
        f"{name} {version(name)}" for name in ("feedparser", "nh3", "httpx", "SQLAlchemy")
    )
    return (
        f"{platform.platform()}; {os.cpu_count()} CPUs ({model}); "
        f"Python {platform.python_version()}; {packages}"
    )


def report(
    label: str, result: dict[str, object], expected: int, reference: float, reference_cpu: float
) -> None:
    first: Totals = result["first"]  # type: ignore[assignment]
    second: Totals = result["second"]  # type: ignore[assignment]
    full: float = result["full"]  # type: ignore[assignment]
    ratio = full / reference
    verdict = "meets" if ratio <= TARGET else "MISSES"
    print(f"\n{label}")
    print(f"  full refresh      {full:7.2f} s   ({first.line()})")
    print(f"  ratio             {ratio:7.2f}x  feedparser defaults ({verdict} target <= {TARGET}x)")
    cpu: float = result["cpu"]  # type: ignore[assignment]
    print(f"  CPU time          {cpu:7.2f} s   ({cpu / reference_cpu:.2f}x feedparser's CPU time)")
    print(f"  stored entries    {result['stored']} (manifest: {expected})")
    print(f"  304 refresh       {result['conditional']:7.2f} s   ({second.line()})")
    print(f"  peak RSS          {result['rss']:7.1f} MiB (process, after the first full refresh)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="also run against this (PostgreSQL) database")
    parser.add_argument("--workers", type=int, default=1, help="refresh threads (default 1)")
    parser.add_argument(
        "--rounds", type=int, default=1, help="alternate the measurements; report the fastest"
    )
    parser.add_argument("--json", action="store_true", help="end with one JSON result line")
    args = parser.parse_args()

    files, expected = load_corpus()
    print(machine())
    print(f"corpus: {len(files)} feeds, {sum(map(len, files.values())) / 1e6:.1f} MB, {CORPUS}")
    print(f"load average before: {' '.join(f'{n:.2f}' for n in os.getloadavg())}")
    began = time.process_time()
    load_text_models()
    loading = time.process_time() - began
    print(f"text models loaded first, as a worker does at its start: {loading:.2f} s CPU")
    results: dict[str, dict[str, object]] = {}
    references: list[tuple[float, float]] = []
    with corpus_server(files) as base, tempfile.TemporaryDirectory() as tmp:
        for round_ in range(args.rounds):
            targets = [("SQLite", f"sqlite:///{tmp}/bench-{round_}.db")]
            if args.database_url:
                targets.append(("PostgreSQL", args.database_url))
            for label, url in targets:
                result = pipeline(url, base, list(files), args.workers)
                if label in results:
                    # Peak RSS is the process's all-time peak: the first round's is the
                    # closest to this pipeline's own.
                    result["rss"] = results[label]["rss"]
                    result["rss_before"] = results[label]["rss_before"]
                    if result["full"] >= results[label]["full"]:  # type: ignore[operator]
                        continue
                results[label] = result
            # Alternating with the pipeline, so a busy spell on the machine hits both.
            references.append(baseline(files))
    reference = min(wall for wall, _ in references)
    reference_cpu = min(cpu for _, cpu in references)
    print(
        f"\nfeedparser.parse(bytes), defaults: {reference:.2f} s "
        f"({reference_cpu:.2f} s CPU) for the same {len(files)} files"
    )
    for label, result in results.items():
        label = f"pipeline on {label}, {args.workers} worker(s)"
        report(label, result, expected, reference, reference_cpu)
    print(f"\nload average after: {' '.join(f'{n:.2f}' for n in os.getloadavg())}")
    if args.json:
        print(json.dumps({
            "bench": "feeds", "feeds": len(files), "corpus_bytes": sum(map(len, files.values())),
            "expected_entries": expected, "reference_s": reference,
            "reference_cpu_s": reference_cpu, "target": TARGET, "workers": args.workers,
            "text_models_cpu_s": loading,
            "rounds": args.rounds, "pipelines": {
                label: {
                    "full_s": r["full"], "cpu_s": r["cpu"], "conditional_s": r["conditional"],
                    "ratio": r["full"] / reference, "cpu_ratio": r["cpu"] / reference_cpu,
                    "met": r["full"] / reference <= TARGET, "stored": r["stored"],
                    "peak_rss_mib": r["rss"], "rss_before_mib": r["rss_before"],
                    "first": dataclasses.asdict(r["first"]),
                    "second": dataclasses.asdict(r["second"]),
                } for label, r in results.items()
            },
        }))  # fmt: skip


if __name__ == "__main__":
    main()
