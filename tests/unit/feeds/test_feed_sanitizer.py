from __future__ import annotations

import sys

import pytest

from feeds.sanitizer import LINK_REL, MAX_NESTING, html_to_text, sanitize_html, text_to_html

BASE = "https://blog.example.com/2024/05/post.html"


@pytest.mark.parametrize(
    "href",
    [
        "javascript:alert(1)",
        "&#106;avascript:alert(1)",
        "&#x6A;avascript:alert(1)",
        "JaVaScRiPt&#58;alert(1)",
        "javascript&colon;alert(1)",
        "java&#9;script:alert(1)",
        "java\nscript:alert(1)",
        "  javascript:alert(1)",
        "vbscript:msgbox(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    ],
)
def test_script_urls_are_removed_in_every_spelling(href: str) -> None:
    cleaned = sanitize_html(f'<a href="{href}">click</a>', BASE)
    assert "href" not in cleaned
    assert "script" not in cleaned.lower()
    assert "click" in cleaned


def test_dangerous_markup_is_removed() -> None:
    cleaned = sanitize_html(
        '<p onclick="steal()" style="x">Hi<script>alert(1)</script><style>p{}</style>'
        '<iframe src="https://evil.example"></iframe><img src="a.png" onerror="x()">'
        "<!-- comment --></p>",
        BASE,
    )
    assert cleaned == '<p>Hi<img src="https://blog.example.com/2024/05/a.png"></p>'


def test_links_are_absolute_and_carry_rel() -> None:
    cleaned = sanitize_html(
        '<a href="/about">about</a> <a href="../04/older.html">older</a> '
        '<a href="//cdn.example.net/x">cdn</a> <a href="mailto:hi@example.com">mail</a> '
        '<blockquote cite="quote.html">q</blockquote>',
        BASE,
    )
    assert 'href="https://blog.example.com/about"' in cleaned
    assert 'href="https://blog.example.com/2024/04/older.html"' in cleaned
    assert 'href="https://cdn.example.net/x"' in cleaned
    assert 'href="mailto:hi@example.com"' in cleaned
    assert 'cite="https://blog.example.com/2024/05/quote.html"' in cleaned
    assert cleaned.count(f'rel="{LINK_REL}"') == 4


def test_relative_urls_without_a_web_base_are_dropped() -> None:
    # Left relative they would resolve against the app's own origin.
    assert sanitize_html('<a href="/about">about</a>', None) == (f'<a rel="{LINK_REL}">about</a>')


def test_unparseable_urls_are_dropped_quietly(monkeypatch: pytest.MonkeyPatch) -> None:
    unraisable: list[object] = []  # what nh3 prints to standard error, traceback and all
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    html = '<a href="//[x">a</a><img src="http://[::1/y"><a href="/ok">b</a>'
    cleaned = sanitize_html(html, BASE)
    assert cleaned == (
        f'<a rel="{LINK_REL}">a</a><img>'
        f'<a href="https://blog.example.com/ok" rel="{LINK_REL}">b</a>'
    )
    assert unraisable == []


@pytest.mark.parametrize(
    "opening",
    [
        "<div>",
        "<b>",
        "<div/>",  # not void, so "/>" closes nothing in HTML
        "<div></span>",  # a stray end tag closes nothing either
    ],
)
def test_html_nested_deeper_than_any_article_is_kept_as_its_text(opening: str) -> None:
    """nh3's parser takes time quadratic in the depth, so a crafted summary could hold a
    refresh for minutes: past MAX_NESTING only its text is kept."""
    cleaned = sanitize_html(opening * 50_000 + "deep <i>text</i> &amp; more", BASE)
    assert cleaned == "<p>deep text &amp; more</p>"

    # Real HTML, nested as deep as the limit or with thousands of tags HTML closes by itself
    # (<p>, <li>), keeps its markup.
    deep = "<blockquote>" * MAX_NESTING + "quote" + "</blockquote>" * MAX_NESTING
    assert sanitize_html(deep, BASE) == deep
    long = "<ul>" + "<li><p>item <a href='/x'>x</a>" * 2000 + "</ul>"
    assert sanitize_html(long, BASE).count("<a ") == 2000
    # Nor do an inline chart's shapes, which close themselves, or tags in a comment.
    link = "<p>Chart, <a href='/source'>source</a></p>"
    for inert in ("<svg>" + "<rect x='1'/>" * 2000 + "</svg>", "<!--" + "<div>" * 2000 + "-->"):
        assert "<a href" in sanitize_html(link + inert, BASE)


def test_html_to_text_reads_like_the_page() -> None:
    text = html_to_text(
        "<h2>Title</h2><p>First   line\nwraps &amp; continues.</p>"
        "<ul><li>one</li><li>two</li></ul><p>a<br>b&nbsp;c</p><script>x()</script>"
    )
    assert text == "Title\n\nFirst line wraps & continues.\n\none\n\ntwo\n\na\nb c"


def test_text_to_html_escapes_and_keeps_paragraphs() -> None:
    assert text_to_html("a < b\n\nnext\nline") == "<p>a &lt; b</p><p>next<br>line</p>"


@pytest.mark.parametrize("limit", [0, 10, 999, 1000, 5000])
def test_html_to_text_with_a_limit_keeps_the_prefix_exact(limit: int) -> None:
    paragraph = "<p>Pricing  <b>pages</b>\tthat\n sell&nbsp;seats, <br>not features.</p><div></div>"
    html = paragraph * 2000  # far more text than any limit, in many 4 KB chunks
    full = html_to_text(html)
    short = html_to_text(html, limit)
    assert short[:limit] == full[:limit]
    assert len(full) > len(short) > limit
