from __future__ import annotations

import base64
import datetime as dt
import hashlib
import subprocess
import sys

import pytest

from feeds.errors import ParseError
from feeds.parser import parse_feed

NOW = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.UTC)
BASE = "https://news.example.com/feeds/main.xml"

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
  <title>Industry &amp; News</title>
  <link>/</link>
  <ttl>120</ttl>
  <item>
    <title>With guid</title>
    <guid isPermaLink="false">post-1</guid>
    <link>/2025/02/one?utm_source=rss&amp;id=1#top</link>
    <pubDate>Fri, 28 Feb 2025 09:30:00 +0100</pubDate>
    <dc:creator>Ann Author</dc:creator>
    <category>SaaS</category><category>saas</category><category>Pricing</category>
    <description>&lt;p&gt;Short &lt;a href="/more"&gt;more&lt;/a&gt;&lt;/p&gt;</description>
    <content:encoded><![CDATA[<p>Full <img src="img/a.png"><script>x()</script></p>]]>
    </content:encoded>
  </item>
  <item>
    <title>Link only</title>
    <link>https://news.example.com/two?fbclid=zzz</link>
    <pubDate>May 17th, 2024</pubDate>
    <description>Plain summary</description>
  </item>
  <item>
    <title>Neither id nor link</title>
    <description>Announcement</description>
  </item>
  <item>
    <title>From the future</title>
    <guid>https://news.example.com/future</guid>
    <pubDate>Fri, 01 Jan 2100 00:00:00 GMT</pubDate>
  </item>
</channel>
</rss>"""


def test_rss_entries_are_normalised() -> None:
    feed = parse_feed(RSS, base_url=BASE, fetched_at=NOW)
    assert (feed.title, feed.link, feed.ttl_minutes) == (
        "Industry & News",
        "https://news.example.com/",
        120,
    )
    first, second, third, fourth = feed.entries

    assert first.key == first.guid == "post-1"
    assert first.url == "https://news.example.com/2025/02/one?id=1"
    assert first.published == dt.datetime(2025, 2, 28, 8, 30, tzinfo=dt.UTC)
    assert first.author == "Ann Author"
    assert first.tags == ("SaaS", "Pricing")
    assert 'href="https://news.example.com/more"' in first.summary_html
    assert first.summary_text == "Short more"
    assert first.content_html == (
        # Relative to the document (RSS has no xml:base here), as feedparser would resolve.
        '<p>Full <img src="https://news.example.com/feeds/img/a.png"></p>'
    )

    assert second.key == second.url == "https://news.example.com/two"
    assert second.published == dt.datetime(2024, 5, 17, tzinfo=dt.UTC)  # via dateutil
    assert second.summary_html == "Plain summary"  # RSS descriptions are HTML

    expected_key = hashlib.sha256(b"Neither id nor link\x1fAnnouncement").hexdigest()
    assert third.url is None
    assert third.key == f"sha256:{expected_key}"
    assert third.published == NOW  # no date at all: the fetch time

    assert fourth.url == "https://news.example.com/future"  # guid isPermaLink by default
    assert fourth.published == NOW  # a century ahead is a typo, not a schedule


def test_parsing_is_deterministic() -> None:
    once = parse_feed(RSS, base_url=BASE, fetched_at=NOW)
    again = parse_feed(RSS, base_url=BASE, fetched_at=NOW)
    assert [e.key for e in once.entries] == [e.key for e in again.entries]
    assert [e.content_hash for e in once.entries] == [e.content_hash for e in again.entries]


def test_atom_xml_base_and_content() -> None:
    atom = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://blog.example.org/">
  <title type="html">Blog &lt;b&gt;X&lt;/b&gt;</title>
  <link href="/" rel="alternate"/>
  <entry>
    <id>tag:blog.example.org,2025:1</id>
    <title>Entry</title>
    <link href="posts/1" rel="alternate"/>
    <updated>2025-02-01T10:00:00Z</updated>
    <author><name>Bo</name></author>
    <content type="html" xml:base="https://cdn.example.org/media/"
      >&lt;img src="pic.jpg"&gt;</content>
  </entry>
</feed>"""
    feed = parse_feed(atom, base_url="https://example.org/atom", fetched_at=NOW)
    assert feed.title == "Blog X"
    (entry,) = feed.entries
    assert entry.key == "tag:blog.example.org,2025:1"
    assert entry.url == "https://blog.example.org/posts/1"
    assert entry.published == dt.datetime(2025, 2, 1, 10, tzinfo=dt.UTC)
    assert entry.content_html == '<img src="https://cdn.example.org/media/pic.jpg">'
    assert entry.summary_html == entry.content_html  # no summary: the content stands in


