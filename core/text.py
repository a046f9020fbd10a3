"""Names and titles as people type them: one form stored, compared and shown, and a blank one
refused however it is made blank; and the article before a word a sentence is built from."""

from __future__ import annotations

import unicodedata

from core.errors import InvalidValue

# Letters to Unicode that print as nothing (Hangul fillers, the braille blank, the combining
# grapheme joiner): neither whitespace nor format characters, so named one by one.
_FILLERS = frozenset("\u034f\u115f\u1160\u2800\u3164\uffa0")


def one_line(text: str) -> str:
    """``text`` in NFC with each run of whitespace one space, trimmed: "Café" typed with a
    combining accent (NFD, as macOS file names and some keyboards give it) is the same name."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def visible(text: str) -> bool:
    """Whether anything in ``text`` shows: not only whitespace, control and format characters
    (zero-width spaces and joiners, the byte order mark, direction marks) or fillers."""
    return any(
        not (c.isspace() or c in _FILLERS or unicodedata.category(c) in ("Cc", "Cf")) for c in text
    )


def required(field: str, text: str, message: str, max_length: int | None = None) -> str:
    """``one_line(text)``, refused on ``field`` with ``message`` when nothing in it shows, or
    when it is longer than ``max_length`` (NFC lengthens a few characters)."""
    name = one_line(text)
    if not visible(name):
        raise InvalidValue(field, message)
    if max_length is not None and len(name) > max_length:
        raise InvalidValue(field, f"At most {max_length} characters.")
    return name


def with_article(word: str) -> str:
    """``word`` after "a" or "an": "an ask", "a give". For the post kinds and statuses the
    sentences name, each said as it is spelt (no "a user" or "an hour" among them)."""
    return f"{'an' if word[:1].lower() in 'aeiou' else 'a'} {word}"
