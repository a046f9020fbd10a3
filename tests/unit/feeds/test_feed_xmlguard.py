from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest

from feeds.errors import UnsafeXML
from feeds.parser import parse_feed
from feeds.xmlguard import check_xml

NOW = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


def bomb(references: int) -> bytes:
    """The measured attack: one 100 KB entity, referenced many times."""
    return (
        b'<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY big "'
        + b"x" * 100_000
        + b'">\n]>\n<rss version="2.0"><channel><title>t</title><item><title>'
        + b"&big;" * references
        + b"</title></item></channel></rss>"
    )


def test_entity_expansion_bomb_is_refused_before_parsing() -> None:
    started = time.perf_counter()
    with pytest.raises(UnsafeXML):
        parse_feed(bomb(20_000), base_url="https://example.com/feed", fetched_at=NOW)
    assert time.perf_counter() - started < 0.5


def test_external_entity_file_read_is_refused() -> None:
    xxe = (
        b'<?xml version="1.0"?>\n'
        b'<!DOCTYPE rss [<!ENTITY secret SYSTEM "file:///etc/passwd">]>\n'
        b'<rss version="2.0"><channel><title>&secret;</title>'
        b"<item><title>x</title><description>&secret;</description></item></channel></rss>"
    )
    with pytest.raises(UnsafeXML):
        parse_feed(xxe, base_url="https://example.com/feed", fetched_at=NOW)


@pytest.mark.parametrize(
    "document",
    [
        pytest.param(b'<!DOCTYPE r [<!ENTITY % p SYSTEM "http://x/e.dtd"> %p;]><rss/>', id="param"),
        pytest.param(b'<!DOCTYPE r PUBLIC "-//X//EN" "x.dtd" [<!ENTITY e "v">]><rss/>', id="pub"),
        pytest.param(b"<!doctype r [<!entity e 'v'>]><rss>&e;</rss>", id="lowercase"),
        pytest.param(b'<!-- <a> --><!DOCTYPE r [<!ENTITY e "v">]><rss/>', id="comment-first"),
        pytest.param(b'<!DOCTYPE r SYSTEM "a]>b" [<!ENTITY e "v">]><rss/>', id="quoted-bracket"),
        pytest.param(b'junk <!DOCTYPE r [<!ENTITY e "v">]><rss/>', id="junk-before"),
        pytest.param(b'\xef\xbb\xbf<!DOCTYPE r [<!ENTITY e "v">]><rss/>', id="utf8-bom"),
        pytest.param(
            '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE r [<!ENTITY e "v">]><rss/>'.encode(
                "utf-16"
            ),
            id="utf16-bom",
        ),
        pytest.param(
            '<?xml version="1.0" encoding="UTF-16LE"?><!DOCTYPE r [<!ENTITY e "v">]><rss/>'.encode(
                "utf-16-le"
            ),
            id="utf16le-no-bom",
        ),
        pytest.param(
            '<!DOCTYPE r [<!ENTITY e "v">]><rss/>'.encode("utf-32"),
            id="utf32-bom",
        ),
        pytest.param(
            b'<?xml version="1.0" encoding="UTF-7"?>'
            b"+ADw-!DOCTYPE r +AFs-+ADw-!ENTITY e +ACI-v+ACI-+AD4-+AF0-+AD4-<rss/>",
            id="utf7",
        ),
    ],
)
def test_entity_declarations_are_refused_in_any_spelling(document: bytes) -> None:
    with pytest.raises(UnsafeXML):
        check_xml(document)


def test_entity_declarations_are_refused_in_the_encoding_the_header_names() -> None:
    """An EBCDIC document naming no encoding is read as the Content-Type says, so it must be
    scanned that way too: as UTF-8 or Latin-1 its "<!ENTITY" is other bytes."""
    document = (
        '<!DOCTYPE rss [<!ENTITY e "injected">]><rss version="2.0"><channel><title>x</title>'
        "<item><title>&e;</title><link>https://e.example/1</link></item></channel></rss>"
    ).encode("cp037")
    with pytest.raises(UnsafeXML):
        parse_feed(
            document,
            base_url="https://example.com/feed",
            fetched_at=NOW,
            content_type="application/rss+xml; charset=cp037",
        )


def test_plain_doctype_without_internal_subset_still_parses(data_dir: Path) -> None:
    data = (data_dir / "rss091_netscape.xml").read_bytes()
    feed = parse_feed(data, base_url="http://old.example.com/rss.xml", fetched_at=NOW)
    assert feed.title == "Old School"
    assert [e.title for e in feed.entries] == ["Café opening"]


@pytest.mark.parametrize(
    "document",
    [
        pytest.param(b'<!DOCTYPE r [<!ATTLIST r version CDATA "2.0">]><rss/>', id="attlist"),
        pytest.param(
            b"<rss><channel><description><![CDATA[How XXE works: "
            b'<!DOCTYPE x [<!ENTITY y SYSTEM "file:///etc/passwd">]>]]>'
            b"</description></channel></rss>",
            id="entity-quoted-in-content",
        ),
        pytest.param("<rss><title>Grüße</title></rss>".encode("utf-16"), id="utf16-plain"),
        pytest.param(b"", id="empty"),
    ],
)
def test_documents_without_entity_declarations_pass(document: bytes) -> None:
    check_xml(document)


def test_large_prolog_is_scanned_to_its_end() -> None:
    # The declaration sits past the first 64 KiB decoding window.
    document = b"<!--" + b"-" * 200_000 + b'--><!DOCTYPE r [<!ENTITY e "v">]><rss/>'
    with pytest.raises(UnsafeXML):
        check_xml(document)