def test_broken_xml_still_yields_entries() -> None:
    broken = b"""<rss version="2.0"><channel><title>Broken & Co</title>
      <item><title>One</title><link>https://b.example.com/1</link></item>
      <item><title>Two &nbsp;</title><link>https://b.example.com/2</link></item>
    </channel></rss>"""
    feed = parse_feed(broken, base_url="https://b.example.com/rss", fetched_at=NOW)
    assert [e.url for e in feed.entries] == ["https://b.example.com/1", "https://b.example.com/2"]


def test_a_title_loses_bidi_overrides_and_keeps_its_letters() -> None:
    # U+202E reversed the rest of the headline in API clients and calendar apps.
    feed = parse_feed(
        '<rss version="2.0"><channel><title>x</title><item><title>שלום \u202egnitroper '
        "\u2067isolated\u2069</title><link>https://b.example.com/1</link></item></channel></rss>".encode(),
        base_url=BASE,
        fetched_at=NOW,
    )
    assert [e.title for e in feed.entries] == ["שלום gnitroper isolated"]


def test_an_html_title_cut_off_in_a_comment_or_tag_shows_no_markup() -> None:
    """HTML ends an unclosed comment or a cut-off tag with the document, as a browser shows
    it; the titles read "Pricing lessons<!-- draft" and "Q3 results: beat</b"."""
    feed = parse_feed(
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title type="html">Pricing lessons'
        b'&lt;!-- draft &gt; v2</title><entry><id>urn:x:1</id><title type="html">Q3 '
        b"results: &lt;b&gt;beat&lt;/b</title></entry><entry><id>urn:x:2</id>"
        b'<title type="html">5 &lt; 6 &amp;lt;3 &lt;i&gt;odd&lt;/i&gt;</title></entry></feed>',
        base_url=BASE,
        fetched_at=NOW,
    )
    assert feed.title == "Pricing lessons"
    assert [e.title for e in feed.entries] == ["Q3 results: beat", "5 < 6 <3 odd"]


def test_binary_atom_content_is_not_read_as_text() -> None:
    """Atom carries an image or a PDF inline as base64 under its media type; its bytes (or
    its base64, which feedparser leaves when they are no UTF-8) were the entry's text and the
    title of an untitled one."""
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(range(256))).decode()
    pdf = base64.b64encode(b"%PDF-1.4 1 0 obj").decode()
    feed = parse_feed(
        f"""<feed xmlns="http://www.w3.org/2005/Atom"><title>Charts</title>
        <entry><id>urn:x:1</id><link href="https://c.example.com/1"/>
          <content type="image/png">{png}</content></entry>
        <entry><id>urn:x:2</id><title>Q3 deck</title><summary>Quarterly numbers</summary>
          <content type="application/pdf">{pdf}</content></entry>
        <entry><id>urn:x:3</id><title>Notes</title>
          <content type="text/plain">Plain notes</content></entry></feed>""".encode(),
        base_url=BASE,
        fetched_at=NOW,
    )
    assert [(e.title, e.summary_text, e.content_html) for e in feed.entries] == [
        ("https://c.example.com/1", "", None),
        ("Q3 deck", "Quarterly numbers", None),
        ("Notes", "Plain notes", "<p>Plain notes</p>"),
    ]


