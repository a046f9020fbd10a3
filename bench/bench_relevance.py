"""Suggestion relevance on the judged set: today's ranking, a title baseline and the new one.

The 90 real feeds are ingested as bench/relevance_pool.py does; each audience of
tests/data/relevance is ranked four ways: today's ranking (the top 10 frozen at aab1145 in
tests/data/relevance/baseline), the newest articles whose title holds a keyword
(``title_keyword_baseline``), ``suggest()`` now by words alone ("words": the meaning factor
of feeds.semantic switched off, as without the semantic extra) and ``suggest()`` now ("new"),
both ``since`` 2000-01-01, as the frozen one.
For each: P@5 (share of the first five graded 1 or 2), nDCG@10 (gain 2**grade - 1, discount
log2(rank + 1), ideal from the best ten judged articles of the audience), the busiest feed's
share of the top 10, and how many of the top 10 nobody judged. An unjudged article counts as
not relevant (gain 0): unknown is not good, and a ranking must not score by finding articles
the judges never saw.

Feedback: like a rep, the five highest-ranked judged articles of the new ranking are marked
(grade 2 or 1 "useful", grade 0 "not useful") through schedules.feedback_db; nDCG@10 is then
measured on the rest (those five left out of both the ranking and the ideal), with and
without the feedback (``tests.evaluation.relevance.five_clicks``, which the suite uses too).
The five are dismissed for both lists, so that the rest is ranked as a list of its own.

Fifteen sets are measured and reported apart: the twelve committed audiences (which the
suite's floors assert on, and which earlier rankings were tuned against) and the four held-out
ones of tests/data/relevance/heldout, whose "today" is main at 9eee635 (frozen when they were
pooled). tests/data/relevance/heldout2 to heldout14 (six audiences each) were written and
graded by judges who never saw any ranking's output or this benchmark; their "today" is main at
8c77c87, f5af534, 4020f81, 8a180d9, c27922b, f4ae7c9, acac273, 1a3d0b4, c37240a (heldout10 to
12), 7c9e15e and 607b8f2 (the last two, whose audiences are terse). The JSON line keeps the
twelve's figures at its top level and puts each other set's under its key (``heldout``,
``heldout2`` ... ``heldout14``).

Run: .venv/bin/python bench/bench_relevance.py [--json] [--unjudged-out FILE]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import select

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # tests.evaluation.corpus: the one corpus ingest, shared with tests
sys.path.insert(0, str(REPO / "bench"))

from relevance_pool import (  # noqa: E402
    SINCE,
    corpus_workspace,
    suggested,
    title_keyword_baseline,
)
from sqlalchemy.orm import Session  # noqa: E402

from feeds import semantic  # noqa: E402
from feeds.models import Article, Feed  # noqa: E402
from schedules import audiences_db  # noqa: E402
from tests.evaluation.corpus import EVAL_NOW, stable_url  # noqa: E402
from tests.evaluation.relevance import (  # noqa: E402
    CLICKS,
    FROZEN,
    FROZEN_AT,
    RELEVANCE,
    five_clicks,
    held_out,
    ndcg_at_10,
    precision_at_5,
)

RANKINGS = ("today", "title", "words", "new")


def _held_out(key: str, label: str, why: str) -> tuple[str, str, str, Path, Path]:
    """A validation set's row of SETS, its label naming the revision frozen as its "today"."""
    return (key, f"{label}, today = {FROZEN_AT[key]}", why, *held_out(key))


