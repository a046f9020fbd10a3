"""Turn feed bytes into plain, sanitised records the database layer can store as they are.

feedparser does the format work (RSS 0.9x-2.0, RSS 1.0, Atom, broken XML through its loose
parser) but is called with its own sanitiser and relative-URI rewriting off: both are slow,
and its sanitiser is not trusted here (see :mod:`feeds.sanitizer`). Its strict parser gets
buffered text from expat (see :mod:`feeds.expat_driver`) and repairs cp1252 through a faster
table (:mod:`feeds.cp1252_table`). Every document passes
:func:`feeds.xmlguard.check_xml` first, inside :func:`parse_feed`, so no caller can forget it.

Entry identity (the dedup key within one feed) is the entry's id/guid, else its canonical link,
else a SHA-256 of title and content. Entries with neither id nor link are kept under that hash
key: they are rare (RSS items with only a title and description) and still worth reading. The
price is that editing such an entry's text makes it a new entry. Only entries with nothing at
all in them (no id, link, title or text) are dropped, so the stored count is feedparser's count
minus such empty entries and minus repeats of a key within one feed.
"""

from __future__ import annotations

import datetime as dt
import email.message
import hashlib
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin
from xml.parsers import expat
from xml.sax import SAXParseException

import feedparser

from feeds import cp1252_table, expat_driver, jsonfeed
from feeds.dates import parse_date
from feeds.errors import ParseError
from feeds.models import (
    ARTICLE_AUTHOR_MAX,
    ARTICLE_SUMMARY_TEXT_MAX,
    ARTICLE_TAG_MAX,
    ARTICLE_TAGS_MAX,
    ARTICLE_TITLE_MAX,
    ENTRY_KEY_MAX,
)
from feeds.refresh_policy import MAX_INTERVAL_MINUTES
from feeds.sanitizer import html_to_text, sanitize_html, text_to_html
from feeds.titles import fallback_title, truncate
from feeds.urls import MAX_URL_LENGTH, canonical_url, is_web_url
from feeds.xmlguard import check_xml, document_encoding, text_codec

# Dates further ahead than this are typos or time-zone bugs; such an entry would otherwise
# sit at the top of every "latest" list for years.
FUTURE_TOLERANCE = dt.timedelta(days=1)

_HTML_TYPES = ("text/html", "application/xhtml+xml")
_FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "application/feed+json",
)
# A document that opens (after a byte order mark, blank space and comments) as HTML does.
_HTML_START = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)[\s>]",
    re.IGNORECASE | re.DOTALL,
)
_HTML_SCAN_BYTES = 256 * 1024
_WHITESPACE = re.compile(r"\s+")
# C0 controls other than tab, line feed and carriage return. A regex, not str.translate: with
# a mapping, translate looks up every character in Python, a second per 30 MB of text.
_CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
# Unicode's 66 noncharacters (U+FDD0-U+FDEF and the last two of each plane): for a program's
# own use, never for text interchange; XML forbids U+FFFE and U+FFFF outright.
_NONCHARACTERS = re.compile(
    "[\ufdd0-\ufdef"
    + "".join(chr(plane | 0xFFFE) + chr(plane | 0xFFFF) for plane in range(0, 0x110000, 0x10000))
    + "]"
)
# Either kind is rare. One search for a single range finds the few strings that need the
# substitutions above: the noncharacters' class of scattered astral characters alone costs
# ten times a range's search, and most strings hold neither.
_MAYBE_UNWANTED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufdd0-\U0010ffff]")
# Bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069): in a one-line field
# they reorder what follows them wherever it is shown (an API client, a calendar app), so a
# headline can read backwards; the text's own direction needs none of them.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
# Numeric character references that could name no character: a UTF-16 surrogate, a
# noncharacter, or a number past U+10FFFF, need four hex or five decimal digits. feedparser's
# loose parser raises on the first and last.
_LONG_CHARACTER_REFERENCE = re.compile(rb"&#(?:[xX]0*([0-9a-fA-F]{4,})|0*([0-9]{5,}));")
_REPLACEMENT_REFERENCE = b"&#xFFFD;"
# What a reference is made of; an encoding that writes these as ASCII does can be repaired as is.
_REFERENCE_PROBE = "&#x;0123456789abcdefABCDEF"