def test_empty_entries_are_dropped() -> None:
    feed = parse_feed(
        b'<rss version="2.0"><channel><title>x</title><item></item>'
        b"<item><title>Kept</title></item></channel></rss>",
        base_url=BASE,
        fetched_at=NOW,
    )
    assert [e.title for e in feed.entries] == ["Kept"]


@pytest.mark.parametrize(
    "document",
    [
        pytest.param(b"<html><body><p>Not a feed</p></body></html>", id="html"),
        pytest.param(b"<rss><channel><item>", id="truncated"),
        pytest.param(
            b'<rss version="2.0"><channel><title>Caf&eacute;</title><description>Deals',
            id="truncated-after-an-entity",
        ),
        pytest.param(
            b'<?xml version="1.0" encoding="bogus"?><rss version="2.0"><channel>'
            b"<title>Caf&eacute;</title></channel></rss>",
            id="unknown-encoding",
        ),
        pytest.param(
            b'<rss version="2.0"><channel><title>Caf&eacute;</title><dc:date>2025</dc:date>'
            b"</channel></rss>",
            id="undeclared-prefix",
        ),
        pytest.param(b"", id="empty"),
        # Given bytes, feedparser would open them as a local path; a stream is parsed instead.
        pytest.param(b"/etc/passwd", id="path-like"),
    ],
)
def test_unusable_documents_raise_parse_error(document: bytes) -> None:
    with pytest.raises(ParseError):
        parse_feed(document, base_url="https://x.example.com/feed", fetched_at=NOW)


def test_json_feed_values_of_the_wrong_type_cost_only_themselves() -> None:
    """A JSON Feed 1.0 author object, a number for a title, a tag that is no string, a lone
    surrogate escape (which no database stores) and an item that is no object."""
    document = (
        b'{"version": "https://jsonfeed.org/version/1", "title": ["x"], "items": ['
        b'{"id": "a", "url": "https://e.example/a", "title": 7, "author": {"name": "Bo"},'
        b' "content_text": "Half \\ud800 here", "tags": [{"x": 1}, "Kept"]},'
        b' "junk", {"id": null}]}'
    ).replace(b"\\\\", b"\\")
    feed = parse_feed(document, base_url=BASE, fetched_at=NOW)
    assert feed.title is None
    [entry] = feed.entries
    assert (entry.url, entry.title, entry.author, entry.tags) == (
        "https://e.example/a",
        "Half \ufffd here",
        "Bo",
        ("Kept",),
    )


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        (b'{"title": "x", "items": [}', "the JSON Feed is not valid JSON"),
        # Nested past the recursion limit, in an extension field of a valid feed or not.
        (b"[" * 100_000, "the JSON Feed nests its values deeper than can be read"),
        (
            b'{"version": "https://jsonfeed.org/version/1.1", "items": [], "_x": '
            + b"[" * 100_000
            + b"]" * 100_000
            + b"}",
            r"nests its values deeper than can be read \(real feeds nest a handful of levels\)\.$",
        ),
        (b'{"title": "API", "items": []}', "the document is JSON but not a JSON Feed"),
        (b'\xff{"version": 1}', "not valid JSON \\('utf-8' codec can't decode byte 0xff"),
    ],
)
def test_unreadable_json_says_why(document: bytes, reason: str) -> None:
    with pytest.raises(ParseError, match=reason):
        parse_feed(document, base_url=BASE, fetched_at=NOW, content_type="application/json")


def test_an_xml_feed_served_as_json_is_read_as_xml() -> None:
    document = b'<rss version="2.0"><channel><title>Mislabelled</title></channel></rss>'
    feed = parse_feed(document, base_url=BASE, fetched_at=NOW, content_type="application/json")
    assert feed.title == "Mislabelled"