# (key, label, how far it is independent of the ranking, judgements, today's frozen top 10s);
# the committed set's figures stay at the top of the JSON line, the others under their key.
SETS = (
    ("committed", "committed set, 12 audiences, today = aab1145",
     "measured on the committed set, which the ranking's author could see",
     RELEVANCE, FROZEN),
    _held_out("heldout", "held-out set, 4 audiences",
     "graded by the author of an earlier ranking, so only partly independent"),
    _held_out("heldout2", "blind held-out set, 6 audiences",
     "graded by a judge who never saw a ranking's output: the closest to the issue's "
     "independent measure"),
    _held_out("heldout3", "second blind held-out set, 6 audiences",
     "graded blind like the first, before any ranking was measured on it"),
    _held_out("heldout4", "third blind held-out set, 6 audiences",
     "graded blind, pooled from the meaning factor and three rival rankings before any was "
     "measured on it"),
    _held_out("heldout5", "fourth blind held-out set, 6 audiences",
     "graded blind, pooled from today's ranking and the per-feed discount it replaced before "
     "either was measured on it"),
    _held_out("heldout6", "fifth blind held-out set, 6 audiences",
     "graded blind, pooled from today's ranking before any ranking was measured on it"),
    _held_out("heldout7", "sixth blind held-out set, 6 audiences",
     "graded blind, pooled from today's ranking before any ranking was measured on it"),
    _held_out("heldout8", "seventh blind held-out set, 6 audiences",
     "graded blind, pooled from today's ranking and the fitting-feed place before either "
     "was measured on it"),
    _held_out("heldout9", "eighth blind held-out set, 6 audiences",
     "graded blind, pooled from today's ranking and the keyword-sense factor before either "
     "was measured on it"),
    _held_out("heldout10", "ninth blind held-out set, 6 audiences",
     "graded blind, pooled from today's ranking and constants re-fitted on the other sets "
     "before either was measured on it"),
    _held_out("heldout11", "tenth blind held-out set, 6 audiences",
     "graded blind, pooled from today's ranking and constants re-fitted for feedback on the "
     "other sets before either was measured on it"),
    _held_out("heldout12", "eleventh blind held-out set, 6 audiences",
     "graded blind, pooled from today's ranking before a change to feedback was measured on "
     "it"),
    _held_out("heldout13", "twelfth blind held-out set, 6 terse audiences",
     "graded blind, pooled from today's ranking before any ranking was measured on it; "
     "audiences typed as a new user would (2-4 keywords, one short sentence, no excludes)"),
    _held_out("heldout14", "thirteenth blind held-out set, 6 terse audiences",
     "graded blind, pooled from today's ranking and a change to keyword forms before either "
     "was measured on it; audiences typed as a new user would"),
)  # fmt: skip


def busiest_share(feeds: list[int | None]) -> float:
    top = feeds[:10]
    return max(Counter(top).values()) / len(top) if top else 0.0


def measure(
    session: Session,
    workspace_id: int,
    articles: dict[str, Article],
    feed_titles: dict[int, str],
    folder: Path,
    frozen_path: Path,
) -> tuple[list[dict], list[dict]]:
    """Each audience of ``folder`` ranked four ways and after feedback; and the unjudged
    articles of its lists (title and summary, for blind grading)."""
    frozen = json.loads(frozen_path.read_text())
    rows, unjudged_rows = [], []
    for path in sorted(folder.glob("*.json")):
        spec = json.loads(path.read_text())
        name = spec["audience"]["name"]
        grades = {j["url"]: j["grade"] for j in spec["judgements"]}
        audience = audiences_db.create_audience(session, workspace_id, **spec["audience"])

        title = title_keyword_baseline(
            session, workspace_id, spec["audience"]["keywords"],
            spec["audience"]["exclude_keywords"],
        )  # fmt: skip
        semantic.configure(False)  # the ranking by words alone, as without the semantic extra
        try:
            words = suggested(session, workspace_id, audience.id, 10)
        finally:
            semantic.configure(True)
        urls = {"today": frozen.get(name, []), "title": [c.url for c in title], "words": words,
                "new": suggested(session, workspace_id, audience.id, 10)}  # fmt: skip
        row: dict = {"audience": name, "judged": len(grades)}
        for ranking in RANKINGS:
            top = urls[ranking][:10]
            feeds = [articles[u].first_feed_id if u in articles else None for u in top]
            row[ranking] = {
                "p5": precision_at_5(top, grades),
                "ndcg10": ndcg_at_10(top, grades),
                "busiest": busiest_share(feeds),
                "unjudged": sum(u not in grades for u in top),
                "busiest_feed": feed_titles.get(Counter(feeds).most_common(1)[0][0])
                if feeds else None,
            }  # fmt: skip
        clicked, without, learned = five_clicks(
            session, workspace_id, audience.id, grades, since=SINCE, now=EVAL_NOW
        )
        rest = {u: g for u, g in grades.items() if u not in clicked}
        row["feedback"] = {
            "clicks": dict(Counter("useful" if grades[u] >= 1 else "not_useful" for u in clicked)),
            "ndcg10_before": ndcg_at_10(without, rest),
            "ndcg10_after": ndcg_at_10(learned, rest),
            "unjudged_before": sum(u not in grades for u in without),
            "unjudged_after": sum(u not in grades for u in learned),
        }
        rows.append(row)
        for url in dict.fromkeys(urls["new"] + without + learned):
            if url not in grades and url in articles:
                unjudged_rows.append({
                    "audience": name, "url": url, "title": articles[url].title,
                    "summary": " ".join(articles[url].summary_text.split())[:700],
                })  # fmt: skip
    return rows, unjudged_rows


