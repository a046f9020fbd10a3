"""Peak memory of ingesting one 15 MiB feed, against ``feedparser.parse`` of it alone.

A synthetic RSS 2.0 file just under ``PLANNER_FEEDS_MAX_BYTES`` (15 MiB, the largest body the
fetcher accepts) with thousands of entries of HTML is served from memory and refreshed through
the whole pipeline, as bench_feeds.py does for the corpus. The baseline is a fresh process
that only reads the same bytes and calls ``feedparser.parse`` on them: peak RSS is a
per-process figure, so each side has its own process, and each reports its RSS before the
work too (interpreter, imports and the file itself), so the increase is visible.

Run: .venv/bin/python bench/bench_big_feed.py [--database-url URL] [--json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import subprocess
import sys
import tempfile
import time
from email.utils import format_datetime
from pathlib import Path

import feedparser
from bench_feeds import corpus_server, peak_rss_mib, pipeline

from feeds import expat_driver

LIMIT = 15 * 1024 * 1024
SIZE = LIMIT - 4096
NEWEST = dt.datetime(2026, 2, 19, 12, tzinfo=dt.UTC)
WORDS = [
    "pricing",
    "revenue",
    "pipeline",
    "churn",
    "onboarding",
    "buyer",
    "committee",
    "procurement",
    "renewal",
    "forecast",
    "quota",
    "discovery",
    "champion",
    "security",
    "review",
    "integration",
    "rollout",
]


def synthetic_feed(size: int = SIZE) -> bytes:
    """RSS 2.0 of entries with a paragraph or three of HTML each, up to ``size`` bytes."""
    rng = random.Random(15)
    head = (b'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
            b"<title>Big feed</title><link>https://big.example/</link>"
            b"<description>Fifteen mebibytes of entries</description>\n")  # fmt: skip
    tail = b"</channel></rss>\n"
    parts, total, index = [head], len(head) + len(tail), 0
    while True:
        words = " ".join(rng.choices(WORDS, k=rng.randint(150, 400)))
        published = format_datetime(NEWEST - dt.timedelta(minutes=10 * index))
        item = (
            f"<item><title>Entry {index}: {' '.join(rng.choices(WORDS, k=6))}</title>"
            f"<link>https://big.example/posts/{index}</link>"
            f'<guid isPermaLink="false">big-{index}</guid><pubDate>{published}</pubDate>'
            f'<description><![CDATA[<p>{words}</p><p><a href="/more/{index}">Read more</a>'
            f"</p>]]></description></item>\n"
        ).encode()
        if total + len(item) > size:
            break
        parts.append(item)
        total += len(item)
        index += 1
    parts.append(tail)
    return b"".join(parts)


def feedparser_alone(path: Path) -> dict:
    """The baseline, run in this (fresh) process, with feedparser's own choice of XML parser
    (importing bench_feeds installed the app's, see feeds.expat_driver)."""
    feedparser.api.PREFERRED_XML_PARSERS.remove(expat_driver.__name__)
    body = path.read_bytes()
    before = peak_rss_mib()
    began = time.perf_counter()
    entries = len(feedparser.parse(body).entries)
    return {"seconds": time.perf_counter() - began, "entries": entries,
            "rss_before_mib": before, "peak_rss_mib": peak_rss_mib()}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL URL; default a fresh SQLite file")
    parser.add_argument("--json", action="store_true", help="end with one JSON result line")
    parser.add_argument("--feedparser-only", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.feedparser_only:
        print(json.dumps(feedparser_alone(args.feedparser_only)))
        return
    body = synthetic_feed()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.xml"
        path.write_bytes(body)
        alone = json.loads(subprocess.run(
            [sys.executable, __file__, "--feedparser-only", str(path)],
            check=True, capture_output=True, text=True,
        ).stdout.splitlines()[-1])  # fmt: skip
        url = args.database_url or f"sqlite:///{tmp}/bench.db"
        with corpus_server({"big.xml": body}) as base:
            result = pipeline(url, base, ["big.xml"], 1)
    database = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    figures = {
        "database": database,
        "bytes": len(body),
        "entries": alone["entries"],
        "stored": result["stored"],
        "pipeline_s": result["full"],
        "pipeline_rss_before_mib": result["rss_before"],
        "pipeline_peak_rss_mib": result["rss"],
        "feedparser_s": alone["seconds"],
        "feedparser_rss_before_mib": alone["rss_before_mib"],
        "feedparser_peak_rss_mib": alone["peak_rss_mib"],
    }
    figures["rss_ratio"] = figures["pipeline_peak_rss_mib"] / figures["feedparser_peak_rss_mib"]
    growth = figures["pipeline_peak_rss_mib"] - figures["pipeline_rss_before_mib"]
    baseline_growth = figures["feedparser_peak_rss_mib"] - figures["feedparser_rss_before_mib"]
    figures["growth_ratio"] = growth / baseline_growth
    print(
        f"{len(body) / 2**20:.2f} MiB feed, {alone['entries']:,} entries, "
        f"{result['stored']:,} stored ({database})"
    )
    print(
        f"  pipeline          peak RSS {figures['pipeline_peak_rss_mib']:6.1f} MiB "
        f"(+{growth:.1f} MiB during the refresh), {result['full']:.1f} s"
    )
    print(
        f"  feedparser alone  peak RSS {figures['feedparser_peak_rss_mib']:6.1f} MiB "
        f"(+{baseline_growth:.1f} MiB while parsing), {alone['seconds']:.1f} s"
    )
    print(f"  ratio             {figures['rss_ratio']:.2f}x peak, "
          f"{figures['growth_ratio']:.2f}x growth")  # fmt: skip
    if args.json:
        print(json.dumps({"bench": "big_feed", **figures}))


if __name__ == "__main__":
    main()