def test_an_html_page_naming_its_json_feed_is_told_where_the_feed_is() -> None:
    page = b"""<!doctype html><html><head>
      <link rel="alternate" type="application/feed+json" href="/feed.json"></head></html>"""
    with pytest.raises(ParseError) as caught:
        parse_feed(page, base_url=BASE, fetched_at=NOW, content_type="text/html")
    assert caught.value.detail == (
        "Not a readable feed: the address serves an HTML page, which names its feed at "
        "https://news.example.com/feed.json."
    )


@pytest.mark.parametrize(
    ("links", "reason"),
    [
        (["/feed", "/feed.xml"], "which names its feed at https://news.example.com/feed.xml."),
        (["https://NEWS.example.com/feed#top"], "although the page names this same address"),
    ],
    ids=["another-named-too", "only-itself"],
)
def test_an_html_page_naming_its_own_address_as_its_feed_does_not_send_the_user_back(
    links: list[str], reason: str
) -> None:
    heads = "".join(
        f'<link rel="alternate" type="application/rss+xml" href="{href}">' for href in links
    )
    page = f"<!doctype html><html><head>{heads}</head></html>".encode()
    with pytest.raises(ParseError) as caught:
        parse_feed(page, base_url="https://news.example.com/feed", fetched_at=NOW)
    assert reason in caught.value.detail
    assert not caught.value.detail.endswith("names its feed at https://news.example.com/feed.")


def test_an_entry_link_too_long_to_store_leaves_only_its_url_out() -> None:
    long_link = "https://example.com/" + "a" * 10_000
    document = f"""<rss version="2.0"><channel><title>x</title>
      <item><guid isPermaLink="false">g1</guid><title>Long</title><link>{long_link}</link>
      <description>Kept text</description></item></channel></rss>""".encode()
    [entry] = parse_feed(document, base_url=BASE, fetched_at=NOW).entries
    assert (entry.guid, entry.url, entry.title, entry.summary_text) == (
        "g1",
        None,
        "Long",
        "Kept text",
    )


def test_valid_feed_without_entries_is_fine() -> None:
    empty = b'<rss version="2.0"><channel><title>Quiet</title></channel></rss>'
    feed = parse_feed(empty, base_url="https://q.example.com/rss", fetched_at=NOW)
    assert (feed.title, feed.entries) == ("Quiet", [])


def test_a_feed_without_entries_that_uses_html_entities_is_a_quiet_feed() -> None:
    # XML knows no &eacute; or &nbsp;, which feedparser reads as HTML does; with no entry
    # yet, such a feed was "Not a readable feed: <unknown>:1:49: undefined entity".
    empty = (
        b'<rss version="2.0"><channel><title>Caf&eacute;&nbsp;News</title>'
        b"<link>https://cafe.example.com/</link></channel></rss>"
    )
    feed = parse_feed(empty, base_url="https://cafe.example.com/rss", fetched_at=NOW)
    assert (feed.title, feed.link, feed.entries) == (
        "Café News",
        "https://cafe.example.com/",
        [],
    )


def test_a_link_with_an_impossible_port_leaves_its_entry_without_a_url() -> None:
    document = b"""<rss version="2.0"><channel><title>x</title><link>http://x.example:99999/</link>
      <item><title>Bad port</title><link>http://example.com:99999/a</link></item>
      <item><title>Good</title><link>https://example.com/b</link></item></channel></rss>"""
    feed = parse_feed(document, base_url=BASE, fetched_at=NOW)
    assert feed.link is None
    assert [(e.title, e.url) for e in feed.entries] == [
        ("Bad port", None),
        ("Good", "https://example.com/b"),
    ]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-16-be", "utf-32", "cp037"])
