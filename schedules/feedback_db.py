"""A rep's verdicts on suggestions: the examples an audience's ranking learns from.

Explicit verdicts come from the rep pressing "Useful" or "Not useful"; scheduling or publishing
an article to the audience says "useful" without a word, so it counts too. Dismissing is not a
verdict: it only hides an article (schedules.suggestions_db), and says nothing about its topic.
Callers read ``VERDICTS`` from here; it lives with the model, whose CHECK constraint uses it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, Select, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.db import get_owned_row
from core.errors import InvalidValue
from feeds.models import Article
from schedules import audiences_db, learning
from schedules.models import TIMELINE_STATUSES, VERDICTS, Post, SuggestionFeedback


@dataclass(frozen=True)
class FeedbackExample:
    article_id: int
    useful: bool
    at: dt.datetime


@dataclass(frozen=True)
class Learned:
    """What an audience's ranking learns from, and the explicit verdicts by article (which the
    list's buttons show), from one read of the verdicts."""

    examples: list[learning.Example]
    verdicts: dict[int, str]


@dataclass(frozen=True)
class Verdict:
    """A verdict as the rep sees it: on which article, and when."""

    article_id: int
    title: str
    verdict: str
    at: dt.datetime


def record_feedback(
    session: Session,
    workspace_id: int,
    audience_id: int,
    article_id: int,
    verdict: str,
    now: dt.datetime,
) -> Verdict:
    """Record the rep's verdict, replacing any earlier one for this audience and article.

    Repeating the same verdict changes nothing (its time included); a changed verdict is a new
    judgement dated ``now``. Another workspace's audience or article is NotFound.
    """
    if verdict not in VERDICTS:
        raise InvalidValue("verdict", f"Must be one of: {', '.join(VERDICTS)}.")
    audiences_db.get_audience(session, workspace_id, audience_id)
    article = get_owned_row(session, Article, workspace_id, article_id, "article")
    row = _feedback(session, audience_id, article_id)
    if row is None or row.verdict != verdict:
        audiences_db.touch_feedback(session, audience_id)
    if row is None:
        row = SuggestionFeedback(
            workspace_id=workspace_id,
            audience_id=audience_id,
            article_id=article_id,
            verdict=verdict,
            created_at=now,
        )
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:
            # A concurrent request recorded one first (PostgreSQL; SQLite writers are serial).
            row = _feedback(session, audience_id, article_id)
            assert row is not None
    if row.verdict != verdict:
        row.verdict = verdict
        row.created_at = now
    session.flush()
    return Verdict(article_id, article.title, row.verdict, row.created_at)


def list_feedback(session: Session, workspace_id: int, audience_id: int) -> list[Verdict]:
    """The rep's explicit verdicts for the audience, newest first."""
    audiences_db.get_audience(session, workspace_id, audience_id)
    rows = session.execute(
        select(
            SuggestionFeedback.article_id,
            Article.title,
            SuggestionFeedback.verdict,
            SuggestionFeedback.created_at,
        )
        .join(Article, Article.id == SuggestionFeedback.article_id)
        .where(SuggestionFeedback.audience_id == audience_id)
        .order_by(SuggestionFeedback.created_at.desc(), SuggestionFeedback.id.desc())
    )
    return [Verdict(*row) for row in rows]


def undo_feedback(session: Session, workspace_id: int, audience_id: int, article_id: int) -> None:
    """Forget the rep's verdict; harmless when there is none."""
    audiences_db.get_audience(session, workspace_id, audience_id)
    get_owned_row(session, Article, workspace_id, article_id, "article")
    session.execute(
        delete(SuggestionFeedback).where(
            SuggestionFeedback.audience_id == audience_id,
            SuggestionFeedback.article_id == article_id,
        )
    )
    audiences_db.touch_feedback(session, audience_id)


def feedback_examples(
    session: Session, audience_id: int, explicit: Sequence[Row[Any]] | None = None
) -> list[FeedbackExample]:
    """What the audience's ranking learns from, newest first, one example per article.

    The explicit verdicts (``explicit``, when the caller has read them already), plus as useful
    every article of a scheduled or published post (dated by the earliest such post, when the
    rep chose it). An explicit verdict wins.
    """
    explicit = _explicit(session, audience_id) if explicit is None else explicit
    examples = {
        article_id: FeedbackExample(article_id, verdict == "useful", at)
        for article_id, verdict, at in explicit
    }
    implied = session.execute(
        select(Post.article_id, func.min(Post.created_at))
        .where(
            Post.audience_id == audience_id,
            Post.article_id.is_not(None),
            Post.status.in_(TIMELINE_STATUSES),
        )
        .group_by(Post.article_id)
    )
    for article_id, at in implied:
        examples.setdefault(article_id, FeedbackExample(article_id, True, at))
    return sorted(examples.values(), key=lambda e: (-e.at.timestamp(), e.article_id))


def _explicit(session: Session, audience_id: int) -> Sequence[Row[Any]]:
    """The audience's explicit verdicts: (article id, verdict, when)."""
    return session.execute(
        select(
            SuggestionFeedback.article_id,
            SuggestionFeedback.verdict,
            SuggestionFeedback.created_at,
        ).where(SuggestionFeedback.audience_id == audience_id)
    ).all()


def found_not_useful(audience_id: int) -> Select[Any]:
    """The articles the rep found not useful for the audience, for the planner to pass over."""
    return select(SuggestionFeedback.article_id).where(
        SuggestionFeedback.audience_id == audience_id, SuggestionFeedback.verdict == "not_useful"
    )


def verdicts_for(
    session: Session, audience_id: int, article_ids: Collection[int]
) -> dict[int, str]:
    """The explicit verdict on each of these articles that has one, in one query (for an
    article a page names that the suggestions, which carry their own, may not hold)."""
    if not article_ids:
        return {}
    return dict(
        session.execute(
            select(SuggestionFeedback.article_id, SuggestionFeedback.verdict).where(
                SuggestionFeedback.audience_id == audience_id,
                SuggestionFeedback.article_id.in_(article_ids),
            )
        ).all()
    )


def _feedback(session: Session, audience_id: int, article_id: int) -> SuggestionFeedback | None:
    return session.scalar(
        select(SuggestionFeedback).where(
            SuggestionFeedback.audience_id == audience_id,
            SuggestionFeedback.article_id == article_id,
        )
    )


def learning_examples(session: Session, audience_id: int) -> Learned:
    """The audience's feedback with each article's words (one query beyond the verdicts), and
    its explicit verdicts, so that a suggestion list reads them once."""
    explicit = _explicit(session, audience_id)
    verdicts = {article_id: verdict for article_id, verdict, _ in explicit}
    found = feedback_examples(session, audience_id, explicit)
    kept = [e for e in found if e.useful][: learning.MAX_EXAMPLES]
    kept += [e for e in found if not e.useful][: learning.MAX_EXAMPLES]
    if not kept:
        return Learned([], verdicts)
    useful = {e.article_id: e.useful for e in kept}
    rows = session.execute(
        select(
            Article.id, Article.title, Article.first_feed_id, Article.search_title
        ).where(Article.id.in_(useful))
    )  # fmt: skip
    examples = [
        learning.Example(row.id, row.title, row.first_feed_id, useful[row.id],
                learning.content_words(row.search_title.split()))
        for row in rows
    ]  # fmt: skip
    return Learned(examples, verdicts)
