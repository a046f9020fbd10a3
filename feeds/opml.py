"""OPML subscription lists, as exported by Feedly, Inoreader, Miniflux and most readers.

Readers express grouping as nested folder outlines; here every folder on a feed's path becomes
one of its tags, and a feed listed in several folders (Inoreader does this) collects all of
them. OPML 2.0's ``category`` attribute ("/Tag,/Other/Sub") is read as tags too.

Export writes one folder per tag, so readers that only understand folders keep the grouping,
and also a ``category`` attribute holding the tags in their stored order, because folder order
alone cannot preserve each feed's own tag order. Tags containing "," or "/" cannot be written
in ``category`` and survive through their folder only.
"""

from __future__ import annotations

import datetime as dt
import email.utils
from collections.abc import Iterable
from dataclasses import dataclass
from xml.etree import ElementTree

from core.errors import InvalidValue
from feeds.xmlguard import check_xml

# What refusals name the document: the upload's form field (POST /api/v1/feeds/import).
FILE_FIELD = "file"
# Outlines nested deeper than this are refused: readers nest folders a few levels at most, and
# the walk below recurses once a level, which past Python's stack limit would be a crash.
MAX_OUTLINE_DEPTH = 100


@dataclass(frozen=True)
class OpmlFeed:
    url: str
    title: str | None
    tags: tuple[str, ...] = ()


def parse_opml(data: bytes) -> list[OpmlFeed]:
    """Feeds in document order, each URL once. Raises :class:`InvalidValue` (on ``FILE_FIELD``)
    for a document that is not OPML or nests outlines over ``MAX_OUTLINE_DEPTH`` deep, and
    :class:`UnsafeXML` for one declaring entities."""
    check_xml(data, field=FILE_FIELD)
    try:
        # Safe after check_xml: with no entity declarations there is nothing to expand, and
        # expat never fetches external DTDs.
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise InvalidValue(FILE_FIELD, f"The file is not well-formed XML ({exc}).") from None
    body = next((child for child in root if _local(child.tag) == "body"), None)
    if _local(root.tag) != "opml" or body is None:
        raise InvalidValue(FILE_FIELD, "The file is not an OPML subscription list.")
    found: dict[str, tuple[str | None, list[str]]] = {}
    _collect(body, [], found, 1)
    return [OpmlFeed(url, title, tuple(tags)) for url, (title, tags) in found.items()]


def _collect(
    parent: ElementTree.Element,
    folders: list[str],
    found: dict[str, tuple[str | None, list[str]]],
    depth: int,
) -> None:
    for outline in (child for child in parent if _local(child.tag) == "outline"):
        if depth > MAX_OUTLINE_DEPTH:
            raise InvalidValue(
                FILE_FIELD,
                f"The file's outlines are nested more than {MAX_OUTLINE_DEPTH} deep, deeper "
                "than any reader nests its folders.",
            )
        url = _attribute(outline, "xmlUrl")
        label = (_attribute(outline, "title") or _attribute(outline, "text") or "").strip()
        if not url:
            _collect(outline, [*folders, label] if label else folders, found, depth + 1)
            continue
        url = url.strip()
        title, tags = found.setdefault(url, (None, []))
        for tag in [*_categories(_attribute(outline, "category")), *folders]:
            if tag not in tags:
                tags.append(tag)
        if title is None and label and label != url:
            found[url] = (label, tags)


def _categories(value: str | None) -> list[str]:
    return [
        part.strip()
        for category in (value or "").split(",")
        for part in category.split("/")
        if part.strip()
    ]


def _attribute(element: ElementTree.Element, name: str) -> str | None:
    """Attribute lookup ignoring case: exports disagree on ``xmlUrl`` versus ``xmlurl``."""
    wanted = name.lower()
    return next((v for k, v in element.attrib.items() if _local(k).lower() == wanted), None)


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def render_opml(feeds: Iterable[OpmlFeed], title: str, now: dt.datetime) -> bytes:
    root = ElementTree.Element("opml", version="2.0")
    head = ElementTree.SubElement(root, "head")
    ElementTree.SubElement(head, "title").text = title
    ElementTree.SubElement(head, "dateCreated").text = email.utils.format_datetime(now)
    body = ElementTree.SubElement(root, "body")
    folders: dict[str, ElementTree.Element] = {}
    for feed in feeds:
        if not feed.tags:
            _feed_outline(body, feed)
        for tag in feed.tags:
            if tag not in folders:
                folders[tag] = ElementTree.SubElement(body, "outline", text=tag, title=tag)
            _feed_outline(folders[tag], feed)
    ElementTree.indent(root)
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


def _feed_outline(parent: ElementTree.Element, feed: OpmlFeed) -> None:
    attributes = {"type": "rss", "text": feed.title or feed.url, "xmlUrl": feed.url}
    if feed.title:
        attributes["title"] = feed.title
    category = ",".join(f"/{tag}" for tag in feed.tags if "," not in tag and "/" not in tag)
    if category:
        attributes["category"] = category
    ElementTree.SubElement(parent, "outline", attributes)