def test_character_references_that_name_no_character_are_repaired(encoding: str) -> None:
    """Some CMSs write an emoji as two UTF-16 halves; feedparser's loose parser raised on those
    and on numbers past U+10FFFF, losing the whole feed, in any encoding the document is in."""
    titles = [
        "Party &#55357;&#56832; time",  # the halves of U+1F600, as one CMS writes it
        "Party &#xd83d;&#xDE00; time",
        "Half &#55357; alone, &#56832; too, &#x110000;, &#9999999999;, &#" + "9" * 5000 + ";",
        "Fine &#128512; &#x1F600; &#8217;",
    ]
    items = "".join(
        f"<item><title>{title}</title><link>https://e.example/{n}</link></item>"
        for n, title in enumerate(titles)
    )
    document = (
        f'<?xml version="1.0" encoding="{encoding}"?>'
        f'<rss version="2.0"><channel><title>x</title>{items}</channel></rss>'
    ).encode(encoding)
    feed = parse_feed(document, base_url=BASE, fetched_at=NOW)
    assert [e.title for e in feed.entries] == [
        "Party \U0001f600 time",
        "Party \U0001f600 time",
        "Half \ufffd alone, \ufffd too, \ufffd, \ufffd, \ufffd",
        "Fine \U0001f600 \U0001f600 \u2019",
    ]


def test_noncharacters_become_the_replacement_character_as_references_naming_none_do() -> None:
    """U+FFFE was kept as written (XML forbids it), while ``&#0;`` is dropped and a reference
    naming no character becomes U+FFFD: every noncharacter now becomes U+FFFD, however written."""
    xml = (
        b"<rss version='2.0'><channel><title>x</title><item><link>https://e.example/a</link>"
        b"<title>A&#xFFFE;B&#65535;C&#xFDD0;D&#x10FFFF;E&#0;</title></item></channel></rss>"
    )
    json_feed = (
        b'{"version": "https://jsonfeed.org/version/1.1", "items": [{"id": "a", "title": '
        b'"A\\ufffeB\\uffffC\\ufdd0D\\udbff\\udfffE"}]}'
    )
    for document in (xml, json_feed):
        [entry] = parse_feed(document, base_url=BASE, fetched_at=NOW).entries
        assert entry.title == "A\ufffdB\ufffdC\ufffdD\ufffdE"


@pytest.mark.parametrize(
    ("ttl", "minutes"),
    [
        ("120", 120),
        (" 045 ", 45),
        ("0", None),
        ("soon", None),
        ("\u00b2", None),  # a digit to str.isdigit(), not to int()
        ("3000000000", 1440),  # past PostgreSQL's integer; polling waits a day at most anyway
        ("9" * 23, 1440),  # past SQLite's
        ("9" * 5000, 1440),  # past int()'s 4,300 digits
    ],
)
def test_ttl_is_read_as_minutes_up_to_a_day(ttl: str, minutes: int | None) -> None:
    document = f'<rss version="2.0"><channel><title>x</title><ttl>{ttl}</ttl></channel></rss>'
    feed = parse_feed(document.encode(), base_url=BASE, fetched_at=NOW)
    assert feed.ttl_minutes == minutes


def test_an_entry_without_a_title_is_titled_by_its_first_words_else_its_link() -> None:
    document = b"""<rss version="2.0"><channel><title>x</title>
      <item><guid isPermaLink="false">urn:1</guid>
        <description>&lt;h2&gt;Pricing&lt;/h2&gt;&lt;p&gt;and  cash flow: what twelve finance
        teams changed in their pricing this year, and why&lt;/p&gt;</description></item>
      <item><title> </title><link>https://e.example/untitled?utm_source=rss</link></item>
      <item><description>Notes for finance teams</description></item>
      <item><guid isPermaLink="false">urn:4</guid></item>
    </channel></rss>"""
    first, second, third, fourth = parse_feed(document, base_url=BASE, fetched_at=NOW).entries
    # Whole words of the text, up to 80 characters.
    assert (
        first.title
        == "Pricing and cash flow: what twelve finance teams changed in their pricing this…"
    )
    assert second.title == "https://e.example/untitled"
    # An entry keyed by its text keeps the key it had without a title.
    assert third.title == "Notes for finance teams"
    assert third.key == "sha256:" + hashlib.sha256(b"\x1fNotes for finance teams").hexdigest()
    assert fourth.title == ""  # nothing to show, and nothing to match a keyword either