expat_driver.install()


@dataclass(frozen=True)
class ParsedEntry:
    key: str
    guid: str | None
    url: str | None
    title: str
    author: str | None
    published: dt.datetime
    summary_html: str
    summary_text: str
    content_html: str | None
    tags: tuple[str, ...] = ()

    @property
    def content_hash(self) -> str:
        """Changes when anything shown to a reader changes; the publication date is left out
        because undated entries get the fetch time, which would make every fetch an edit."""
        parts = (
            self.title,
            self.url or "",
            self.author or "",
            self.summary_html,
            self.content_html or "",
            "\x1e".join(self.tags),
        )
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


@dataclass(frozen=True)
class ParsedFeed:
    title: str | None
    link: str | None
    ttl_minutes: int | None
    entries: list[ParsedEntry] = field(default_factory=list)


def parse_feed(
    data: bytes,
    *,
    base_url: str,
    fetched_at: dt.datetime,
    content_type: str | None = None,
    max_entries: int | None = None,
) -> ParsedFeed:
    """Parse, sanitise and normalise a fetched document: RSS, Atom or a JSON Feed.

    ``base_url`` is the URL the document was fetched from (after redirects); relative links
    resolve against it. ``content_type`` is the response's Content-Type: its charset applies
    when an XML document names no encoding of its own (no byte order mark, no encoding in its
    XML declaration) and is not UTF-8. RFC 7303 ranks the header above the document, but a
    header's charset is often the server's default rather than the feed's, while a
    declaration, or text that reads as UTF-8, comes with the document. Only the
    newest ``max_entries`` entries are read (:func:`_newest`). Raises :class:`UnsafeXML` or
    :class:`ParseError`.
    """
    header = _header(content_type)
    if jsonfeed.is_json(data, header.get_content_type()):
        channel, found = jsonfeed.read(data, base_url)
    else:
        channel, found = _read_xml(data, base_url, header)
    entries = _newest([e for e in found if _has_substance(e)], max_entries, fetched_at)
    return ParsedFeed(
        title=_text(channel, "title") or None,
        link=_absolute(_string(channel, "link"), base_url),
        ttl_minutes=_ttl(channel.get("ttl")),
        entries=[_entry(e, base_url, fetched_at) for e in entries],
    )


def _newest(
    entries: list[Mapping[str, Any]], limit: int | None, fetched_at: dt.datetime
) -> list[Mapping[str, Any]]:
    """The ``limit`` newest entries by the date each would be stored with (an undated one's
    is the fetch time), ties in feed order; the rest are not normalised at all, which costs
    far more per entry than finding its date."""
    if limit is None or len(entries) <= limit:
        return entries
    dates = [_published(entry, fetched_at) for entry in entries]
    newest = sorted(range(len(entries)), key=dates.__getitem__, reverse=True)[:limit]
    return [entries[i] for i in sorted(newest)]


def _read_xml(
    data: bytes, base_url: str, header: email.message.Message
) -> tuple[Mapping[str, Any], list[Mapping[str, Any]]]:
    """feedparser's channel and entries; raises :class:`ParseError` when it found neither
    entries nor a feed."""
    declared = document_encoding(data)
    charset = _known_charset(header)
    # Only a named charset can be overruled; reading the whole body as UTF-8 is not free.
    if charset and (declared or _is_utf8(data)):
        charset = None
    check_xml(data, charset)
    data = _repair_character_references(data, declared or charset or "utf-8")
    # A stream, not bytes: given bytes, feedparser first tries them as a local file name.
    # The headers set the base URL for relative links, and the encoding the way xmlguard read
    # it: with no charset, from the document.
    media_type = f"application/xml; charset={charset}" if charset else "application/xml"
    cp1252_table.install()
    result = feedparser.parse(
        io.BytesIO(data),
        sanitize_html=False,
        resolve_relative_uris=False,
        response_headers={"content-location": base_url, "content-type": media_type},
    )
    if not any(_has_substance(e) for e in result.entries) and not _is_feed(result, data, charset):
        reason = _why_unreadable(data, result, base_url)
        raise ParseError(f"Not a readable feed: {reason}", url=base_url)
    return result.feed, result.entries


