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
import itertools
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
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
from core.dialects import FullText
from feeds.analysis import Phrase, phrases
from feeds.models import Article, Feed

# BM25 constants as commonly tuned; a word in the title counts as much as three mentions in the
# summary, because a headline about a topic is the strongest sign an article is about it
# (BM25F's field weighting, folded into one pseudo-document).
MAX_FORMS = 32  # inflected combinations of one phrase asked of FTS5 one by one
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
        # Tokens are letters and digits only, so quoting each one cannot break the syntax.
        # FTS5 has no alternatives inside a phrase, so each combination of forms is one.
        query = " OR ".join(_fts5_query(p) for p in include)
        matches = text("articles_fts MATCH :fts_query").bindparams(fts_query=query)
        return Article.id.in_(select(_FTS.c.rowid).where(matches))


def _fts5_query(phrase: Phrase) -> str:
    """Every form of the phrase as an exact FTS5 phrase; past MAX_FORMS combinations (long
    phrases of much-inflected words), every word in some form, which the recount narrows."""
    forms = [phrase.forms(i) for i in range(len(phrase.tokens))]
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
            "("
            + " <-> ".join("(" + " | ".join(p.forms(i)) + ")" for i in range(len(p.tokens)))
            + ")"
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


# Evidence weights. An inflected form ("exploited" for "exploit") counts half an exact one;
# tags count a fifth of a body mention and at most once per keyword (feeds stamp every post
# with the same categories); description words count a third of a keyword, and all of them
# together at most as much as the keywords found.
INFLECTED = 0.5
TAG_WEIGHT = 0.2
DESCRIPTION_WEIGHT = 0.35
# A keyword that never comes with other evidence of the audience keeps this share of its weight.
SENSE_FLOOR = 0.3
# Context words counted towards breadth at most this many, each half a keyword.
MAX_DESCRIPTION_BREADTH = 4
# How far an article fits the audience, for its feed's prior: (breadth - 0.5) / FIT_SPAN,
# plus TITLE_FIT when a keyword is in its title, at most 1. A lone keyword in the text fits a
# quarter; two keywords, or one with two description words, three quarters.
FIT_SPAN = 2.0
TITLE_FIT = 0.25
# Words of the title and the first words of the summary: what near-duplicate checks compare.
LEAD_WORDS = 60


@dataclass(frozen=True)
class Match:
    """An article that contains at least one keyword and none of the excluded ones.

    ``breadth`` is the number of keywords found plus half of the description words found (up
    to MAX_DESCRIPTION_BREADTH of them), and the relevance is believed at 1 - 0.5 ** breadth:
    one ambiguous keyword alone is half as convincing as two. Which field held which keyword
    (for reasons) is worked out on first use, since only the shown few are asked.
    """

    article_id: int
    title: str
    canonical_url: str | None
    published_at: dt.datetime
    feed_id: int | None
    feed_title: str | None
    relevance: float
    matched: tuple[str, ...]
    context_terms: tuple[str, ...] = ()
    breadth: float = 0.0
    fit: float = 0.0
    found: _Found | None = field(default=None, repr=False, compare=False)

    def _terms(self, field_index: int) -> tuple[str, ...]:
        if self.found is None:
            return ()
        return tuple(
            p.text
            for p, f, count in zip(self.found.include, self.found.document.fields,
                                   self.found.document.keyword_counts, strict=True)
            if count and sum(f[field_index])
        )  # fmt: skip

    @functools.cached_property
    def title_terms(self) -> tuple[str, ...]:
        return self._terms(0)

    @functools.cached_property
    def body_terms(self) -> tuple[str, ...]:
        return self._terms(1)

    @functools.cached_property
    def tag_terms(self) -> tuple[str, ...]:
        return self._terms(2)

    @functools.cached_property
    def inflected_only(self) -> tuple[str, ...]:
        """Keywords found only in another form ("exploited" for "exploit")."""
        if self.found is None:
            return ()
        return tuple(
            p.text
            for p, f, count in zip(self.found.include, self.found.document.fields,
                                   self.found.document.keyword_counts, strict=True)
            if count and not (f[0][0] or f[1][0])
        )  # fmt: skip

    @functools.cached_property
    def lead(self) -> tuple[str, ...]:
        """The title's words and the first LEAD_WORDS of the summary: what near-duplicate
        checks and feedback compare."""
        if self.found is None:
            return ()
        return tuple(self.found.document.heading + self.found.document.body[:LEAD_WORDS])

    @functools.cached_property
    def title_words(self) -> frozenset[str]:
        return frozenset(self.found.document.heading) if self.found else frozenset()