def report(label: str, why: str, rows: list[dict]) -> dict:
    """Print one set's table and means; answer them with the feedback gain and the set's
    label and independence (``why``), which run_all.py names the set's figures by."""
    print(f"\n{label[0].upper()}{label[1:]}")
    names = "/".join(RANKINGS)
    print(f"{'audience':<42} {'P@5 ' + names:>26} {'nDCG@10 ' + names:>30} "
          f"{'busiest feed share':>22} {'unjudged':>12} {'nDCG@10 +fb':>14}")  # fmt: skip
    for r in rows:
        f = r["feedback"]
        cells = [" ".join(format(r[k][m], spec) for k in RANKINGS)
                 for m, spec in (("p5", ">6.2f"), ("ndcg10", ">7.2f"), ("busiest", ">5.1f"),
                                 ("unjudged", ">2"))]  # fmt: skip
        print(
            f"{r['audience'][:42]:<42} {'   '.join(cells)}   "
            f"{f['ndcg10_before']:.2f}->{f['ndcg10_after']:.2f}"
        )
    means = {
        ranking: {m: statistics.mean(r[ranking][m] for r in rows) for m in ("p5", "ndcg10",
                  "busiest")} | {"min_p5": min(r[ranking]["p5"] for r in rows),
                                 "unjudged": sum(r[ranking]["unjudged"] for r in rows)}
        for ranking in RANKINGS
    }  # fmt: skip
    gain = statistics.mean(r["feedback"]["ndcg10_after"] - r["feedback"]["ndcg10_before"]
                           for r in rows)  # fmt: skip
    for ranking in RANKINGS:
        m = means[ranking]
        print(
            f"mean {ranking:>5}: P@5 {m['p5']:.2f} (lowest {m['min_p5']:.2f}), nDCG@10 "
            f"{m['ndcg10']:.2f}, busiest feed {m['busiest']:.0%}, unjudged {m['unjudged']}"
        )
    print(f"feedback (5 clicks): nDCG@10 on the rest {gain:+.3f} on average")
    return {"label": label, "why": why, "audiences": rows, "means": means, "feedback_gain": gain}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true", help="end with one JSON result line")
    parser.add_argument("--unjudged-out", type=Path, help="write unjudged top-10 articles here")
    args = parser.parse_args()
    began = time.perf_counter()
    with corpus_workspace("Relevance bench") as (session, workspace, _):
        articles = {
            stable_url(a.canonical_url): a
            for a in session.scalars(select(Article).where(Article.workspace_id == workspace.id))
            if a.canonical_url
        }
        feed_titles = dict(session.execute(select(Feed.id, Feed.title)).all())
        print(f"corpus ingested: {len(articles)} articles in {time.perf_counter() - began:.0f} s")
        measured = {
            key: measure(session, workspace.id, articles, feed_titles, folder, frozen)
            for key, _, _, folder, frozen in SETS
        }
    reports = {key: report(label, why, measured[key][0]) for key, label, why, _, _ in SETS}
    unjudged_rows = [row for rows in measured.values() for row in rows[1]]
    if args.unjudged_out:
        random.Random(13).shuffle(unjudged_rows)
        args.unjudged_out.write_text(json.dumps(unjudged_rows, indent=1) + "\n")
        print(f"{len(unjudged_rows)} unjudged top-10 articles written to {args.unjudged_out}")
    if args.json:
        committed = reports.pop("committed")
        print(json.dumps({"bench": "relevance", **committed, "clicks": CLICKS,
                          "held_out": reports}))  # fmt: skip


if __name__ == "__main__":
    main()
