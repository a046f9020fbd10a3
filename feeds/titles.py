"""Titles for entries that have none, without the parser's weight.

Kept apart from :mod:`feeds.parser` (feedparser, nh3 and the sanitiser) because the post code
needs the same fallback for articles stored untitled, and importing it must not load them.
"""

from __future__ import annotations

import re

# About a headline's length: what is taken of the text of an entry without a title.
FALLBACK_TITLE_LENGTH = 80

_WHITESPACE = re.compile(r"\s+")


def fallback_title(summary_text: str, url: str | None) -> str:
    """A title for an entry without one (RSS requires only a title or a description): the
    first words of its text, else its link. Suggestions, plans and pages all need one, and a
    post planned from an article takes the article's title (or this, for an article stored
    untitled before entries were given one)."""
    text = _WHITESPACE.sub(" ", summary_text).strip()
    return truncate(text, FALLBACK_TITLE_LENGTH) if text else url or ""


def truncate(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters and an ellipsis, at a space if it has one."""
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] or text[:limit]
    return cut.rstrip() + "…"
