from __future__ import annotations

import pytest

from feeds.urls import canonical_url, is_web_url, mask_credentials, normalise_url


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("HTTPS://Example.COM:443/Post?id=1#comments", "https://example.com/Post?id=1"),
        ("http://example.com:80", "http://example.com/"),
        ("http://example.com:8080/a", "http://example.com:8080/a"),
        (
            "https://example.com/a?utm_source=x&id=7&UTM_Medium=y&fbclid=abc&b=2",
            "https://example.com/a?id=7&b=2",
        ),
        (
            "https://example.com/a?gclid=1&mc_cid=2&mc_eid=3&igshid=4&ref=5&_hsenc=6&_hsmi=7",
            "https://example.com/a",
        ),
        ("https://example.com/a?z=1&a=2&m", "https://example.com/a?z=1&a=2&m"),
        ("https://example.com/a?q=a%20b+c&utm_term=x", "https://example.com/a?q=a%20b+c"),
        ("https://example.com./a", "https://example.com/a"),
        ("http://[2001:DB8::1]:80/x", "http://[2001:db8::1]/x"),
        ("  https://example.com/a  ", "https://example.com/a"),
        # RFC 3986, 6.2.2: escaped unreserved characters decoded, other escapes upper-cased.
        (
            "https://example.com/a%7eb%2d%5F%41?q=%c3%a9%2fx",
            "https://example.com/a~b-_A?q=%C3%A9%2Fx",
        ),
        ("https://example.com/caf%c3%a9/%25", "https://example.com/caf%C3%A9/%25"),
        ("https://example.com/café?q=ü", "https://example.com/caf%C3%A9?q=%C3%BC"),
        ("https://Exämple.COM./a", "https://xn--exmple-cua.com/a"),
        ("https://user@BÜCHER.example:8443/", "https://user@xn--bcher-kva.example:8443/"),
        ("https://☃.example/", "https://☃.example/"),  # refused by IDNA 2008: kept as written
    ],
)
def test_canonical_url(raw: str, expected: str) -> None:
    assert canonical_url(raw) == expected


def test_one_page_spelled_two_ways_has_one_canonical_url() -> None:
    assert canonical_url("https://Exämple.com/a%7eb") == canonical_url(
        "https://xn--exmple-cua.com/a~b"
    )


def test_characters_no_uri_holds_raw_are_escaped_as_a_browser_would() -> None:
    """'/a b' and '/a%20b' are one page but were two articles."""
    assert canonical_url("https://e.example/a b") == canonical_url("https://e.example/a%20b")
    assert canonical_url('https://e.example/a"<>\\^`{|}b?q=a b|{1}') == (
        "https://e.example/a%22%3C%3E%5C%5E%60%7B%7C%7Db?q=a%20b%7C%7B1%7D"
    )


def test_canonical_url_is_idempotent() -> None:
    for raw in (
        "HTTP://Example.com:80/a?utm_campaign=x&b=1#top",
        "https://Bü.example/%7e%c3é",
        'https://e.example/a b"<>\\^`{|}?q=| x',
    ):
        once = canonical_url(raw)
        assert canonical_url(once) == once


def test_normalise_url_keeps_every_parameter() -> None:
    # A feed URL's "ref" may select a branch; only article identity strips trackers.
    assert (
        normalise_url("HTTPS://Git.Example.com:443/feed.atom?ref=main#x")
        == "https://git.example.com/feed.atom?ref=main"
    )


def test_a_feed_address_typed_with_a_space_is_stored_as_it_is_sent() -> None:
    # Stored as typed, "/a b" and "/a%20b" were two subscriptions to one feed.
    assert normalise_url("http://e.example/a b?q=x y") == "http://e.example/a%20b?q=x%20y"
    assert normalise_url("http://e.example/a%20b?q=x%20y") == "http://e.example/a%20b?q=x%20y"
    assert normalise_url("http://e.example/%7euser/feed") == "http://e.example/~user/feed"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.com/", True),
        ("http://example.com", True),
        ("ftp://example.com/", False),
        ("javascript:alert(1)", False),
        ("/relative/path", False),
        ("https://", False),
        ("http://[::1", False),
        ("http://example.com:8080/a", True),
        ("http://example.com:99999/a", False),  # past 65535: urllib raises on reading it
        ("http://example.com:-1/a", False),
        ("http://example.com:0/a", False),
    ],
)
def test_is_web_url(url: str, expected: bool) -> None:
    assert is_web_url(url) is expected


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("https://user:pass@hooks.example/in", "https://***@hooks.example/in"),
        ("https://token@hooks.example", "https://***@hooks.example"),
        # urlsplit reads the host after the last @ of the authority, so all before it goes.
        ("https://a@b:c@hooks.example/in", "https://***@hooks.example/in"),
        ("Could not reach http://u:p@127.0.0.1:9/x: refused",
         "Could not reach http://***@127.0.0.1:9/x: refused"),
        # An @ past the host is not a credential.
        ("https://hooks.example/in?to=a@b.example", "https://hooks.example/in?to=a@b.example"),
        ("https://hooks.example/in", "https://hooks.example/in"),
    ],
)  # fmt: skip
def test_mask_credentials_hides_only_a_urls_user_name_and_password(text: str, shown: str) -> None:
    assert mask_credentials(text) == shown
