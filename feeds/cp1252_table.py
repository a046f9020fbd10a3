"""A faster table for feedparser's cp1252 repair, which maps every character as its own does.

feedparser maps the C1 controls that cp1252 text read as Latin-1 leaves behind (U+0080-U+009F)
to the characters meant (the euro sign, curly quotes, dashes) with ``str.translate`` over a
dict of 27 code points, on the text of every element it pops. For a text that is not ASCII,
CPython then raises and clears a KeyError for each character the dict lacks: on the real-feed
corpus that was the largest single cost of a refresh (BENCHMARKS.md, feed ingest). A
string holding every character below U+10000, those 27 replaced, maps the same at about twice
the speed: indexing it cannot fail there, and past its end the IndexError leaves a character
as it is, as the dict's KeyError does. It takes 128 KiB, once per process.

feedparser reads the table from a module global; :func:`install` replaces it, so the change is
process-wide, like :mod:`feeds.expat_driver`, and as there the results are identical
(``tests/unit/feeds/test_cp1252_table.py`` compares every code point). :mod:`feeds.parser`
installs it before its first parse, not on import: building it takes a few milliseconds, which
a web worker that never parses a feed need not spend at start-up.
"""

from __future__ import annotations

from collections.abc import Mapping

import feedparser.mixin

BMP = 0x10000


def _as_string(table: Mapping[int, str]) -> str:
    """``table`` (code point to one character, all below U+10000) as a string indexed by
    code point, every other character mapping to itself."""
    characters = list(map(chr, range(BMP)))
    for code, to in table.items():
        characters[code] = to
    return "".join(characters)


def install() -> bool:
    """Give feedparser the string table, once per process (later calls only check it); False
    if this feedparser keeps no such dict (it then repairs as before, only slower)."""
    table = getattr(feedparser.mixin, "_cp1252", None)
    if isinstance(table, str):
        return True
    if not isinstance(table, dict) or any(
        code >= BMP or len(to) != 1 for code, to in table.items()
    ):
        return False
    feedparser.mixin._cp1252 = _as_string(table)  # type: ignore[attr-defined]
    return True
