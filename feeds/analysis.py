"""Text analysis shared by indexing and querying: the same words on SQLite and PostgreSQL.

Stored words are case-folded, accent-free tokens, NOT stemmed: a stemmer joins words that are
different ("transformer" and "transformation", "authentication" and "authentic"). Matching
widens a keyword only to its inflections (plural, tense: "exploit", "exploits", "exploited"),
from lemminflect's dictionary, and scores those below the exact form; words the dictionary
does not know (product names, acronyms) and short words match exactly.

Technical tokens stay whole: ``C++`` is ``cplusplus``, ``C#`` is ``csharp``, ``.NET`` is
``dotnet``, ``Node.js`` is ``nodejs``; a hyphenated name with a digit (``GPT-4``,
``CVE-2026-1234``) is its parts followed by the joined form, so "CVE" still finds it and the
keyword ``GPT-4`` (one token) matches it exactly. Every stored token is letters and digits
only, which the FTS5 and PostgreSQL tokenisers keep as one word.

Articles store the result (``search_title``, ``search_body``, ``search_tags``). If this
analysis changes, a migration must analyse stored articles again (as 0008 does), or old
articles stop matching new queries.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

# Alternatives in order: ".net" standing alone, "c++", "c#"/"f#", then words joined by "." or
# "-" (a compound, judged below) or a plain word. Underscores separate words, as they do for
# FTS5 unicode61 and PostgreSQL's parser.
_TOKEN = re.compile(
    r"(?<![^\W_])\.net(?![^\W_])|[^\W_]+\+\+|[^\W_]+#(?![^\W_])|[^\W_]+(?:[.-][^\W_]+)*"
)
_DOTTED_NAMES = ("js", "net")  # node.js, vue.js, asp.net: one name; "u.s." stays two words
# Deleting combining marks with one str.translate is several times faster than a Python loop
# over every character, and ingest analyses every article's whole summary. The Basic
# Multilingual Plane holds the marks that decompose out of accented letters.
_COMBINING_MARKS = dict.fromkeys(c for c in range(0x10000) if unicodedata.combining(chr(c)))
_SPLIT = re.compile(r"[.-]")
# Shorter words match exactly: "AI" must not widen to "ais", nor "ML" to anything.
MIN_INFLECTED = 4


def _fold(text: str) -> str:
    if text.isascii():
        return text.lower()
    return unicodedata.normalize("NFKD", text.casefold()).translate(_COMBINING_MARKS)


def _tokens(raw: str, query: bool) -> list[str]:
    if raw == ".net":
        return ["dotnet"]
    if raw.endswith("++"):
        return [raw[:-2] + "plusplus"]
    if raw.endswith("#"):
        return [raw[:-1] + "sharp"]
    parts = _SPLIT.split(raw)
    if len(parts) == 1:
        return parts
    if "." in raw and parts[-1] in _DOTTED_NAMES and "-" not in raw:
        return ["".join(parts)]
    if "-" in raw and "." not in raw and any(c.isdigit() for c in raw):
        # Query side: the whole name only; document side: parts, then the whole name.
        return ["".join(parts)] if query else [*parts, "".join(parts)]
    return parts


def analyse(text: str, *, query: bool = False) -> list[str]:
    """Words as indexed (``query=False``) or as a keyword is matched: folded, unstemmed."""
    return [t for raw in _TOKEN.findall(_fold(text)) for t in _tokens(raw, query)]


def search_fields(title: str, tags: Iterable[str], summary_text: str) -> tuple[str, str, str]:
    """The stored ``(search_title, search_body, search_tags)`` of an article.

    Tags are a field of their own: many feeds stamp every post with the same categories
    ("Editors' Picks", "MySQL" on a post about feed readers), so they are a weak hint that
    scoring counts apart from the text, and the index does not search them.
    """
    tag_words = [" ".join(analyse(tag)) for tag in tags or ()]
    return (
        " ".join(analyse(title or "")),
        " ".join(analyse(summary_text or "")),
        " ".join(t for t in tag_words if t),
    )


@functools.cache
def inflections(word: str) -> frozenset[str]:
    """Other inflected forms of a word (never the word itself): a dictionary word's
    inflections; an unknown word's regular plural or singular ("cafe", "cafes"); none for
    short words or words with digits, whose exact form is all a rep can mean."""
    if len(word) < MIN_INFLECTED or not word.isalpha():
        return frozenset()
    # Imported when first needed: its tables are large and slow to read, and most commands
    # never match a keyword. Server workers read them before serving (preload).
    import lemminflect

    known = lemminflect.getAllLemmas(word)
    if not known:
        return frozenset({word[:-1] if word.endswith("s") else word + "s"})
    forms: set[str] = set()
    for lemmas in known.values():
        for lemma in lemmas:
            forms.add(lemma)
            for inflected in lemminflect.getAllInflections(lemma).values():
                forms.update(inflected)
    forms.discard(word)
    return frozenset(f for f in forms if f.isalpha())


def preload() -> None:
    """Load lemminflect's tables now rather than on first use: a server worker does so before
    its first request, which would otherwise wait for them (longer with every worker at once)."""
    inflections("walking")  # a dictionary word: loads the lemma and the inflection tables


_ZEROS = itertools.repeat(0)  # the count of a form a text does not hold


@dataclass(frozen=True)
class Phrase:
    """A keyword as the rep wrote it, its exact tokens and, per token, its other forms."""

    text: str
    tokens: tuple[str, ...]
    variants: tuple[frozenset[str], ...]

    @classmethod
    def of(cls, keyword: str) -> Phrase | None:
        tokens = tuple(analyse(keyword, query=True))
        if not tokens:
            return None
        return cls(keyword, tokens, tuple(inflections(t) for t in tokens))

    @functools.cached_property
    def word_forms(self) -> tuple[tuple[str, ...], ...]:
        """Each word's forms, exact first: built once, since scoring asks per candidate."""
        return tuple((t, *sorted(v)) for t, v in zip(self.tokens, self.variants, strict=True))

    @functools.cached_property
    def all_forms(self) -> frozenset[str]:
        """Every form of every word of the phrase."""
        return frozenset(itertools.chain.from_iterable(self.word_forms))

    def count_in(self, tokens: list[str], counts: dict[str, int]) -> tuple[int, int]:
        """(exact occurrences, inflected-only occurrences) in ``tokens`` (whose counts are
        ``counts``); phrase words are compared in order only where a first word's form is."""
        if len(self.tokens) == 1:
            return counts.get(self.tokens[0], 0), sum(map(counts.get, self.variants[0], _ZEROS))
        if not all(any(counts.get(f) for f in forms) for forms in self.word_forms):
            return 0, 0  # a word of the phrase is missing in every form: no need to look for it
        exact = inflected = 0
        size, stop = len(self.tokens), len(tokens) - len(self.tokens) + 1
        for form in self.word_forms[0]:
            if not counts.get(form):
                continue
            start = 0
            while True:  # list.index scans in C: scoring counts every candidate's words
                try:
                    at = tokens.index(form, start, stop)
                except ValueError:
                    break
                window = tokens[at : at + size]
                if tuple(window) == self.tokens:
                    exact += 1
                elif all(
                    w == t or w in v
                    for w, t, v in zip(window, self.tokens, self.variants, strict=True)
                ):
                    inflected += 1
                start = at + 1
        return exact, inflected