def _is_feed(result: Any, data: bytes, charset: str | None) -> bool:
    """Whether feedparser read a feed, if one without entries: a format it knows, in a
    document that is well-formed but for entities XML does not know (HTML's ``&eacute;`` and
    ``&nbsp;``, which its loose parser reads as HTML does). One broken off or garbled in any
    other way, and without entries, is not taken for a quiet feed."""
    if not result.get("version"):
        return False
    if not result.bozo:
        return True
    # Namespaces on, as feedparser's strict parser reads them (an unbound prefix is a fault).
    reader = expat.ParserCreate(charset, namespace_separator=" ")
    # With a DTD outside the document (never loaded), an undefined entity may be the DTD's:
    # expat skips it instead of failing, so only other faults remain.
    reader.UseForeignDTD(True)
    try:
        reader.Parse(data, True)
    except (expat.ExpatError, LookupError):  # LookupError: a declared encoding Python lacks
        return False
    return True


def _is_utf8(data: bytes) -> bool:
    """Whether the bytes read as UTF-8, XML's default: a header naming another charset for
    them is then more often the server's default than the document's."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _header(content_type: str | None) -> email.message.Message:
    """A Content-Type header, read by the standard library (media type and parameters)."""
    header = email.message.Message()
    header["Content-Type"] = content_type or ""
    return header


def _known_charset(header: email.message.Message) -> str | None:
    """The text encoding a Content-Type's charset names, if it names one Python knows."""
    named = header.get_content_charset()
    return text_codec(named) if named else None


def _repair_character_references(data: bytes, encoding: str) -> bytes:
    """The document, in ``encoding``, with every numeric character reference naming a
    character.

    Some publishing systems write an emoji as its two UTF-16 halves (``&#55357;&#56832;``);
    such a pair becomes the one reference it meant. A lone half, or a number past U+10FFFF,
    becomes U+FFFD. Either kind is not well-formed, and feedparser's loose parser, which then
    reads the document, raises on it. In an encoding where a reference's bytes are not ASCII's
    (UTF-16, UTF-32, EBCDIC) the document is repaired as UTF-8 and encoded back.
    """
    try:
        if _REFERENCE_PROBE.encode(encoding) == _REFERENCE_PROBE.encode():
            return _repair_ascii_references(data)
        text = data.decode(encoding, errors="surrogatepass")
        repaired = _repair_ascii_references(text.encode(errors="surrogatepass"))
        return repaired.decode(errors="surrogatepass").encode(encoding, errors="surrogatepass")
    except (UnicodeError, LookupError):
        return data  # not in that encoding after all: feedparser says what it makes of it


def _repair_ascii_references(data: bytes) -> bytes:
    """:func:`_repair_character_references` for a document whose references are ASCII."""
    pieces: list[bytes] = []
    done = 0
    for match in _LONG_CHARACTER_REFERENCE.finditer(data):
        point = _code_point(match)
        if match.start() < done or _is_character(point):
            continue  # a real character, or the second half of a pair already replaced
        end, replacement = match.end(), _REPLACEMENT_REFERENCE
        low = _LONG_CHARACTER_REFERENCE.match(data, end) if 0xD800 <= point < 0xDC00 else None
        if low and 0xDC00 <= (low_point := _code_point(low)) < 0xE000:
            end = low.end()
            replacement = b"&#%d;" % (0x10000 + ((point - 0xD800) << 10) + low_point - 0xDC00)
        pieces += (data[done : match.start()], replacement)
        done = end
    if not pieces:
        return data
    pieces.append(data[done:])
    return b"".join(pieces)


