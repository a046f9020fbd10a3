"""How well an article's stored words match an audience: BM25F with evidence weights, pure.

:mod:`feeds.search_db` finds the candidates; this module scores them, identically whichever
database found them.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from feeds.analysis import Phrase

# BM25 constants as commonly tuned; a word in the title counts as much as three mentions in the
# summary, because a headline about a topic is the strongest sign an article is about it
# (BM25F's field weighting, folded into one pseudo-document).
K1 = 1.2
B = 0.75
TITLE_WEIGHT = 3

# Evidence weights. An inflected form ("exploited" for "exploit") counts half an exact one;
# tags count a fifth of a body mention and at most once per keyword (feeds stamp every post
# with the same categories); description words count a third of a keyword, and all of them
# together at most as much as the keywords found.
INFLECTED = 0.5
TAG_WEIGHT = 0.2
DESCRIPTION_WEIGHT = 0.35
# A keyword that never comes with other evidence of the audience keeps this share of its weight.
SENSE_FLOOR = 0.3
# A passing mention: the only keyword found, and found in the text but not the headline, is
# believed at this share. Headlines say what an article is about; one keyword somewhere in a
# long text ("free shipping" in a podcast's sponsor read, "energy" in a physics video) mostly
# does not, whatever description words come with it (in the judged sets, under one in three
# such articles was worth sharing, against two in three with a second keyword or a headline).
PASSING_MENTION = 0.3
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
    one ambiguous keyword alone is half as convincing as two; a passing mention (the only
    keyword, not in the headline) is believed at PASSING_MENTION of that. Which field held
    which keyword (for reasons) is worked out on first use, since only the shown few are asked.
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

    def _found_where(self, keep: Callable) -> tuple[str, ...]:
        """The keywords found whose per-field counts (title, body, tags) ``keep`` accepts."""
        if self.found is None:
            return ()
        return tuple(
            p.text
            for p, f, count in zip(self.found.include, self.found.document.fields,
                                   self.found.document.keyword_counts, strict=True)
            if count and keep(f)
        )  # fmt: skip

    def _terms(self, field_index: int) -> tuple[str, ...]:
        return self._found_where(lambda f: sum(f[field_index]))

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
        return self._found_where(lambda f: not (f[0][0] or f[1][0]))

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


def score(
    rows: Sequence[Any],
    include: Sequence[Phrase],
    described: Sequence[Phrase],
    exclude: Sequence[Phrase],
    total: int,
) -> list[Match]:
    """BM25F over the candidate rows (each with the stored search words and the article's
    columns), ``total`` articles in the window; rows with an excluded phrase or no keyword
    (an index's generous prefilter lets some through) are dropped."""
    lookup = _Lookup.of(include, described, exclude)
    documents = []
    for row in rows:
        document = _Document(row, lookup)
        if any(document.has(p) for p in exclude):
            continue
        if any(document.keyword_counts):
            documents.append(document)
    if not documents:
        return []
    average = sum(d.length for d in documents) / len(documents)
    keyword_idf = [
        _idf(total, sum(1 for d in documents if d.keyword_counts[i])) * _sense(documents, i)
        for i in range(len(include))
    ]
    context_idf = [
        _idf(total, sum(1 for d in documents if d.context_counts[i])) for i in range(len(described))
    ]
    return [d.match(include, described, keyword_idf, context_idf, average) for d in documents]


_NONE: list[str] = []
_NO_COUNTS: dict[str, int] = {}
_NOTHING = (0, 0)
_ABSENT = (_NOTHING, _NOTHING, _NOTHING)


@dataclass(frozen=True)
class _Lookup:
    """The keywords then the description's phrases, and which of them each form of a first
    word begins: a document's own words then name the few phrases worth counting in it (a
    phrase none of whose first-word forms it holds counts nothing there, as ``count_in`` says).
    """

    phrases: tuple[Phrase, ...]
    keywords: int  # how many of the phrases are keywords
    starting: dict[str, tuple[int, ...]]
    # Every form of every word of these phrases and the excluded ones: the only words a
    # document's counts need, so they are all it counts.
    words: frozenset[str]

    @classmethod
    def of(
        cls, include: Sequence[Phrase], described: Sequence[Phrase], excluded: Sequence[Phrase]
    ) -> _Lookup:
        phrases = (*include, *described)
        starting: dict[str, list[int]] = {}
        for index, phrase in enumerate(phrases):
            for form in phrase.word_forms[0]:
                starting.setdefault(form, []).append(index)
        words = frozenset(form for p in (*phrases, *excluded) for form in p.all_forms)
        starts = {f: tuple(found) for f, found in starting.items()}
        return cls(phrases, len(include), starts, words)


def _counts(tokens: list[str], wanted: Callable[[str], bool]) -> dict[str, int]:
    """How often each wanted word occurs: a plain dict, as Counter's constructor costs more
    than counting the few wanted words a candidate holds."""
    counts: dict[str, int] = {}
    for word in filter(wanted, tokens):
        counts[word] = counts.get(word, 0) + 1
    return counts


class _Document:
    """One candidate's words per field and its evidence counts for every keyword."""

    __slots__ = ("body", "context_counts", "counts", "fields", "heading", "keyword_counts",
                 "length", "row", "tags")  # fmt: skip

    def __init__(self, row: Any, lookup: _Lookup):
        self.row = row
        self.heading = row.search_title.split()
        self.body = row.search_body.split()
        self.tags = row.search_tags.split() if row.search_tags else _NONE
        wanted = lookup.words.__contains__
        self.counts = [
            _counts(self.heading, wanted),
            _counts(self.body, wanted),
            _counts(self.tags, wanted) if self.tags else _NO_COUNTS,
        ]
        found, weighted = [_ABSENT] * len(lookup.phrases), [0.0] * len(lookup.phrases)
        starting = lookup.starting
        for index in {i for c in self.counts for f in c.keys() & starting for i in starting[f]}:
            found[index] = self._found(lookup.phrases[index])
            weighted[index] = self._weighted(found[index])
        # Per keyword: ((title exact, title inflected), (body ...), (tags ...)).
        keywords = lookup.keywords
        self.fields = found[:keywords]
        self.keyword_counts = weighted[:keywords]
        self.context_counts = weighted[keywords:]
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
        # Absent phrases add nothing (_saturate(0) is 0), so only the found ones are summed.
        keyword_evidence = sum(
            idf * _saturate(count, relative)
            for idf, count in zip(keyword_idf, self.keyword_counts, strict=True)
            if count
        )
        described_evidence = DESCRIPTION_WEIGHT * sum(
            idf * _saturate(count, relative)
            for idf, count in zip(context_idf, self.context_counts, strict=True)
            if count
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
        belief = 1 - 0.5**breadth
        if len(found) == 1 and not in_title:
            belief *= PASSING_MENTION
        row = self.row
        return Match(
            article_id=row.id,
            title=row.title,
            canonical_url=row.canonical_url,
            published_at=row.published_at,
            feed_id=row.first_feed_id,
            feed_title=row.feed_title or row.feed_url,
            relevance=evidence * belief,
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
