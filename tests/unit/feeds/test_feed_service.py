"""Subscriptions, refreshes and claims (feeds/*_db.py) against real databases and a real local HTTP
server."""

from __future__ import annotations

import datetime as dt
import gzip
from typing import TYPE_CHECKING

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import Headers
from werkzeug.wrappers import Response

from core.errors import Conflict, InvalidValue, NotFound
from core.models import Workspace
from feeds.fetch_policy import FetchPolicy
from feeds.models import Article, Feed, FeedEntry
from feeds.refresh_db import claim_due_feeds, refresh_feed
from feeds.refresh_policy import CLAIM_LEASE
from feeds.subscriptions_db import create_feed, delete_feed, get_feed, list_feeds, update_feed

NOW = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment


def rss(*items: tuple[str, str], ttl: int | None = None) -> bytes:
    body = "".join(
        f"<item><guid>{guid}</guid><title>{title}</title>"
        f"<link>https://site.example.com/{guid}?utm_source=feed</link>"
        f"<pubDate>Fri, 28 Feb 2025 10:00:00 GMT</pubDate></item>"
        for guid, title in items
    )
    ttl_element = f"<ttl>{ttl}</ttl>" if ttl else ""
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Site</title>'
        f"<link>https://site.example.com/</link>{ttl_element}{body}</channel></rss>"
    ).encode()


class RawRedirect(Response):
    """A 302 whose Location is sent as written: werkzeug would otherwise escape it, and fail
    on the very values a remote server may send."""

    def __init__(self, location: str) -> None:
        super().__init__(status=302)
        self.raw_location = location

    def get_wsgi_headers(self, environ: WSGIEnvironment) -> Headers:
        headers = super().get_wsgi_headers(environ)
        headers["Location"] = self.raw_location
        return headers


def count(session: Session, model: type, *where: object) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


