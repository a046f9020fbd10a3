"""feedparser's cp1252 repair through the string table that feeds.parser installs."""

from __future__ import annotations

import datetime as dt

import feedparser.html
import feedparser.mixin
import pytest

from feeds import cp1252_table
from feeds.parser import parse_feed

# A publisher's cp1252 text declared as Latin-1: curly quotes, an en dash and a euro sign arrive
# as C1 controls.
MISLABELLED = (
    b'<?xml version="1.0" encoding="iso-8859-1"?><rss version="2.0"><channel><title>T</title>'
    b"<link>https://a.example/</link><item><title>\x93Zero trust\x94 \x96 a primer</title>"
    b"<link>https://a.example/1</link><description>Caf\xe9 for \x80 5</description></item>"
    b"</channel></rss>"
)


@pytest.fixture(autouse=True)
def parsed_once() -> None:
    """feeds.parser installs the table before its first parse, as a refresh would."""
    parse_feed(MISLABELLED, base_url="https://a.example/feed", fetched_at=dt.datetime.now(dt.UTC))


def test_feeds_parser_gives_feedparser_the_string_table() -> None:
    assert isinstance(feedparser.mixin._cp1252, str)
    assert cp1252_table.install()  # installing again keeps it


def test_the_table_maps_every_code_point_as_feedparsers_own_dict() -> None:
    everything = "".join(map(chr, range(0x110000)))
    own = everything.translate(feedparser.html._cp1252)
    assert everything.translate(feedparser.mixin._cp1252) == own
    assert own != everything  # the dict does map something, so the comparison can fail


def test_a_feed_mislabelled_latin_1_reads_as_its_publisher_wrote_it() -> None:
    feed = parse_feed(
        MISLABELLED, base_url="https://a.example/feed", fetched_at=dt.datetime.now(dt.UTC)
    )
    (entry,) = feed.entries
    assert entry.title == "\u201cZero trust\u201d \u2013 a primer"
    assert entry.summary_text == "Caf\u00e9 for \u20ac 5"