def _code_point(reference: re.Match[bytes]) -> int:
    hex_digits, decimal_digits = reference.groups()
    if len(hex_digits or decimal_digits) > 16:
        return 0x110000  # past the last character; int() would refuse 4,300 digits
    return int(hex_digits, 16) if hex_digits else int(decimal_digits)


def _is_character(point: int) -> bool:
    return (
        point <= 0x10FFFF
        and not 0xD800 <= point < 0xE000
        and not _NONCHARACTERS.fullmatch(chr(point))
    )


def _why_unreadable(data: bytes, result: Any, base_url: str) -> str:
    """The reason shown on the feed, in the words that help its owner fix the subscription:
    an empty answer and a web page (often the site's home page instead of its feed, which the
    page itself may name) are far more common than real XML errors."""
    if not data.strip():
        return "the server sent an empty document."
    if _HTML_START.match(data):
        finder = _FeedLinks()
        finder.feed(data[:_HTML_SCAN_BYTES].decode("utf-8", errors="replace"))
        # A page naming its own address as its feed would send the user back to it.
        links = [urljoin(base_url, link) for link in finder.links]
        elsewhere = [link for link in links if canonical_url(link) != canonical_url(base_url)]
        if elsewhere:
            return f"the address serves an HTML page, which names its feed at {elsewhere[0]}."
        if links:
            return (
                "the address serves an HTML page, not an RSS, Atom or JSON feed, although "
                "the page names this same address as its feed."
            )
        return "the address serves an HTML page, not an RSS, Atom or JSON feed."
    fault = result.get("bozo_exception")
    if isinstance(fault, SAXParseException):
        # Its own str() names "<unknown>", a file it was never given, and counts columns from 0.
        return (
            f"the document is not well-formed XML at line {fault.getLineNumber()}, column "
            f"{fault.getColumnNumber() + 1}: {fault.getMessage()}."
        )
    return str(fault or "no RSS or Atom structure found.")


