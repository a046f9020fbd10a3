"""Read a JSON Feed (https://www.jsonfeed.org/version/1.1/, and 1.0) into the shape feedparser
gives RSS and Atom, so :mod:`feeds.parser` keys, sanitises, dates and bounds its items the same
way as any other feed's entries.

Values of the wrong JSON type (a number for a title, an object for a tag) are skipped, as an
unknown element would be in XML: one bad value costs only itself.
"""

from __future__ import annotations

import json
import re
from typing import Any

from feeds.errors import ParseError

MEDIA_TYPES = frozenset({"application/feed+json", "application/json"})
_VERSION = "jsonfeed.org/version/"
_OPENING = b"\xef\xbb\xbf \t\r\n"
# JSON's "\ud800" escapes decode to lone surrogates, which no database stores.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def is_json(data: bytes, media_type: str) -> bool:
    """Whether the body is JSON to read as a JSON Feed: it opens as an object does, or the
    server calls it JSON and it does not open as XML does."""
    start = data[:64].lstrip(_OPENING)
    return start.startswith(b"{") or (media_type in MEDIA_TYPES and not start.startswith(b"<"))


def read(data: bytes, url: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The feed's title and home page, and its items as feedparser-shaped entries.

    Raises :class:`ParseError` for a body that is not JSON, or JSON that is not a JSON Feed.
    """
    try:
        document = json.loads(data)
    except ValueError as exc:  # also for bytes not in UTF-8
        raise ParseError(
            f"Not a readable feed: the JSON Feed is not valid JSON ({exc}).", url=url
        ) from None
    except RecursionError:  # valid or not: the reader gave up before it could tell
        raise ParseError(
            "Not a readable feed: the JSON Feed nests its values deeper than can be read "
            "(real feeds nest a handful of levels).",
            url=url,
        ) from None
    if (
        not isinstance(document, dict)
        or _VERSION not in _text(document.get("version"))
        or not isinstance(document.get("items"), list)
    ):
        raise ParseError(
            "Not a readable feed: the document is JSON but not a JSON Feed (one names its "
            "version, https://jsonfeed.org/version/1.1, and lists its items).",
            url=url,
        )
    channel = {"title": _text(document.get("title")), "link": _text(document.get("home_page_url"))}
    feed_authors = _authors(document)
    items = [item for item in document["items"] if isinstance(item, dict)]
    return channel, [_entry(item, feed_authors) for item in items]


def _entry(item: dict[str, Any], feed_authors: str) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": _identifier(item.get("id")),
        # "url" is the item's own page; "external_url" the page a link post is about.
        "link": _text(item.get("url")) or _text(item.get("external_url")),
        "title": _text(item.get("title")),
        "title_detail": {"type": "text/plain"},
        "author": _authors(item) or feed_authors,
        "tags": [{"term": _text(tag)} for tag in _list(item.get("tags"))],
    }
    for key, name in (("published", "date_published"), ("updated", "date_modified")):
        if when := _text(item.get(name)):
            entry[key] = when
    if html := _text(item.get("content_html")):
        entry["content"] = [{"type": "text/html", "value": html}]
    elif text := _text(item.get("content_text")):
        entry["content"] = [{"type": "text/plain", "value": text}]
    if summary := _text(item.get("summary")):
        entry["summary"] = summary
        entry["summary_detail"] = {"type": "text/plain"}
    return entry


def _authors(node: dict[str, Any]) -> str:
    """The names of 1.1's "authors", else of 1.0's "author", comma-separated."""
    authors = _list(node.get("authors")) or [node.get("author")]
    names = (_text(author.get("name")).strip() for author in authors if isinstance(author, dict))
    return ", ".join(name for name in names if name)


def _identifier(value: Any) -> str:
    # 1.0 feeds sometimes give a number, which 1.1 says to read as its string.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return _text(value)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: Any) -> str:
    return _LONE_SURROGATE.sub("\ufffd", value) if isinstance(value, str) else ""
