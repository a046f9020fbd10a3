"""The relevance measures of tests/data/relevance (see /work/shared/RELEVANCE.md), shared by the
precision test and bench/bench_relevance.py. An unjudged article has grade 0: unknown is not
relevant, so a ranking cannot score by finding articles the judges never saw. The feedback
simulation and where each judgement set lives live here too, so that the bench, the pool
script and the suite click the same way and read the same sets."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import accounts_db
from core.models import User, Workspace
from schedules import feedback_db, suggestions_db
from tests.evaluation.corpus import stable_url

RELEVANCE = Path(__file__).parents[1] / "data" / "relevance"
# The committed set's "today": the ranking of aab1145, which the issue measured.
FROZEN = RELEVANCE / "baseline" / "rankings-aab1145.json"
# The validation sets, written after the ranking of issue 13 (the suite's floors do not
# assert on them), and the revision of main whose top 10s were frozen as each one's "today"
# when it was pooled.
FROZEN_AT = {
    "heldout": "9eee635",
    "heldout2": "8c77c87",
    "heldout3": "f5af534",
    "heldout4": "4020f81",
    "heldout5": "8a180d9",
    "heldout6": "c27922b",
    "heldout7": "f4ae7c9",
    "heldout8": "acac273",
    "heldout9": "1a3d0b4",
    "heldout10": "c37240a",
    "heldout11": "c37240a",
    "heldout12": "c37240a",
    "heldout13": "7c9e15e",
    "heldout14": "607b8f2",
}


def held_out(name: str) -> tuple[Path, Path]:
    """A validation set's folder and its frozen "today" rankings."""
    folder = RELEVANCE / name
    return folder, folder / "baseline" / f"rankings-{FROZEN_AT[name]}.json"


def precision_at_5(urls: list[str], grades: dict[str, int]) -> float:
    """Share of the first five graded 1 or 2 (a short list counts its gaps as misses)."""
    return sum(grades.get(u, 0) >= 1 for u in urls[:5]) / 5


def ndcg_at_10(urls: list[str], grades: dict[str, int]) -> float:
    """Gain 2**grade - 1, discount log2(rank + 1), ideal from the best ten judged."""

    def dcg(gains: list[int]) -> float:
        return sum((2**g - 1) / math.log2(rank + 1) for rank, g in enumerate(gains[:10], 1))

    ideal = dcg(sorted(grades.values(), reverse=True))
    return dcg([grades.get(u, 0) for u in urls]) / ideal if ideal else 0.0


CLICKS = 5


def five_clicks(
    session: Session,
    workspace_id: int,
    audience_id: int,
    grades: dict[str, int],
    *,
    since: dt.datetime,
    now: dt.datetime,
) -> tuple[list[str], list[str], list[str]]:
    """A rep's CLICKS verdicts on the audience's best-ranked judged articles (grade 1 or 2
    "useful", 0 "not useful"): ``(clicked, top 10 of the rest without, top 10 with them)``.

    The clicked articles are dismissed for both lists, so the rest is ranked as a list of its
    own: left in and cut afterwards, they would hold their feeds' places under the per-feed
    cap and hide exactly the articles that a feed's useful verdicts lift."""

    def ranked(limit: int = 10) -> list[tuple[str, int]]:
        found = suggestions_db.suggest(
            session, workspace_id, audience_id, limit=limit, since=since, now=now
        )
        return [(stable_url(s.url), s.article_id) for s in found]

    clicked = [(u, i) for u, i in ranked(suggestions_db.MAX_LIMIT) if u in grades][:CLICKS]
    rep = _judge(session, workspace_id)
    for _, article_id in clicked:
        suggestions_db.dismiss(session, workspace_id, audience_id, article_id, rep)
    session.flush()
    without = [u for u, _ in ranked()]
    for url, article_id in clicked:
        verdict = "useful" if grades[url] >= 1 else "not_useful"
        feedback_db.record_feedback(session, workspace_id, audience_id, article_id, verdict, now)
    session.flush()
    return [u for u, _ in clicked], without, [u for u, _ in ranked()]


def _judge(session: Session, workspace_id: int) -> int:
    """The rep whose clicks these are (dismissals belong to a rep): the workspace's first."""
    first = session.scalar(
        select(User.id).where(User.workspace_id == workspace_id).order_by(User.id).limit(1)
    )
    if first is not None:
        return first
    workspace = session.get(Workspace, workspace_id)
    return accounts_db.create_user(session, workspace.name, "judge@relevance.example", "rep")[0].id