# --- subscriptions ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["", "ftp://example.com/feed", "example.com/feed", "http://10.0.0.8/feed", "https://"]
)
def test_create_feed_rejects_bad_urls(session: Session, workspace_id: int, url: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        create_feed(session, workspace_id, url)
    assert caught.value.field == "url"


def test_create_feed_normalises_and_refuses_duplicates(session: Session, workspace_id: int) -> None:
    feed = create_feed(
        session, workspace_id, "HTTPS://Example.com:443/feed#x", tags=[" SaaS ", "saas", "B2B"]
    )
    assert (feed.url, feed.tags, feed.enabled) == (
        "https://example.com/feed",
        ["SaaS", "B2B"],
        True,
    )
    with pytest.raises(Conflict):
        create_feed(session, workspace_id, "https://example.com/feed")
    session.commit()
    assert list_feeds(session, workspace_id) == [feed]


def test_feeds_are_scoped_to_their_workspace(session: Session, workspace_id: int) -> None:
    other = Workspace(name="Other", timezone="UTC")
    session.add(other)
    session.flush()
    feed = create_feed(session, workspace_id, "https://example.com/feed")
    same_url_elsewhere = create_feed(session, other.id, "https://example.com/feed")
    assert same_url_elsewhere.id != feed.id
    for call in (
        lambda: get_feed(session, other.id, feed.id),
        lambda: update_feed(session, other.id, feed.id, title="x"),
        lambda: delete_feed(session, other.id, feed.id),
    ):
        with pytest.raises(NotFound):
            call()
    assert list_feeds(session, other.id) == [same_url_elsewhere]


def test_update_feed(session: Session, workspace_id: int) -> None:
    feed = create_feed(session, workspace_id, "https://example.com/feed", title="Old")
    feed.etag, feed.error_count, feed.enabled = '"v1"', 4, False
    update_feed(session, workspace_id, feed.id, url="https://example.com/new", title=None)
    assert (feed.url, feed.title, feed.etag) == ("https://example.com/new", None, None)
    update_feed(session, workspace_id, feed.id, enabled=True, interval_minutes=30, tags=["x"])
    assert (feed.enabled, feed.error_count, feed.interval_minutes, feed.tags) == (
        True,
        0,
        30,
        ["x"],
    )
    with pytest.raises(InvalidValue):
        update_feed(session, workspace_id, feed.id, interval_minutes=5)


# --- refreshing ------------------------------------------------------------------------------


def test_refresh_stores_articles_and_schedules_next_check(
    session: Session, workspace_id: int, httpserver: HTTPServer, local_policy: FetchPolicy
) -> None:
    httpserver.expect_request("/feed").respond_with_data(
        rss(("a", "First"), ("b", "Second")), headers={"ETag": '"v1"'}
    )
    feed = create_feed(session, workspace_id, httpserver.url_for("/feed"))
    summary = refresh_feed(session, feed, local_policy, NOW)
    session.commit()
    assert (summary.fetched, summary.new_articles, summary.updated, summary.errors) == (
        True,
        2,
        0,
        0,
    )
    assert (feed.title, feed.etag, feed.last_status, feed.last_fetched_at) == (
        "Site",
        '"v1"',
        "ok",
        NOW,
    )
    assert feed.next_check_at == NOW + HOUR
    urls = session.scalars(select(Article.canonical_url).order_by(Article.id)).all()
    assert urls == ["https://site.example.com/a", "https://site.example.com/b"]

    # Same document again: nothing new, nothing changed.
    again = refresh_feed(session, feed, local_policy, NOW)
    assert (again.new_articles, again.updated) == (0, 0)

    httpserver.clear()
    httpserver.expect_request("/feed").respond_with_data(
        rss(("a", "First, edited"), ("b", "Second"), ("c", "Third"))
    )
    edited = refresh_feed(session, feed, local_policy, NOW + HOUR)
    assert (edited.new_articles, edited.updated) == (1, 1)
    first = session.scalar(select(Article).where(Article.canonical_url.endswith("/a")))
    assert first is not None
    assert (first.title, first.published_at) == (
        "First, edited",
        dt.datetime(2025, 2, 28, 10, tzinfo=dt.UTC),
    )
    assert count(session, FeedEntry, FeedEntry.feed_id == feed.id) == 3


def test_same_article_from_two_feeds_is_stored_once(
    session: Session, workspace_id: int, httpserver: HTTPServer, local_policy: FetchPolicy
) -> None:
    httpserver.expect_request("/one").respond_with_data(rss(("a", "A"), ("b", "B")))
    httpserver.expect_request("/two").respond_with_data(rss(("b", "B"), ("c", "C")))
    one = create_feed(session, workspace_id, httpserver.url_for("/one"))
    two = create_feed(session, workspace_id, httpserver.url_for("/two"))
    assert refresh_feed(session, one, local_policy, NOW).new_articles == 2
    assert refresh_feed(session, two, local_policy, NOW).new_articles == 1
    session.commit()
    assert count(session, Article) == 3
    assert count(session, FeedEntry, FeedEntry.feed_id == one.id) == 2
    assert count(session, FeedEntry, FeedEntry.feed_id == two.id) == 2

    delete_feed(session, workspace_id, one.id)
    session.commit()
    # Unsubscribing keeps the articles; only the feed's own entry rows go.
    assert count(session, Article) == 3
    assert count(session, FeedEntry) == 2
    assert count(session, Article, Article.first_feed_id.is_(None)) == 2


def test_one_story_linked_in_two_spellings_is_one_article(
    session: Session, workspace_id: int, httpserver: HTTPServer, local_policy: FetchPolicy
) -> None:
    """An internationalised host as Unicode or punycode, and an escaped unreserved character
    (RFC 3986, 6.2.2), name the same page: the second feed's entry joins the first's article."""
    for path, link in (
        ("/one", "https://Exämple.com/a%7eb"),
        ("/two", "https://xn--exmple-cua.com/a~b"),
    ):
        httpserver.expect_request(path).respond_with_data(
            f'<rss version="2.0"><channel><title>{path}</title><item><title>Story</title>'
            f"<link>{link}</link></item></channel></rss>".encode(),
            content_type="application/rss+xml; charset=utf-8",
        )
    one = create_feed(session, workspace_id, httpserver.url_for("/one"))
    two = create_feed(session, workspace_id, httpserver.url_for("/two"))
    assert refresh_feed(session, one, local_policy, NOW).new_articles == 1
    assert refresh_feed(session, two, local_policy, NOW).new_articles == 0
    session.commit()
    assert list(session.scalars(select(Article.canonical_url))) == [
        "https://xn--exmple-cua.com/a~b"
    ]
    assert count(session, FeedEntry) == 2


def test_edited_link_that_a_new_entry_also_carries_keeps_both(
    session: Session, workspace_id: int, httpserver: HTTPServer, local_policy: FetchPolicy
) -> None:
    def document(*items: tuple[str, str]) -> bytes:
        body = "".join(
            f"<item><guid>{guid}</guid><title>{guid}</title><link>{link}</link></item>"
            for guid, link in items
        )
        return f'<rss version="2.0"><channel><title>Site</title>{body}</channel></rss>'.encode()

    httpserver.expect_request("/feed").respond_with_data(
        document(("a", "https://site.example.com/a"))
    )
    feed = create_feed(session, workspace_id, httpserver.url_for("/feed"))
    refresh_feed(session, feed, local_policy, NOW)
    httpserver.clear()
    # Entry "a" now links where the new entry "c" does: "c" gets its own article with that
    # URL and "a" keeps its old one, rather than the refresh failing on the unique URL.
    httpserver.expect_request("/feed").respond_with_data(
        document(("a", "https://site.example.com/c"), ("c", "https://site.example.com/c"))
    )
    summary = refresh_feed(session, feed, local_policy, NOW + HOUR)
    session.commit()
    assert (summary.new_articles, summary.updated, summary.errors) == (1, 1, 0)
    rows = session.execute(select(Article.title, Article.canonical_url).order_by(Article.id))
    assert [tuple(row) for row in rows] == [
        ("a", "https://site.example.com/a"),
        ("c", "https://site.example.com/c"),
    ]


def dated_rss(*items: tuple[str, str | None]) -> bytes:
    """Items titled by their guid, with the given RFC 822 date or none."""
    body = "".join(
        f"<item><guid>{guid}</guid><title>{guid}</title>"
        + (f"<pubDate>{date}</pubDate>" if date else "")
        + "</item>"
        for guid, date in items
    )
    return f'<rss version="2.0"><channel><title>Archive</title>{body}</channel></rss>'.encode()


@pytest.mark.parametrize(
    ("items", "kept"),
    [
        # An archive listed oldest first: the newest by date are kept, whatever their place.
        (
            [(f"day{day}", f"{day:02d} Feb 2025 10:00:00 GMT") for day in range(1, 9)],
            {"day6", "day7", "day8"},
        ),
        # No dates: the feed's own order, which puts the newest first.
        ([(f"n{i}", None) for i in range(8)], {"n0", "n1", "n2"}),
    ],
    ids=["dated-oldest-first", "undated"],
)
def test_a_refresh_stores_at_most_the_newest_entries_the_policy_allows(
    session: Session,
    workspace_id: int,
    httpserver: HTTPServer,
    items: list[tuple[str, str | None]],
    kept: set[str],
) -> None:
    httpserver.expect_request("/archive").respond_with_data(dated_rss(*items))
    policy = FetchPolicy(allow_private=True, connect_timeout=2, timeout=5, max_entries=3)
    feed = create_feed(session, workspace_id, httpserver.url_for("/archive"))
    summary = refresh_feed(session, feed, policy, NOW)
    assert (summary.new_articles, feed.last_status) == (3, "ok")
    assert set(session.scalars(select(Article.title))) == kept


def test_not_modified_stores_nothing(
    session: Session, workspace_id: int, httpserver: HTTPServer, local_policy: FetchPolicy
) -> None:
    httpserver.expect_request("/feed", headers={"If-None-Match": '"v1"'}).respond_with_data(
        "", status=304, headers={"Cache-Control": "max-age=7200"}
    )
    feed = create_feed(session, workspace_id, httpserver.url_for("/feed"))
    feed.etag = '"v1"'
    summary = refresh_feed(session, feed, local_policy, NOW)
    assert (summary.not_modified, summary.fetched, summary.new_articles) == (True, False, 0)
    assert (feed.last_status, feed.etag) == ("not_modified", '"v1"')
    assert feed.next_check_at == NOW + 2 * HOUR  # max-age lengthens the interval
    assert count(session, FeedEntry) == 0


def test_permanent_redirect_updates_the_url(
    session: Session, workspace_id: int, httpserver: HTTPServer, local_policy: FetchPolicy
) -> None:
    httpserver.expect_request("/old").respond_with_data(
        "", status=301, headers={"Location": "/new"}
    )
    httpserver.expect_request("/new").respond_with_data(rss(("a", "A")))
    feed = create_feed(session, workspace_id, httpserver.url_for("/old"))
    refresh_feed(session, feed, local_policy, NOW)
    assert feed.url == httpserver.url_for("/new")


@pytest.mark.parametrize("status", [301, 308])
def test_a_permanent_redirect_to_a_feed_already_followed_switches_this_one_off_and_says_so(
    session: Session,
    workspace_id: int,
    httpserver: HTTPServer,
    local_policy: FetchPolicy,
    status: int,
) -> None:
    httpserver.expect_request("/rdf").respond_with_data(rss(("a", "A")))
    httpserver.expect_request("/perm").respond_with_data(
        "", status=status, headers={"Location": "/rdf"}
    )
    followed = create_feed(session, workspace_id, httpserver.url_for("/rdf"))
    moved = create_feed(session, workspace_id, httpserver.url_for("/perm"))
    summary = refresh_feed(session, moved, local_policy, NOW)
    session.commit()
    assert (summary.fetched, summary.errors) == (False, 1)
    assert (moved.url, moved.enabled, moved.last_status) == (
        httpserver.url_for("/perm"),
        False,
        "error",
    )
    assert moved.last_error == (
        f"{httpserver.url_for('/perm')} moved permanently to {httpserver.url_for('/rdf')}, "
        f"which this workspace already follows as feed {followed.id}: remove one of the two."
    )
    assert moved.disabled_reason == (
        f"It moved permanently to the address of feed {followed.id}, which this workspace "
        "already follows: remove one of the two."
    )
    assert count(session, FeedEntry, FeedEntry.feed_id == moved.id) == 0
    # Not fetched again until someone acts; the feed it moved to still is.
    assert claim_due_feeds(session, dt.datetime(2100, 1, 1, tzinfo=dt.UTC), 10) == [followed]


def test_gone_disables_the_feed(
    session: Session, workspace_id: int, httpserver: HTTPServer, local_policy: FetchPolicy
) -> None:
    httpserver.expect_request("/feed").respond_with_data("", status=410)
    feed = create_feed(session, workspace_id, httpserver.url_for("/feed"))
    refresh_feed(session, feed, local_policy, NOW)
    session.commit()
    assert (feed.enabled, feed.last_status) == (False, "gone")
    assert feed.disabled_reason == "The server answered 410 Gone on 2025-03-01."
    assert claim_due_feeds(session, NOW + 100 * HOUR, 10) == []


def test_retry_after_sets_next_check(
    session: Session, workspace_id: int, httpserver: HTTPServer, local_policy: FetchPolicy
) -> None:
    httpserver.expect_request("/feed").respond_with_data(
        "", status=429, headers={"Retry-After": "Sat, 01 Mar 2025 15:00:00 GMT"}
    )
    feed = create_feed(session, workspace_id, httpserver.url_for("/feed"))
    summary = refresh_feed(session, feed, local_policy, NOW)
    assert summary.errors == 0
    assert (feed.last_status, feed.error_count) == ("throttled", 0)
    assert feed.next_check_at == dt.datetime(2025, 3, 1, 15, tzinfo=dt.UTC)
    assert feed.last_error == f"HTTP 429 from {feed.url}; next try 2025-03-01 15:00 UTC"


@pytest.mark.parametrize(
    ("status", "retry_after"),
    [(503, "999999999999999999999"), (429, "Wed, 09 Dec 2026 00:00:00 GMT")],
    ids=["huge-seconds", "http-date"],
)
def test_a_throttled_feed_names_the_time_it_will_be_tried_not_a_later_one_asked_for(
    session: Session,
    workspace_id: int,
    httpserver: HTTPServer,
    local_policy: FetchPolicy,
    status: int,
    retry_after: str,
) -> None:
    now = dt.datetime(2026, 12, 7, 5, 30, tzinfo=dt.UTC)
    httpserver.expect_request("/feed").respond_with_data(
        "", status=status, headers={"Retry-After": retry_after}
    )
    feed = create_feed(session, workspace_id, httpserver.url_for("/feed"))
    refresh_feed(session, feed, local_policy, now)
    assert feed.next_check_at == now + 24 * HOUR
    assert feed.last_error == (
        f"HTTP {status} from {feed.url}; next try 2026-12-08 05:30 UTC (the server asked for "
        "later, but a feed is checked at least once a day)"
    )


@pytest.mark.parametrize(
    "last_modified",
    # As the server's bytes, read as Latin-1: the same date in Latin-1 and in UTF-8.
    ["Mi, 05 M\u00e4r 2025 10:00:00 GMT", "Mi, 05 M\u00c3\u00a4r 2025 10:00:00 GMT"],
    ids=["latin-1", "utf-8"],
)
def test_validators_that_cannot_be_sent_back_are_not_kept(
    session: Session,
    workspace_id: int,
    httpserver: HTTPServer,
    local_policy: FetchPolicy,
    last_modified: str,
) -> None:
    httpserver.expect_request("/feed").respond_with_data(
        rss(("a", "A")), headers={"Last-Modified": last_modified, "ETag": '"caf\u00e9"'}
    )
    feed = create_feed(session, workspace_id, httpserver.url_for("/feed"))
    for _ in range(2):  # the second refresh failed, and every one after it
        assert refresh_feed(session, feed, local_policy, NOW).errors == 0
        session.commit()
    assert (feed.last_status, feed.etag, feed.last_modified) == ("ok", None, None)


def test_a_feed_naming_no_encoding_is_read_in_the_charset_its_server_names(
    session: Session, workspace_id: int, httpserver: HTTPServer, local_policy: FetchPolicy
) -> None:
    httpserver.expect_request("/feed").respond_with_data(
        '<rss version="2.0"><channel><title>Новости</title><item><title>Новости дня</title>'
        "<link>https://e.example/1</link></item></channel></rss>".encode("cp1251"),
        content_type="application/rss+xml; charset=windows-1251",
    )
    feed = create_feed(session, workspace_id, httpserver.url_for("/feed"))
    refresh_feed(session, feed, local_policy, NOW)
    session.commit()
    assert feed.title == "Новости"
    assert session.scalars(select(Article.title)).one() == "Новости дня"


def test_failures_back_off_exponentially_and_success_resets(
    session: Session, workspace_id: int, httpserver: HTTPServer, local_policy: FetchPolicy
) -> None:
    httpserver.expect_request("/feed").respond_with_data("down", status=500)
    feed = create_feed(session, workspace_id, httpserver.url_for("/feed"))
    delays = []
    for _ in range(7):
        assert refresh_feed(session, feed, local_policy, NOW).errors == 1
        delays.append((feed.next_check_at - NOW) / HOUR)
    assert delays == [1, 2, 4, 8, 16, 24, 24]
    assert (feed.error_count, feed.last_status) == (7, "error")
    assert feed.last_error is not None and "HTTP 500" in feed.last_error

    httpserver.clear()
    httpserver.expect_request("/feed").respond_with_data(rss(("a", "A"), ttl=180))
    refresh_feed(session, feed, local_policy, NOW)
    assert (feed.error_count, feed.last_error, feed.ttl_minutes) == (0, None, 180)
    assert feed.next_check_at == NOW + 3 * HOUR  # the feed's <ttl>


def test_a_json_feed_is_stored_like_an_rss_feed(
    session: Session, workspace_id: int, httpserver: HTTPServer, local_policy: FetchPolicy
) -> None:
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Pricing Weekly",
        "home_page_url": "https://pricing.example.com/",
        "authors": [{"name": "The Desk"}],
        "items": [
            {
                "id": "https://pricing.example.com/1",
                "url": "https://pricing.example.com/posts/1?utm_source=json",
                "title": "Annual plans",
                "content_html": (
                    '<p>Why <b>annual</b><script>steal()</script> <a href="/x">wins</a></p>'
                ),
                "date_published": "2025-02-28T10:00:00+01:00",
                "tags": ["SaaS", "saas", "Pricing"],
                "authors": [{"name": "Ann"}],
            },
            {
                "id": 2,  # JSON Feed 1.0 feeds sometimes number their items
                "external_url": "https://elsewhere.example.com/story",
                "summary": "Worth reading",
                "content_text": "A link post & more",
                "date_modified": "2025-02-27T08:00:00Z",
            },
        ],
    }
    httpserver.expect_request("/feed.json").respond_with_json(
        document, content_type="application/feed+json"
    )
    feed = create_feed(session, workspace_id, httpserver.url_for("/feed.json"))
    summary = refresh_feed(session, feed, local_policy, NOW)
    session.commit()
    assert (summary.new_articles, summary.errors, feed.title) == (2, 0, "Pricing Weekly")
    articles = session.scalars(select(Article).order_by(Article.id)).all()
    assert [(a.canonical_url, a.title, a.author, a.published_at, a.tags) for a in articles] == [
        (
            "https://pricing.example.com/posts/1",
            "Annual plans",
            "Ann",
            dt.datetime(2025, 2, 28, 9, tzinfo=dt.UTC),
            ["SaaS", "Pricing"],
        ),
        (
            "https://elsewhere.example.com/story",
            "Worth reading",
            "The Desk",
            dt.datetime(2025, 2, 27, 8, tzinfo=dt.UTC),
            [],
        ),
    ]
    # Relative links resolve against the feed's address, as in RSS.
    assert articles[0].summary_html == (
        f'<p>Why <b>annual</b> <a href="{httpserver.url_for("/x")}" '
        'rel="noopener noreferrer nofollow">wins</a></p>'
    )
    assert (articles[1].summary_html, articles[1].summary_text) == (
        "<p>Worth reading</p>",
        "Worth reading",
    )
    accept = httpserver.log[0][0].headers["Accept"]
    assert "application/feed+json" in accept


