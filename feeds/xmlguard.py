"""Refuse XML documents that declare entities, before any XML parser sees them.

feedparser expands entities declared in a document's internal DTD subset: its strict parser
(expat) does so natively, and its loose parser re-inserts every "safe looking" declaration it
finds before the root element. A 106 KB feed declaring one 100 KB entity referenced 2,000 times
made feedparser 6.0.14 use 604 MB and 10.8 s; 20,000 references raised MemoryError. External
entities (``SYSTEM``/``PUBLIC``) are the classic local-file-read vector. No legitimate feed or
OPML file needs either, so any ``<!ENTITY`` before the root element is refused outright, while a
plain DOCTYPE without an internal subset (RSS 0.91's Netscape DTD) passes.

The scan reads the prolog only, so an article that quotes ``<!ENTITY`` inside its content is
fine. The prolog is decoded the way a parser would decode it (byte order mark, then the encoding
named in the XML declaration, then the HTTP header's charset), because in UTF-16 or UTF-32 the
bytes ``<!ENTITY`` never appear; the raw bytes are scanned as Latin-1 as well, which covers
every ASCII-compatible encoding a parser may fall back to when the declared one fails. That
second view is skipped when the first bytes hold a NUL: such a document is in UTF-16 or UTF-32,
and read as an ASCII-compatible encoding it is text no parser accepts.
"""

from __future__ import annotations

import codecs
import re

from core.errors import on_field
from feeds.errors import UnsafeXML

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# The first four bytes of "<?xm" (or "<" and a name) when there is no byte order mark.
_SIGNATURES = (
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00<\x00", "utf-16-be"),
    (b"<\x00", "utf-16-le"),
    (b"\x4c\x6f\xa7\x94", "cp037"),
)
_DECLARED_ENCODING = re.compile(
    rb"""^\s*<\?xml[^>]*?\bencoding\s*=\s*["']([A-Za-z][A-Za-z0-9._-]{0,39})["']"""
)
# feedparser takes the first "<" followed by an ASCII word character as the end of the prolog;
# stopping there (and not at any XML name start) keeps the scanned region a superset of its.
_ROOT_NAME_START = re.compile(r"[A-Za-z0-9_]")
_ENTITY_DECLARATION = re.compile(r"<!\s*ENTITY", re.IGNORECASE)
# Tokens inside a DOCTYPE: quoted literals, comments and processing instructions are skipped
# whole, so a "]" or ">" inside them does not end the declaration early.
_DOCTYPE_TOKEN = re.compile(
    r"""\"[^\"]*\"|'[^']*'|<!--.*?-->|<\?.*?\?>|[\[\]>]|[^\"'\[\]><]+|[<\"']""", re.DOTALL
)
_FIRST_WINDOW = 64 * 1024


def check_xml(data: bytes, charset: str | None = None, field: str | None = None) -> None:
    """Raise :class:`UnsafeXML` when the document's prolog declares an entity.

    ``charset`` (a name :mod:`codecs` knows) is the encoding the parser will read the document
    in when it names none of its own: an HTTP header's. ``field``: the request field that sent
    the document (an upload), which the refusal then names as a validation error would.
    """
    encodings = [document_encoding(data) or charset or "utf-8"]
    if b"\x00" not in data[:4]:
        encodings.append("latin-1")
    for encoding in encodings:
        prolog = _prolog(data, encoding)
        if _ENTITY_DECLARATION.search(prolog):
            message = (
                "The document declares XML entities (internal or external); such documents "
                "are refused because expanding them can exhaust memory or read local files."
            )
            raise UnsafeXML(message, errors=on_field(field, message) if field else None)


def document_encoding(data: bytes) -> str | None:
    """The encoding the document names itself, by a byte order mark, by how "<?xml" begins
    (UTF-16 and UTF-32 without one, EBCDIC) or in its XML declaration; None when it names
    no text encoding Python knows."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding
    for signature, encoding in _SIGNATURES:
        if data.startswith(signature):
            return encoding
    declared = _DECLARED_ENCODING.match(data[:1024])
    return text_codec(declared.group(1).decode("ascii")) if declared else None


def text_codec(name: str) -> str | None:
    """The canonical name of the text encoding ``name`` names, or None: for a name
    :mod:`codecs` does not know, and for a codec that is no text encoding (rot13, base64, zlib,
    hex), which reading a document in raises LookupError."""
    try:
        canonical = codecs.lookup(name).name
        "".encode(canonical)  # str.encode refuses the codecs that are not text encodings
    except LookupError:
        return None
    return canonical


def _prolog(data: bytes, encoding: str) -> str:
    """Everything before the root element, decoded; the whole document if it never ends.

    Decoding starts with a small window and grows it only while the prolog runs past the
    window's end, so ordinary feeds cost one 64 KiB decode however large they are.
    """
    window = _FIRST_WINDOW
    while True:
        text = data[:window].decode(encoding, errors="replace")
        end = _root_start(text)
        if end is not None:
            return text[:end]
        if window >= len(data):
            return text
        window *= 4


def _root_start(text: str) -> int | None:
    """Offset of the root element's "<", or None if ``text`` ends first.

    Text outside markup is skipped rather than treated as the end, so a document with junk
    before its DOCTYPE (which a lenient parser may still accept) is scanned all the same.
    """
    pos = 0
    while True:
        lt = text.find("<", pos)
        if lt < 0 or lt + 1 >= len(text):
            return None
        if text.startswith("<!--", lt):
            end = text.find("-->", lt + 4)
            pos = end + 3
        elif text.startswith("<?", lt):
            end = text.find("?>", lt + 2)
            pos = end + 2
        elif text[lt + 1 : lt + 9].upper() == "!DOCTYPE":
            end = _doctype_end(text, lt + 9)
            pos = end
        elif _ROOT_NAME_START.match(text, lt + 1):
            return lt
        else:
            end = lt
            pos = lt + 1
        if end < 0:
            return None


def _doctype_end(text: str, pos: int) -> int:
    """Offset just past the DOCTYPE's closing ">", or -1 if it is not closed within ``text``."""
    in_subset = False
    for token in _DOCTYPE_TOKEN.finditer(text, pos):
        value = token.group()
        if value == "[":
            in_subset = True
        elif value == "]":
            in_subset = False
        elif value == ">" and not in_subset:
            return token.end()
        elif value in ('"', "'"):
            return -1
    return -1