def phrases(keywords: Iterable[str]) -> list[Phrase]:
    """Analysable keywords, each once (``Pricing`` and ``pricing`` are the same phrase)."""
    found: dict[tuple[str, ...], Phrase] = {}
    for keyword in keywords:
        phrase = Phrase.of(keyword)
        if phrase is not None:
            found.setdefault(phrase.tokens, phrase)
    return list(found.values())


# Function words and the words every audience description uses to name the buyer and their
# habits ("leads who care about", "heads of ... who follow"); they say nothing of a topic, and
# counted as description evidence they lent a podcast that "heads to Texas" the sense of a
# logistics audience. "People", "team" and "work" stay: for managers and HR they are the topic.
STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each few
    for from further had has have having he her here hers him his how i if in into is it its
    itself just like more most my no nor not now of off on once only or other our ours out
    over own same she should so some such than that the their them then there these they this
    those through to too under until up very was we were what when where which while who whom
    why will with would you your yours want wants need needs care cares
    lead leads leaders who read reads reader readers interested audience
    new news thing things way ways use using used get make makes many much well etc
    head heads executive executives director directors officer officers chief chiefs buyer
    buyers follow follows track tracks watch watches""".split()  # noqa: SIM905
)


def description_terms(description: str, keywords: Iterable[Phrase]) -> list[str]:
    """The description's topical words: not function words, nor a keyword's word in any form
    ("interviews" beside the keyword "interview" is the same evidence, not more)."""
    taken = {f for p in keywords for f in p.all_forms}
    found: dict[str, None] = {}
    for word in analyse(description or "", query=True):
        if len(word) >= 3 and word not in STOPWORDS and word not in taken and not word.isdigit():
            found[word] = None
    return list(found)