def test_a_malformed_json_feed_is_a_recorded_failure(
    session: Session, workspace_id: int, httpserver: HTTPServer, local_policy: FetchPolicy
) -> None:
    httpserver.expect_request("/feed.json").respond_with_data(
        b'{"version": "https://jsonfeed.org/version/1.1", "items": [',
        content_type="application/json",
    )
    feed = create_feed(session, workspace_id, httpserver.url_for("/feed.json"))
    assert refresh_feed(session, feed, local_policy, NOW).errors == 1
    assert feed.last_error == (
        "Not a readable feed: the JSON Feed is not valid JSON "
        "(Expecting value: line 1 column 59 (char 58))."
    )
    assert count(session, Article) == 0


def test_unsafe_or_unparseable_documents_are_recorded_failures(
    session: Session, workspace_id: int, httpserver: HTTPServer, local_policy: FetchPolicy
) -> None:
    httpserver.expect_request("/xxe").respond_with_data(
        b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><rss>&x;</rss>'
    )
    httpserver.expect_request("/html").respond_with_data(b"<html><body>Hi</body></html>")
    for path, message in (("/xxe", "entities"), ("/html", "Not a readable feed")):
        feed = create_feed(session, workspace_id, httpserver.url_for(path))
        assert refresh_feed(session, feed, local_policy, NOW).errors == 1
        assert feed.last_error is not None and message in feed.last_error
    assert count(session, Article) == 0


