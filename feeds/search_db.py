"""Keyword search over a workspace's articles: one text analysis, two indexes, one BM25.

Why this shape. Suggestions must rank the same articles first on SQLite and on PostgreSQL, and
the two databases' own ranking functions (FTS5 ``bm25()``, ``ts_rank_cd``) do not agree with
each other, nor do their tokenisers and stemmers (FTS5's Porter is not PostgreSQL's Snowball;
``unaccent`` is an optional extension). So the text is analysed once, by
:mod:`feeds.analysis`, when an article is written, and stored in ``articles.search_title`` and
``search_body``. Each database indexes those words as they are (an FTS5 external-content table
kept in step by triggers on SQLite, a generated tsvector column with a GIN index on
PostgreSQL; see migration 0005) and is only asked which articles of a time window contain a
phrase. BM25 then scores that short list in Python from the same stored words, so both
databases compute identical scores, and a phrase or exclusion is decided by exact word
sequence, never by an index's approximation of it.

The index answers "contains all words in this order" exactly on FTS5 and as a superset on
PostgreSQL (a phrase may straddle the title/body boundary there); the recount below drops such
false positives, so the index may only ever be generous, never strict.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from sqlalchemy import (
    ColumnElement,
    Select,
    column,
    func,
    literal_column,
    select,
    table,
    text,
    true,
)
from sqlalchemy.orm import Session

from core import dialects
from core.db import in_chunks
from core.dialects import FullText
from feeds import scoring
from feeds.analysis import Phrase, phrases
from feeds.models import Article, ArticleVector, Feed
from feeds.scoring import Match

# Inflected combinations of one phrase asked of FTS5 one by one.
MAX_FORMS = 32


class TextIndex(Protocol):
    """The database's full-text index, used as a prefilter: which articles may contain any of
    these phrases. It may return extra articles (they are recounted), never miss one."""

    def contains_any(self, include: Sequence[Phrase]) -> ColumnElement[bool]: ...


_FTS = table("articles_fts", column("rowid"))


class Fts5Index:
    """SQLite: the ``articles_fts`` external-content FTS5 table (one column per field)."""

    def contains_any(self, include: Sequence[Phrase]) -> ColumnElement[bool]:
        # Tokens are letters and digits only, so quoting each one cannot break the syntax.
        # FTS5 has no alternatives inside a phrase, so each combination of forms is one.
        query = " OR ".join(_fts5_query(p) for p in include)
        matches = text("articles_fts MATCH :fts_query").bindparams(fts_query=query)
        return Article.id.in_(select(_FTS.c.rowid).where(matches))


def _fts5_query(phrase: Phrase) -> str:
    """Every form of the phrase as an exact FTS5 phrase; past MAX_FORMS combinations (long
    phrases of much-inflected words), every word in some form, which the recount narrows."""
    forms = phrase.word_forms
    if math.prod(len(f) for f in forms) <= MAX_FORMS:
        return " OR ".join('"' + " ".join(words) + '"' for words in itertools.product(*forms))
    words = ["(" + " OR ".join(f'"{form}"' for form in f) + ")" for f in forms]
    return "(" + " AND ".join(words) + ")"


class PostgresIndex:
    """PostgreSQL: the GIN-indexed ``articles.search_vector`` (generated from both columns)."""

    def contains_any(self, include: Sequence[Phrase]) -> ColumnElement[bool]:
        # One tsquery so the GIN index is scanned once, not once per keyword; each word is
        # any of its forms, followed by the next (<->).
        query = " | ".join(
            "(" + " <-> ".join("(" + " | ".join(forms) + ")" for forms in p.word_forms) + ")"
            for p in include
        )
        return _VECTOR.op("@@")(func.to_tsquery("simple", query))


# Migration 0005's PostgreSQL-only column, so not on the model; 'simple' only lower-cases.
_VECTOR = literal_column("articles.search_vector")


_INDEXES: dict[FullText, type[TextIndex]] = {
    FullText.FTS5: Fts5Index,
    FullText.TSVECTOR: PostgresIndex,
}


def index_for(session: Session) -> TextIndex:
    return _INDEXES[dialects.of(session).full_text]()


def search(
    session: Session,
    workspace_id: int,
    keywords: Iterable[str],
    exclude_keywords: Iterable[str] = (),
    *,
    since: dt.datetime,
    until: dt.datetime | None = None,
    skip: Select[Any] | None = None,
    context: Iterable[str] = (),
    window_size: int | None = None,
) -> list[Match]:
    """Articles published in ``[since, until]`` that contain a keyword, scored by BM25F over
    title, summary and (weakly) tags, with ``context`` words (the audience's description) as
    weaker evidence and the breadth of evidence deciding how far a match is believed;
    ``skip`` selects article ids to leave out (it must not yield NULL).

    Collection statistics (document count, document frequencies) are those of the window, so a
    keyword that is everywhere this month weighs less; the average length is the matched
    articles', which keeps this to one indexed count plus the matches. A caller that has
    counted the window (suggestions read each feed's volume in it) passes ``window_size``.
    """
    include = phrases(keywords)
    exclude = phrases(exclude_keywords)
    if not include:
        return []
    described = [p for p in phrases(context) if p.tokens not in {q.tokens for q in include}]
    window = window_of(workspace_id, since, until)
    columns = [
        Article.id,
        Article.title,
        Article.canonical_url,
        Article.published_at,
        Article.first_feed_id,
        Feed.title.label("feed_title"),
        Feed.url.label("feed_url"),
        Article.search_title,
        Article.search_body,
        Article.search_tags,
    ]
    if window_size is None:
        # The window's size rides along as an uncorrelated subquery (computed once by both
        # databases), which spares a second statement.
        count = select(func.count()).select_from(Article).where(*window).scalar_subquery()
        columns.append(count.label("window_size"))
    rows = session.execute(
        select(*columns)
        .outerjoin(Feed, Feed.id == Article.first_feed_id)
        .where(*window, index_for(session).contains_any(include))
        .where(Article.id.not_in(skip) if skip is not None else true())
    ).all()
    if window_size is None:
        window_size = rows[0].window_size if rows else 0
    return scoring.score(rows, include, described, exclude, window_size)


def meaning_vectors(session: Session, article_ids: Sequence[int]) -> dict[int, bytes]:
    """The stored meaning vectors (feeds.semantic) of these articles, by id; an article stored
    without the model, or before migration 0016, has none."""
    query = select(ArticleVector.article_id, ArticleVector.vector)
    return {
        article_id: vector
        for stmt in in_chunks(query, ArticleVector.article_id, list(article_ids))
        for article_id, vector in session.execute(stmt)
    }


def window_of(
    workspace_id: int, since: dt.datetime, until: dt.datetime | None
) -> list[ColumnElement[bool]]:
    window = [Article.workspace_id == workspace_id, Article.published_at >= since]
    if until is not None:
        window.append(Article.published_at <= until)
    return window


def feed_volumes(
    session: Session, workspace_id: int, since: dt.datetime, until: dt.datetime | None
) -> dict[int | None, int]:
    """How many articles each feed published in the window: the denominator of feed fit."""
    rows = session.execute(
        select(Article.first_feed_id, func.count())
        .where(*window_of(workspace_id, since, until))
        .group_by(Article.first_feed_id)
    )
    return {feed_id: count for feed_id, count in rows}