def test_the_post_code_takes_the_fallback_title_without_loading_the_parser() -> None:
    """schedules.posts_db imported fallback_title from feeds.parser, so every importer of the
    post code loaded feedparser, nh3 and the sanitiser (and installed the expat driver)."""
    probe = (
        "import sys, schedules.posts_db; "
        "print(','.join(m for m in ('feedparser', 'nh3', 'feeds.parser') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


def rss_in(encoding: str, title: str, declared: bool = False, bom: bool = False) -> bytes:
    declaration = f'<?xml version="1.0" encoding="{encoding}"?>' if declared else ""
    document = (
        f'{declaration}<rss version="2.0"><channel><title>x</title>'
        f"<item><title>{title}</title><link>https://e.example/1</link></item></channel></rss>"
    )
    return ("\ufeff" if bom else "").encode(encoding) + document.encode(encoding)


@pytest.mark.parametrize(
    ("encoding", "title", "content_type", "declared", "bom"),
    [
        # The header's charset, for a document that names no encoding.
        ("cp1251", "Новости дня", "application/rss+xml; charset=windows-1251", False, False),
        ("shift_jis", "日本語のニュース", 'text/xml; Charset="Shift_JIS"', False, False),
        # The document's own declaration, or byte order mark, over the header's.
        ("utf-8", "Grüße", "text/xml; charset=ISO-8859-1", True, False),
        ("utf-16-le", "Grüße", "text/xml; charset=windows-1251", False, True),
        # A charset nobody knows changes nothing.
        ("utf-8", "Grüße", "text/xml; charset=x-unheard-of", False, False),
        # Text that reads as UTF-8 is UTF-8, whatever a server's default charset says.
        ("utf-8", "Grüße, Новости", "text/xml; charset=windows-1251", False, False),
        ("utf-8", "Plain news", "text/xml; charset=utf-16", False, False),
    ],
    ids=[
        "cp1251",
        "shift-jis",
        "declaration-first",
        "bom-first",
        "unknown-charset",
        "utf-8-over-header",
        "ascii-over-utf-16-header",
    ],
)
def test_the_header_charset_applies_when_the_document_names_none(
    encoding: str, title: str, content_type: str, declared: bool, bom: bool
) -> None:
    document = rss_in(encoding, title, declared=declared, bom=bom)
    feed = parse_feed(document, base_url=BASE, fetched_at=NOW, content_type=content_type)
    assert [e.title for e in feed.entries] == [title]


@pytest.mark.parametrize("codec", ["rot13", "base64", "zlib"])
def test_a_declared_codec_that_is_not_a_text_encoding_counts_as_no_declaration(
    codec: str,
) -> None:
    """Python knows these codecs, but they turn bytes into bytes: reading the document in one
    raised LookupError and failed the feed; the text reads as the UTF-8 it is."""
    document = (
        f'<?xml version="1.0" encoding="{codec}"?><rss version="2.0"><channel><title>x</title>'
        "<item><title>Grüße</title><link>https://e.example/1</link></item></channel></rss>"
    ).encode()
    feed = parse_feed(document, base_url=BASE, fetched_at=NOW)
    assert [e.title for e in feed.entries] == ["Grüße"]


@pytest.mark.parametrize("codec", ["rot13", "base64", "zlib", "hex"])
def test_a_header_charset_that_is_not_a_text_encoding_counts_as_none(codec: str) -> None:
    """As for a declaration: Content-Type's charset=base64 raised LookupError, failing the
    feed."""
    document = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>'
        "<item><title>Grüße</title><link>https://e.example/1</link></item></channel></rss>"
    ).encode("latin-1")
    content_type = f"application/rss+xml; charset={codec}"
    feed = parse_feed(document, base_url=BASE, fetched_at=NOW, content_type=content_type)
    assert [e.title for e in feed.entries] == ["Grüße"]