def test_a_truncated_gzip_download_is_a_recorded_failure_not_a_partial_feed(
    session: Session, workspace_id: int, httpserver: HTTPServer, local_policy: FetchPolicy
) -> None:
    document = gzip.compress(rss(*((f"g{i}", f"Story {i}") for i in range(40))))
    httpserver.expect_request("/feed").respond_with_data(
        document[: len(document) // 2], headers={"Content-Encoding": "gzip"}
    )
    feed = create_feed(session, workspace_id, httpserver.url_for("/feed"))
    assert refresh_feed(session, feed, local_policy, NOW).errors == 1
    assert feed.last_error == (
        f"The gzip body from {feed.url} is truncated: it ends before its compressed data does."
    )
    assert count(session, Article) == 0


def test_a_value_no_reader_foresaw_is_a_recorded_failure_and_backs_off(
    session: Session, workspace_id: int, httpserver: HTTPServer, local_policy: FetchPolicy
) -> None:
    """A document declaring a codec that is no text encoding (punycode) still makes feedparser
    raise UnicodeError: a stand-in for whatever the next crafted value is."""
    httpserver.expect_request("/feed").respond_with_data(
        b'<?xml version="1.0" encoding="punycode"?><rss version="2.0"><channel><title>x</title>'
        b"<item><title>Story</title><link>https://e.example/1</link></item></channel></rss>",
        content_type="application/rss+xml",
    )
    feed = create_feed(session, workspace_id, httpserver.url_for("/feed"))
    for failures, delay in ((1, HOUR), (2, 2 * HOUR)):
        assert refresh_feed(session, feed, local_policy, NOW).errors == 1
        session.commit()
        assert (feed.last_status, feed.error_count) == ("error", failures)
        assert feed.next_check_at == NOW + delay
    assert feed.last_error is not None
    assert feed.last_error.startswith(f"Could not read {feed.url}: UnicodeError")


def test_a_bug_in_fetching_fails_the_refresh_instead_of_backing_the_feed_off(
    session: Session, workspace_id: int, caplog: pytest.LogCaptureFixture
) -> None:
    """A fetch that raises what no feed could cause (here a resolver configured wrongly, as a
    deploy bug would) would fail every feed: recorded on each, it only showed as feeds quietly
    backing off. It reaches the caller, and the feed keeps its state."""

    def broken_resolver(host: str, port: int) -> list[str]:
        raise RuntimeError("resolver misconfigured")

    policy = FetchPolicy(timeout=1, resolver=broken_resolver)
    feed = create_feed(session, workspace_id, "https://e.example/feed")
    with pytest.raises(RuntimeError, match="resolver misconfigured"):
        refresh_feed(session, feed, policy, NOW)
    assert (feed.last_status, feed.error_count, feed.last_error) == (None, 0, None)
    assert "failed unexpectedly" not in caplog.text


@pytest.mark.parametrize("location", ["http://xn--.example/feed", "http://exa[mple.com/"])
def test_a_redirect_to_an_invalid_url_is_a_recorded_failure(
    session: Session,
    workspace_id: int,
    httpserver: HTTPServer,
    local_policy: FetchPolicy,
    location: str,
) -> None:
    """The server chooses the Location: a host IDNA refuses, or one urljoin cannot split,
    raised out of the refresh (a 500 from POST .../refresh) instead of failing the feed."""
    httpserver.expect_request("/feed").respond_with_response(RawRedirect(location))
    feed = create_feed(session, workspace_id, httpserver.url_for("/feed"))
    for failures in (1, 2):
        assert refresh_feed(session, feed, local_policy, NOW).errors == 1
        assert (feed.last_status, feed.error_count) == ("error", failures)
        assert feed.last_error is not None and "is not a valid URL" in feed.last_error


@pytest.mark.parametrize("url", ["http://xn--.example/feed", "http://e.example/a\x01b"])
def test_a_stored_url_that_is_not_valid_is_a_recorded_failure(
    session: Session, workspace_id: int, url: str
) -> None:
    feed = create_feed(session, workspace_id, "https://e.example/feed")
    feed.url = url  # stored before subscriptions checked it
    assert refresh_feed(session, feed, FetchPolicy(timeout=1), NOW).errors == 1
    assert feed.last_error is not None and "is not a valid URL" in feed.last_error


def test_blocked_address_is_a_recorded_failure(session: Session, workspace_id: int) -> None:
    policy = FetchPolicy(timeout=1, resolver=lambda host, port: ["169.254.169.254"])
    feed = create_feed(session, workspace_id, "http://metadata.example.test/latest")
    assert refresh_feed(session, feed, policy, NOW).errors == 1
    assert feed.last_error is not None and "non-public" in feed.last_error


def test_claim_due_feeds_leases_them(session: Session, workspace_id: int) -> None:
    due = [create_feed(session, workspace_id, f"https://e.example/{i}") for i in range(3)]
    for i, feed in enumerate(due):
        feed.next_check_at = NOW - dt.timedelta(minutes=10 - i)
    later = create_feed(session, workspace_id, "https://e.example/later")
    later.next_check_at = NOW + HOUR
    off = create_feed(session, workspace_id, "https://e.example/off", enabled=False)
    off.next_check_at = NOW - HOUR
    session.commit()

    claimed = claim_due_feeds(session, NOW, limit=2)
    session.commit()
    assert claimed == due[:2]
    assert all(f.next_check_at == NOW + CLAIM_LEASE for f in claimed)
    assert claim_due_feeds(session, NOW, limit=10) == [due[2]]
    assert claim_due_feeds(session, NOW, limit=10) == []
    assert len(claim_due_feeds(session, NOW + CLAIM_LEASE, limit=10)) == 3


def test_feed_defaults(session: Session, workspace_id: int) -> None:
    feed = create_feed(session, workspace_id, "https://example.com/feed", enabled=False)
    session.commit()
    stored = session.get(Feed, feed.id)
    assert stored is not None
    assert (stored.error_count, stored.tags, stored.enabled) == (0, [], False)


def test_control_characters_from_a_loosely_parsed_feed_are_dropped_not_fatal(
    session: Session, workspace_id: int, httpserver: HTTPServer, local_policy: FetchPolicy
) -> None:
    """``&#0;`` is not well-formed XML, so feedparser's loose parser reads the feed and turns
    it into a NUL, which PostgreSQL cannot store: the refresh must not fail on it."""
    httpserver.expect_request("/nul.xml").respond_with_data(
        '<rss version="2.0"><channel><title>News&#0;</title><item>'
        "<title>Pricing&#0; pages</title><guid>id&#0;-1</guid><author>Ann&#1; Lee</author>"
        "<category>Sa&#0;aS</category><link>https://news.example.com/a&#0;b</link>"
        '<description type="text/plain">Plain&#0; text</description></item></channel></rss>',
        content_type="application/rss+xml",
    )
    feed = create_feed(session, workspace_id, httpserver.url_for("/nul.xml"))
    summary = refresh_feed(session, feed, local_policy, NOW)
    session.commit()

    assert (summary.errors, summary.new_articles, feed.title) == (0, 1, "News")
    article = session.scalars(select(Article)).one()
    assert (article.title, article.author, article.tags) == ("Pricing pages", "Ann Lee", ["SaaS"])
    assert (article.canonical_url, article.summary_text) == (
        "https://news.example.com/ab",
        "Plain text",
    )
    # A guid is a permalink unless it says otherwise, so it resolves against the feed's URL.
    assert session.scalars(select(FeedEntry.entry_key)).one() == httpserver.url_for("/id-1")


# One crafted value each (found by probing), in a feed that also carries a good entry: a value
# that cannot be read is ignored, clamped or leaves its field empty, and loses nothing else.
CRAFTED_LINK = "<link>https://e.example/crafted</link>"
CRAFTED: dict[str, tuple[dict[str, str], str, str]] = {
    # case: (response headers, channel elements, the crafted entry's elements)
    "link-port-past-65535": ({}, "", "<link>http://example.com:99999/x</link>"),
    "emoji-as-utf16-halves": ({}, "", f"<description>&#55357;&#56832;</description>{CRAFTED_LINK}"),
    "ttl-superscript-digit": ({}, "<ttl>\u00b2</ttl>", CRAFTED_LINK),
    "ttl-past-sqlite-integer": ({}, f"<ttl>{'9' * 23}</ttl>", CRAFTED_LINK),
    "ttl-past-postgresql-integer": ({}, "<ttl>3000000000</ttl>", CRAFTED_LINK),
    "retry-after-superscript-digit": ({"Retry-After": "\u00b9"}, "", CRAFTED_LINK),
    "max-age-of-400-digits": ({"Cache-Control": "max-age=" + "9" * 400}, "", CRAFTED_LINK),
    "etag-past-its-column": ({"ETag": '"' + "e" * 2000 + '"'}, "", CRAFTED_LINK),
    "last-modified-past-its-column": (
        {"Last-Modified": "Wed, 01 Jan 2025 00:00:00 GMT; " + "x" * 120},
        "",
        CRAFTED_LINK,
    ),
    "date-past-9999-in-utc": (
        {},
        "",
        f"<pubDate>Fri, 31 Dec 9999 23:59:59 -0100</pubDate>{CRAFTED_LINK}",
    ),
}


@pytest.mark.parametrize("case", list(CRAFTED))
def test_a_crafted_value_loses_nothing_else(
    session: Session,
    workspace_id: int,
    httpserver: HTTPServer,
    local_policy: FetchPolicy,
    case: str,
) -> None:
    headers, channel, crafted = CRAFTED[case]
    httpserver.expect_request("/feed").respond_with_data(
        f'<rss version="2.0"><channel><title>Site</title>{channel}'
        f"<item><title>Crafted</title>{crafted}</item>"
        "<item><title>Good</title><link>https://e.example/good</link></item></channel></rss>",
        content_type="application/rss+xml",
        headers=headers,
    )
    feed = create_feed(session, workspace_id, httpserver.url_for("/feed"))
    summary = refresh_feed(session, feed, local_policy, NOW)
    session.commit()
    assert (summary.errors, summary.new_articles) == (0, 2)
    assert (feed.last_status, feed.last_error) == ("ok", None)
    assert set(session.scalars(select(Article.title))) == {"Crafted", "Good"}
