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
import functools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
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

from feeds.analysis import Phrase, phrases
from feeds.models import Article, Feed

# BM25 constants as commonly tuned; a word in the title counts as much as three mentions in the
# summary, because a headline about a topic is the strongest sign an article is about it
# (BM25F's field weighting, folded into one pseudo-document).
K1 = 1.2
B = 0.75
TITLE_WEIGHT = 3


class TextIndex(Protocol):
    """The database's full-text index, used as a prefilter: which articles may contain any of
    these phrases. It may return extra articles (they are recounted), never miss one."""

    def contains_any(self, include: Sequence[Phrase]) -> ColumnElement[bool]: ...


_FTS = table("articles_fts", column("rowid"))


class Fts5Index:
    """SQLite: the ``articles_fts`` external-content FTS5 table (one column per field)."""

    def contains_any(self, include: Sequence[Phrase]) -> ColumnElement[bool]:
        # Tokens are letters and digits only, so quoting each phrase cannot break the syntax.
        query = " OR ".join('"' + " ".join(p.tokens) + '"' for p in include)
        matches = text("articles_fts MATCH :fts_query").bindparams(fts_query=query)
        return Article.id.in_(select(_FTS.c.rowid).where(matches))


class PostgresIndex:
    """PostgreSQL: the GIN-indexed ``articles.search_vector`` (generated from both columns)."""

    def contains_any(self, include: Sequence[Phrase]) -> ColumnElement[bool]:
        # One tsquery (q1 || q2 ...) so the GIN index is scanned once, not once per keyword.
        queries = [func.phraseto_tsquery("simple", " ".join(p.tokens)) for p in include]
        return _VECTOR.op("@@")(functools.reduce(_either, queries))


def _either(left: ColumnElement[Any], right: ColumnElement[Any]) -> ColumnElement[Any]:
    return left.op("||")(right)


# Migration 0005's PostgreSQL-only column, so not on the model; 'simple' only lower-cases.
_VECTOR = literal_column("articles.search_vector")


def index_for(session: Session) -> TextIndex:
    dialect = session.get_bind().dialect.name
    return Fts5Index() if dialect == "sqlite" else PostgresIndex()


@dataclass(frozen=True)
class Match:
    """An article that contains at least one keyword and none of the excluded ones."""

    article_id: int
    title: str
    canonical_url: str | None
    published_at: dt.datetime
    feed_id: int | None
    feed_title: str | None
    relevance: float
    matched: tuple[str, ...]


def search(
    session: Session,
    workspace_id: int,
    keywords: Iterable[str],
    exclude_keywords: Iterable[str] = (),
    *,
    since: dt.datetime,
    until: dt.datetime | None = None,
    skip: Select[Any] | None = None,
) -> list[Match]:
    """Articles published in ``[since, until]`` that contain a keyword, scored by BM25;
    ``skip`` selects article ids to leave out (it must not yield NULL).

    Collection statistics (document count, document frequencies) are those of the window, so a
    keyword that is everywhere this month weighs less; the average length is the matched
    articles', which keeps this to one indexed count plus the matches.
    """
    include = phrases(keywords)
    exclude = phrases(exclude_keywords)
    if not include:
        return []
    window = [Article.workspace_id == workspace_id, Article.published_at >= since]
    if until is not None:
        window.append(Article.published_at <= until)
    # The window's size rides along as an uncorrelated subquery (computed once by both
    # databases), which spares a second statement per request.
    window_size = select(func.count()).select_from(Article).where(*window).scalar_subquery()
    rows = session.execute(
        select(
            Article.id,
            Article.title,
            Article.canonical_url,
            Article.published_at,
            Article.first_feed_id,
            Feed.title.label("feed_title"),
            Feed.url.label("feed_url"),
            Article.search_title,
            Article.search_body,
            window_size.label("window_size"),
        )
        .outerjoin(Feed, Feed.id == Article.first_feed_id)
        .where(*window, index_for(session).contains_any(include))
        .where(Article.id.not_in(skip) if skip is not None else true())
    ).all()
    documents = []
    for row in rows:
        heading, body = row.search_title.split(), row.search_body.split()
        if any(p.count_in(heading) or p.count_in(body) for p in exclude):
            continue
        counts = [TITLE_WEIGHT * p.count_in(heading) + p.count_in(body) for p in include]
        if any(counts):
            documents.append((row, counts, TITLE_WEIGHT * len(heading) + len(body)))
    if not documents:
        return []
    total = rows[0].window_size
    average = sum(length for _, _, length in documents) / len(documents)
    weights = [
        _idf(total, sum(1 for _, counts, _ in documents if counts[i])) for i in range(len(include))
    ]
    return [
        Match(
            article_id=row.id,
            title=row.title,
            canonical_url=row.canonical_url,
            published_at=row.published_at,
            feed_id=row.first_feed_id,
            feed_title=row.feed_title or row.feed_url,
            relevance=sum(
                weight * _saturate(count, length / average)
                for weight, count in zip(weights, counts, strict=True)
            ),
            matched=tuple(p.text for p, count in zip(include, counts, strict=True) if count),
        )
        for row, counts, length in documents
    ]


def _idf(total: int, frequency: int) -> float:
    return math.log(1 + (max(total, frequency) - frequency + 0.5) / (frequency + 0.5))


def _saturate(count: int, relative_length: float) -> float:
    return count * (K1 + 1) / (count + K1 * (1 - B + B * relative_length))