class _FeedLinks(HTMLParser):
    """Collects ``<link rel="alternate">`` feed addresses: how sites announce their feeds."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if (
            tag == "link"
            and "alternate" in values.get("rel", "").lower().split()
            and values.get("type", "").split(";")[0].strip().lower() in _FEED_TYPES
            and values.get("href", "").strip()
        ):
            self.links.append(values["href"].strip())


def _has_substance(entry: Mapping[str, Any]) -> bool:
    """False for an entry with no id, link, title or text: what a truncated document's loose
    parse leaves behind. Nothing in it could be read or recognised again, so it is dropped."""
    return any(entry.get(key) for key in ("id", "link", "title", "summary", "content"))


def _entry(entry: Mapping[str, Any], base_url: str, fetched_at: dt.datetime) -> ParsedEntry:
    # feedparser has already resolved links against xml:base and the document URL; resolving
    # again only matters for the odd link it left relative.
    link = _absolute(_string(entry, "link"), base_url)
    url = canonical_url(link) if link else None
    if url and len(url) > MAX_URL_LENGTH:
        url = None
    content = _content(entry.get("content") or [], base_url)
    summary_detail = entry.get("summary_detail")
    raw_summary = _string(entry, "summary")
    if not summary_detail:
        # No summary element: feedparser copies the content into "summary" without details.
        summary_html = content or sanitize_html(raw_summary, base_url)
    elif summary_detail.get("type") in _HTML_TYPES:
        summary_html = sanitize_html(raw_summary, summary_detail.get("base") or base_url)
    else:
        summary_html = text_to_html(raw_summary)
    title = _text(entry, "title")[:ARTICLE_TITLE_MAX]
    guid = _string(entry, "id").strip() or None
    summary_text = truncate(
        html_to_text(summary_html, ARTICLE_SUMMARY_TEXT_MAX), ARTICLE_SUMMARY_TEXT_MAX
    )
    return ParsedEntry(
        # The feed's own title, not the fallback: an entry keyed by its title and text keeps
        # the key it was stored under.
        key=_key(guid, url, title, content or summary_html),
        guid=guid,
        url=url,
        title=title or fallback_title(summary_text, url),
        author=(
            _WHITESPACE.sub(" ", _string(entry, "author")).strip()[:ARTICLE_AUTHOR_MAX] or None
        ),
        published=_published(entry, fetched_at),
        summary_html=summary_html,
        summary_text=summary_text,
        content_html=content,
        tags=_tags(entry.get("tags") or []),
    )


def _key(guid: str | None, url: str | None, title: str, body: str) -> str:
    if guid or url:
        key = guid or url or ""
        if len(key) <= ENTRY_KEY_MAX:
            return key
    else:
        key = f"{title}\x1f{body}"
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def _absolute(link: str | None, base: str) -> str | None:
    """An absolute http(s) URL, or None: other schemes (tag:, urn:, javascript:) are no links."""
    if not link:
        return None
    resolved = urljoin(base, link.strip())
    return resolved if is_web_url(resolved) else None


def _string(node: Mapping[str, Any], key: str) -> str:
    """A string feedparser read, without the control characters XML forbids: only its loose
    parser lets them in (``&#0;`` becomes a NUL), and PostgreSQL refuses to store a NUL, which
    would fail the whole feed's refresh. A noncharacter (a JSON Feed's, or one its loose
    parser let in) becomes U+FFFD, as its reference would."""
    value = node.get(key) or ""
    if not _MAYBE_UNWANTED.search(value):
        return value
    return _NONCHARACTERS.sub("\ufffd", _CONTROL_CHARACTERS.sub("", value))


def _text(node: Mapping[str, Any], key: str) -> str:
    value = _string(node, key)
    detail = node.get(f"{key}_detail") or {}
    if detail.get("type") in _HTML_TYPES:
        value = html_to_text(value)
    return _WHITESPACE.sub(" ", _BIDI_CONTROLS.sub("", value)).strip()


def _content(contents: list[Mapping[str, Any]], base: str) -> str | None:
    # Atom's content of another media type (an image, a PDF) is base64 of its bytes: no text.
    texts = [c for c in contents if _is_text(c.get("type"))]
    if not texts:
        return None
    chosen = next((c for c in texts if c.get("type") in _HTML_TYPES), texts[0])
    value = _string(chosen, "value")
    if chosen.get("type") in _HTML_TYPES:
        return sanitize_html(value, chosen.get("base") or base) or None
    return text_to_html(value) or None


def _is_text(media_type: str | None) -> bool:
    return not media_type or media_type in _HTML_TYPES or media_type.startswith("text/")


def _published(entry: Mapping[str, Any], fetched_at: dt.datetime) -> dt.datetime:
    """The entry's publication date, else its update date, else the fetch time; a date
    too far ahead is taken for a typo and replaced by the fetch time too."""
    when = None
    for key in ("published", "updated"):
        # Asked for a missing "updated*" key, feedparser answers with "published*" plus a
        # DeprecationWarning; asking only for keys that are there avoids both.
        if key in entry:
            when = parse_date(entry[key], entry.get(f"{key}_parsed"))
        if when is not None:
            break
    if when is None or when > fetched_at + FUTURE_TOLERANCE:
        return fetched_at
    return when


def _tags(tags: list[Mapping[str, Any]]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for tag in tags:
        term = _WHITESPACE.sub(" ", _string(tag, "term") or _string(tag, "label")).strip()
        if term and term.casefold() not in seen:
            seen[term.casefold()] = term[:ARTICLE_TAG_MAX]
    return tuple(seen.values())[:ARTICLE_TAGS_MAX]


def _ttl(raw: Any) -> int | None:
    """The channel's ``<ttl>`` in minutes, at most the longest polling interval: a longer one
    would change nothing, and one past 2**31 does not fit the database's integer column."""
    text = str(raw or "").strip().lstrip("0")
    if not (text.isascii() and text.isdigit()):  # isdigit() alone takes "²", which int() refuses
        return None
    # Five digits already exceed the cap, and int() refuses a number of 4,300 digits.
    return min(int(text[:5]), MAX_INTERVAL_MINUTES)