@dataclass(frozen=True)
class _Found:
    document: _Document
    include: Sequence[Phrase]


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
) -> list[Match]:
    """Articles published in ``[since, until]`` that contain a keyword, scored by BM25F over
    title, summary and (weakly) tags, with ``context`` words (the audience's description) as
    weaker evidence and the breadth of evidence deciding how far a match is believed;
    ``skip`` selects article ids to leave out (it must not yield NULL).

    Collection statistics (document count, document frequencies) are those of the window, so a
    keyword that is everywhere this month weighs less; the average length is the matched
    articles', which keeps this to one indexed count plus the matches.
    """
    include = phrases(keywords)
    exclude = phrases(exclude_keywords)
    if not include:
        return []
    described = [p for p in phrases(context) if p.tokens not in {q.tokens for q in include}]
    window = window_of(workspace_id, since, until)
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
            Article.search_tags,
            window_size.label("window_size"),
        )
        .outerjoin(Feed, Feed.id == Article.first_feed_id)
        .where(*window, index_for(session).contains_any(include))
        .where(Article.id.not_in(skip) if skip is not None else true())
    ).all()
    documents = []
    for row in rows:
        document = _Document(row, include, described)
        if any(document.has(p) for p in exclude):
            continue
        if any(document.keyword_counts):
            documents.append(document)
    if not documents:
        return []
    total = rows[0].window_size
    average = sum(d.length for d in documents) / len(documents)
    keyword_idf = [
        _idf(total, sum(1 for d in documents if d.keyword_counts[i])) * _sense(documents, i)
        for i in range(len(include))
    ]
    context_idf = [
        _idf(total, sum(1 for d in documents if d.context_counts[i])) for i in range(len(described))
    ]
    return [d.match(include, described, keyword_idf, context_idf, average) for d in documents]


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


_NONE: list[str] = []
_NO_COUNTS: Counter[str] = Counter()
_NOTHING = (0, 0)


class _Document:
    """One candidate's words per field and its evidence counts for every keyword."""

    __slots__ = ("body", "context_counts", "counts", "fields", "heading", "keyword_counts",
                 "length", "row", "tags")  # fmt: skip

    def __init__(self, row: Any, include: Sequence[Phrase], described: Sequence[Phrase]):
        self.row = row
        self.heading = row.search_title.split()
        self.body = row.search_body.split()
        self.tags = row.search_tags.split() if row.search_tags else _NONE
        self.counts = [
            Counter(self.heading),
            Counter(self.body),
            Counter(self.tags) if self.tags else _NO_COUNTS,
        ]
        # Per keyword: ((title exact, title inflected), (body ...), (tags ...)).
        self.fields = [self._found(p) for p in include]
        self.keyword_counts = [self._weighted(f) for f in self.fields]
        self.context_counts = [self._weighted(self._found(p)) for p in described]
        self.length = TITLE_WEIGHT * len(self.heading) + len(self.body)

    def _found(self, phrase: Phrase) -> tuple[tuple[int, int], ...]:
        heading, body, tags = self.counts
        return (
            phrase.count_in(self.heading, heading),
            phrase.count_in(self.body, body),
            phrase.count_in(self.tags, tags) if tags else _NOTHING,
        )

    @staticmethod
    def _weighted(found: tuple[tuple[int, int], ...]) -> float:
        (te, ti), (be, bi), (ge, gi) = found
        in_text = TITLE_WEIGHT * (te + INFLECTED * ti) + be + INFLECTED * bi
        # A tag counts only beside the text: alone it is a category, not a topic.
        return in_text + (TAG_WEIGHT if in_text and (ge or gi) else 0.0)

    def has(self, phrase: Phrase) -> bool:
        return any(e or i for e, i in self._found(phrase)[:2])

    def match(
        self,
        include: Sequence[Phrase],
        described: Sequence[Phrase],
        keyword_idf: Sequence[float],
        context_idf: Sequence[float],
        average: float,
    ) -> Match:
        relative = self.length / average
        keyword_evidence = sum(
            idf * _saturate(count, relative)
            for idf, count in zip(keyword_idf, self.keyword_counts, strict=True)
        )
        described_evidence = DESCRIPTION_WEIGHT * sum(
            idf * _saturate(count, relative)
            for idf, count in zip(context_idf, self.context_counts, strict=True)
        )
        # The description supports the keywords, never outweighs them.
        evidence = keyword_evidence + min(described_evidence, keyword_evidence)
        found = [p for p, count in zip(include, self.keyword_counts, strict=True) if count]
        context = tuple(
            p.text for p, count in zip(described, self.context_counts, strict=True) if count
        )
        breadth = len(found) + 0.5 * min(len(context), MAX_DESCRIPTION_BREADTH)
        in_title = any(
            sum(f[0]) for f, count in zip(self.fields, self.keyword_counts, strict=True) if count
        )
        row = self.row
        return Match(
            article_id=row.id,
            title=row.title,
            canonical_url=row.canonical_url,
            published_at=row.published_at,
            feed_id=row.first_feed_id,
            feed_title=row.feed_title or row.feed_url,
            relevance=evidence * (1 - 0.5**breadth),
            matched=tuple(p.text for p in found),
            context_terms=context,
            breadth=breadth,
            fit=min(1.0, max(0.0, (breadth - 0.5) / FIT_SPAN) + TITLE_FIT * in_title),
            found=_Found(self, include),
        )


def _sense(documents: Sequence[_Document], keyword: int) -> float:
    """How far a keyword is used in the audience's sense here, as a weight in [SENSE_FLOOR, 1]:
    the share of the articles holding it that also hold another keyword or a description word.
    "interview" in a feed of celebrity news mostly stands alone; in hiring posts it does not."""
    holding = [d for d in documents if d.keyword_counts[keyword]]
    company = sum(
        1
        for d in holding
        if any(c for i, c in enumerate(d.keyword_counts) if i != keyword) or any(d.context_counts)
    )
    return SENSE_FLOOR + (1 - SENSE_FLOOR) * company / len(holding) if holding else 1.0


def _idf(total: int, frequency: int) -> float:
    return math.log(1 + (max(total, frequency) - frequency + 0.5) / (frequency + 0.5))


def _saturate(count: float, relative_length: float) -> float:
    return count * (K1 + 1) / (count + K1 * (1 - B + B * relative_length))
