"""Names and titles as people type them: one form stored, compared and shown, and a blank one
refused however it is made blank; and the article before a word a sentence is built from."""

from __future__ import annotations

import unicodedata

from core.errors import InvalidValue

# Letters to Unicode that print as nothing (Hangul fillers, the braille blank, the combining
# grapheme joiner): neither whitespace nor format characters, so named one by one.
_FILLERS = frozenset("\u034f\u115f\u1160\u2800\u3164\uffa0")
# Vowel letters sounded as consonants ("a one-to-one ask", "a user"), and a silent h ("an hour").
_CONSONANT_SOUNDS = ("one", "once", "uni", "use", "usu", "eu")
_SILENT_H = ("hour", "honest", "honour", "honor", "heir")


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
    """``word`` after "a" or "an" as it is said: "an ask", "a give", "a one-to-one ask"."""
    lower = word.lower()
    vowel = lower[:1] in ("a", "e", "i", "o", "u") and not lower.startswith(_CONSONANT_SOUNDS)
    return f"{'an' if vowel or lower.startswith(_SILENT_H) else 'a'} {word}"
