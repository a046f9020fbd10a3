"""Text analysis shared by indexing and querying: the same words on SQLite and PostgreSQL.

Case-folded, accents removed, split on anything but letters and digits, and Snowball-stemmed
(English), so "Pricing", "prices" and "Príce" are one word. Articles store the result
(``search_title``, ``search_body``); keywords go through the same function before matching.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import Stemmer

# Letters and digits only: underscores and punctuation separate words on all three tokenisers
# involved (this one, FTS5 unicode61 and PostgreSQL's parser), so they see the same tokens.
_WORD = re.compile(r"[^\W_]+")
_STEMMER = Stemmer.Stemmer("english")
# Deleting combining marks with one str.translate is several times faster than a Python loop
# over every character, and ingest analyses every article's whole summary. The Basic
# Multilingual Plane holds the marks that decompose out of accented letters.
_COMBINING_MARKS = dict.fromkeys(c for c in range(0x10000) if unicodedata.combining(chr(c)))


def analyse(text: str) -> list[str]:
    """Words as indexed and queried: case-folded, accents removed, English stems."""
    if text.isascii():
        folded = text.lower()
    else:
        folded = unicodedata.normalize("NFKD", text.casefold()).translate(_COMBINING_MARKS)
    return _STEMMER.stemWords(_WORD.findall(folded))


def search_fields(title: str, tags: Iterable[str], summary_text: str) -> tuple[str, str]:
    """The stored ``(search_title, search_body)`` of an article.

    Tags go with the summary, not the title: many blogs stamp every post with the same
    categories ("MySQL" on a post about feed readers), so they are no stronger a sign of the
    topic than a mention in the text.
    """
    body = " ".join([*(tags or ()), summary_text or ""])
    return " ".join(analyse(title or "")), " ".join(analyse(body))


@dataclass(frozen=True)
class Phrase:
    """A keyword as the rep wrote it and as analysed tokens; several words match in order."""

    text: str
    tokens: tuple[str, ...]

    @classmethod
    def of(cls, keyword: str) -> Phrase | None:
        tokens = tuple(analyse(keyword))
        return cls(keyword, tokens) if tokens else None

    def count_in(self, tokens: list[str]) -> int:
        """Occurrences, overlapping ones included; only where the first word is found (by
        ``list.index``, in C) are the rest compared, since scoring counts every candidate's
        words for every keyword."""
        first, size = self.tokens[0], len(self.tokens)
        if size == 1:
            return tokens.count(first)
        rest, found, start, stop = list(self.tokens[1:]), 0, 0, len(tokens) - size + 1
        while True:
            try:
                at = tokens.index(first, start, stop)
            except ValueError:
                return found
            found += tokens[at + 1 : at + size] == rest
            start = at + 1


def phrases(keywords: Iterable[str]) -> list[Phrase]:
    """Analysable keywords, each once (``Pricing`` and ``prices`` are the same phrase)."""
    found: dict[tuple[str, ...], Phrase] = {}
    for keyword in keywords:
        phrase = Phrase.of(keyword)
        if phrase is not None:
            found.setdefault(phrase.tokens, phrase)
    return list(found.values())
