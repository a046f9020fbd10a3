"""The fetcher against a real local HTTP server (pytest-httpserver), no mocked transport."""

from __future__ import annotations

import datetime as dt
import gzip
import ipaddress
import time
import zlib
from collections.abc import Iterator

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from feeds.errors import BlockedAddress, BodyTooLarge, FetchError, FetchTimeout, HTTPStatusError
from feeds.fetch_policy import USER_AGENT, FetchPolicy
from feeds.fetcher import FetchOutcome, fetch, parse_retry_after

FEED = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'
MiB = 1024 * 1024


def test_sends_honest_user_agent_and_returns_body(
    httpserver: HTTPServer, local_policy: FetchPolicy
) -> None:
    httpserver.expect_request("/feed", headers={"User-Agent": USER_AGENT}).respond_with_data(
        FEED,
        content_type="application/rss+xml",
        headers={"ETag": '"v1"', "Last-Modified": "Wed, 01 Jan 2025 00:00:00 GMT"},
    )
    result = fetch(httpserver.url_for("/feed"), local_policy)
    assert result.outcome is FetchOutcome.OK
    assert result.content == FEED
    assert result.etag == '"v1"'
    assert result.last_modified == "Wed, 01 Jan 2025 00:00:00 GMT"
    assert result.permanent_url is None


def test_conditional_get_reports_not_modified(
    httpserver: HTTPServer, local_policy: FetchPolicy
) -> None:
    httpserver.expect_request("/feed", headers={"If-None-Match": '"v1"'}).respond_with_data(
        "", status=304, headers={"ETag": '"v1"'}
    )
    httpserver.expect_request(
        "/dated", headers={"If-Modified-Since": "Wed, 01 Jan 2025 00:00:00 GMT"}
    ).respond_with_data("", status=304)
    by_etag = fetch(httpserver.url_for("/feed"), local_policy, etag='"v1"')
    by_date = fetch(
        httpserver.url_for("/dated"),
        local_policy,
        last_modified="Wed, 01 Jan 2025 00:00:00 GMT",
    )
    assert by_etag.outcome is FetchOutcome.NOT_MODIFIED
    assert by_etag.content == b""
    assert by_date.outcome is FetchOutcome.NOT_MODIFIED


def test_validators_that_cannot_be_sent_back_are_left_out(
    httpserver: HTTPServer, local_policy: FetchPolicy
) -> None:
    """A feed stored with one before validators were checked is fetched unconditionally
    rather than failing with UnicodeEncodeError at every refresh."""
    httpserver.expect_request("/feed").respond_with_data(
        FEED, headers={"ETag": '"caf\u00e9"', "Last-Modified": "Mi, 05 M\u00e4r 2025"}
    )
    result = fetch(
        httpserver.url_for("/feed"),
        local_policy,
        etag='"caf\u00e9"',
        last_modified="Mi, 05 M\u00e4r 2025 10:00:00 GMT",
    )
    assert (result.outcome, result.etag, result.last_modified) == (FetchOutcome.OK, None, None)
    (request, _response), *_ = httpserver.log
    assert "If-None-Match" not in request.headers
    assert "If-Modified-Since" not in request.headers


def test_permanent_redirects_report_the_new_url(
    httpserver: HTTPServer, local_policy: FetchPolicy
) -> None:
    httpserver.expect_request("/old").respond_with_data(
        "", status=301, headers={"Location": "/older"}
    )
    httpserver.expect_request("/older").respond_with_data(
        "", status=308, headers={"Location": httpserver.url_for("/new")}
    )
    httpserver.expect_request("/new").respond_with_data(FEED)
    result = fetch(httpserver.url_for("/old"), local_policy)
    assert result.outcome is FetchOutcome.OK
    assert result.url == result.permanent_url == httpserver.url_for("/new")


def test_a_temporary_hop_keeps_the_stored_url(
    httpserver: HTTPServer, local_policy: FetchPolicy
) -> None:
    httpserver.expect_request("/a").respond_with_data("", status=301, headers={"Location": "/b"})
    httpserver.expect_request("/b").respond_with_data("", status=302, headers={"Location": "/c"})
    httpserver.expect_request("/c").respond_with_data(FEED)
    result = fetch(httpserver.url_for("/a"), local_policy)
    assert result.url == httpserver.url_for("/c")
    assert result.permanent_url is None


def test_redirect_loops_stop(httpserver: HTTPServer, local_policy: FetchPolicy) -> None:
    httpserver.expect_request("/loop").respond_with_data(
        "", status=302, headers={"Location": "/loop"}
    )
    with pytest.raises(FetchError, match="redirects"):
        fetch(httpserver.url_for("/loop"), local_policy)
    assert len(httpserver.log) == local_policy.max_redirects + 1


def test_gone(httpserver: HTTPServer, local_policy: FetchPolicy) -> None:
    httpserver.expect_request("/feed").respond_with_data("gone", status=410)
    assert fetch(httpserver.url_for("/feed"), local_policy).outcome is FetchOutcome.GONE


def test_too_many_requests_carries_retry_after(
    httpserver: HTTPServer, local_policy: FetchPolicy
) -> None:
    httpserver.expect_request("/feed").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "120"}
    )
    httpserver.expect_request("/maint").respond_with_data(
        "", status=503, headers={"Retry-After": "Fri, 31 Dec 2100 23:59:59 GMT"}
    )
    before = dt.datetime.now(dt.UTC)
    throttled = fetch(httpserver.url_for("/feed"), local_policy)
    assert throttled.outcome is FetchOutcome.RETRY_LATER
    assert throttled.retry_after is not None
    delay = throttled.retry_after - before
    assert dt.timedelta(seconds=119) <= delay <= dt.timedelta(seconds=125)
    maintenance = fetch(httpserver.url_for("/maint"), local_policy)
    assert maintenance.retry_after == dt.datetime(2100, 12, 31, 23, 59, 59, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0", dt.datetime(2025, 1, 1, tzinfo=dt.UTC)),
        ("3600", dt.datetime(2025, 1, 1, 1, tzinfo=dt.UTC)),
        ("Wed, 01 Jan 2025 02:00:00 GMT", dt.datetime(2025, 1, 1, 2, tzinfo=dt.UTC)),
        ("Tue, 31 Dec 2024 00:00:00 GMT", dt.datetime(2024, 12, 31, tzinfo=dt.UTC)),
        ("soon", None),
        (None, None),
        ("\u00b9", None),  # a digit to str.isdigit(), not to int()
        ("9" * 5000, dt.datetime(2026, 1, 2, tzinfo=dt.UTC)),  # at most 366 days
        ("Fri, 31 Dec 9999 23:59:59 -0100", None),  # past the last instant in UTC
    ],
)
def test_parse_retry_after(value: str | None, expected: dt.datetime | None) -> None:
    assert parse_retry_after(value, now=dt.datetime(2025, 1, 1, tzinfo=dt.UTC)) == expected


@pytest.mark.parametrize(
    ("cache_control", "max_age"),
    [
        ("public, max-age=7200", 7200),
        ("max-age=" + "9" * 400, 2**31),  # too large to hold: 2**31, as RFC 9111 says
        ("max-age=\u00b9", None),
    ],
)
def test_max_age_is_read_in_seconds(
    httpserver: HTTPServer, local_policy: FetchPolicy, cache_control: str, max_age: int | None
) -> None:
    httpserver.expect_request("/feed").respond_with_data(
        FEED, headers={"Cache-Control": cache_control}
    )
    assert fetch(httpserver.url_for("/feed"), local_policy).max_age == max_age


def test_other_statuses_are_errors(httpserver: HTTPServer, local_policy: FetchPolicy) -> None:
    httpserver.expect_request("/feed").respond_with_data("oops", status=500)
    with pytest.raises(HTTPStatusError) as caught:
        fetch(httpserver.url_for("/feed"), local_policy)
    assert caught.value.status_code == 500


def test_stalling_server_times_out(httpserver: HTTPServer) -> None:
    def stall(_request: Request) -> Response:
        time.sleep(1.0)
        return Response(FEED)

    httpserver.expect_request("/feed").respond_with_handler(stall)
    policy = FetchPolicy(allow_private=True, connect_timeout=0.2, timeout=0.3)
    started = time.monotonic()
    with pytest.raises(FetchTimeout):
        fetch(httpserver.url_for("/feed"), policy)
    assert time.monotonic() - started < 0.8


def test_dripping_body_is_bounded_by_total_time(httpserver: HTTPServer) -> None:
    # Each byte arrives well within any per-read timeout; only a total deadline stops it.
    def drip(_request: Request) -> Response:
        def body() -> Iterator[bytes]:
            for _ in range(100):
                yield b" "
                time.sleep(0.05)

        return Response(body(), content_type="application/xml")

    httpserver.expect_request("/feed").respond_with_handler(drip)
    policy = FetchPolicy(allow_private=True, connect_timeout=0.2, timeout=0.4)
    started = time.monotonic()
    with pytest.raises(FetchTimeout):
        fetch(httpserver.url_for("/feed"), policy)
    assert time.monotonic() - started < 0.9


def test_endless_body_stops_at_the_cap(httpserver: HTTPServer) -> None:
    def endless(_request: Request) -> Response:
        def body() -> Iterator[bytes]:
            while True:
                yield b"x" * 65536

        return Response(body(), content_type="application/xml")

    httpserver.expect_request("/feed").respond_with_handler(endless)
    policy = FetchPolicy(allow_private=True, max_bytes=MiB, timeout=5)
    with pytest.raises(BodyTooLarge):
        fetch(httpserver.url_for("/feed"), policy)


def test_declared_oversize_body_is_refused(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed").respond_with_data(b"x" * (MiB + 1))
    with pytest.raises(BodyTooLarge, match="declares"):
        fetch(httpserver.url_for("/feed"), FetchPolicy(allow_private=True, max_bytes=MiB))


@pytest.mark.parametrize(
    ("coding", "encode"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda data: zlib.compress(data)[2:-4]),  # raw deflate, a common mistake
    ],
    ids=["gzip", "deflate", "raw-deflate"],
)
def test_compressed_bodies_are_decoded(
    httpserver: HTTPServer, local_policy: FetchPolicy, coding: str, encode: object
) -> None:
    httpserver.expect_request(
        "/feed", headers={"Accept-Encoding": "gzip, deflate"}
    ).respond_with_data(
        encode(FEED * 100),
        headers={"Content-Encoding": coding},  # type: ignore[operator]
    )
    assert fetch(httpserver.url_for("/feed"), local_policy).content == FEED * 100


def test_gzip_bomb_stops_at_the_decompressed_cap(httpserver: HTTPServer) -> None:
    bomb = gzip.compress(b"\0" * (64 * MiB))
    assert len(bomb) < MiB
    httpserver.expect_request("/feed").respond_with_data(bomb, headers={"Content-Encoding": "gzip"})
    with pytest.raises(BodyTooLarge):
        fetch(httpserver.url_for("/feed"), FetchPolicy(allow_private=True, max_bytes=MiB))


def test_every_member_of_a_gzip_body_is_read(
    httpserver: HTTPServer, local_policy: FetchPolicy
) -> None:
    """RFC 1952 lets a gzip body be several members one after another (as from a server
    compressing in pieces); zero bytes after the last are padding."""
    members = gzip.compress(FEED[:40]) + gzip.compress(FEED[40:60]) + gzip.compress(FEED[60:])
    httpserver.expect_request("/feed").respond_with_data(
        members + b"\0" * 4, headers={"Content-Encoding": "gzip"}
    )
    assert fetch(httpserver.url_for("/feed"), local_policy).content == FEED


@pytest.mark.parametrize(
    ("coding", "encode"),
    [("gzip", gzip.compress), ("deflate", zlib.compress)],
    ids=["gzip", "deflate"],
)
@pytest.mark.parametrize("cut", [8, 200], ids=["trailer", "data"])
def test_a_truncated_compressed_body_is_an_error_not_a_shorter_feed(
    httpserver: HTTPServer, local_policy: FetchPolicy, coding: str, encode: object, cut: int
) -> None:
    compressed = encode(bytes(range(256)) * 40)  # type: ignore[operator]
    httpserver.expect_request("/feed").respond_with_data(
        compressed[:-cut], headers={"Content-Encoding": coding}
    )
    with pytest.raises(FetchError, match="is truncated"):
        fetch(httpserver.url_for("/feed"), local_policy)


def test_a_many_member_gzip_bomb_stops_at_the_decompressed_cap(httpserver: HTTPServer) -> None:
    member = gzip.compress(b"\0" * (MiB // 2))
    httpserver.expect_request("/feed").respond_with_data(
        member * 4, headers={"Content-Encoding": "gzip"}
    )
    with pytest.raises(BodyTooLarge):
        fetch(httpserver.url_for("/feed"), FetchPolicy(allow_private=True, max_bytes=MiB))


def test_endless_empty_gzip_members_stop_at_the_cap(httpserver: HTTPServer) -> None:
    """They decode to nothing, so only the count of bytes received can stop them."""

    def endless(_request: Request) -> Response:
        def body() -> Iterator[bytes]:
            while True:
                yield gzip.compress(b"") * 4096

        return Response(body(), headers={"Content-Encoding": "gzip"})

    httpserver.expect_request("/feed").respond_with_handler(endless)
    policy = FetchPolicy(allow_private=True, max_bytes=MiB, timeout=5)
    with pytest.raises(BodyTooLarge):
        fetch(httpserver.url_for("/feed"), policy)


# --- SSRF ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "10.0.0.1", "169.254.169.254", "[::1]", "[::ffff:127.0.0.1]", "0.0.0.0"],
)
def test_private_literal_addresses_are_refused(httpserver: HTTPServer, host: str) -> None:
    with pytest.raises(BlockedAddress):
        fetch(f"http://{host}:{httpserver.port}/feed", FetchPolicy(timeout=1))
    assert httpserver.log == []


@pytest.mark.parametrize(
    "address", ["127.0.0.1", "10.0.0.1", "192.168.1.10", "169.254.169.254", "::1", "fd00::1"]
)
def test_names_resolving_to_private_addresses_are_refused(address: str) -> None:
    policy = FetchPolicy(timeout=1, resolver=lambda host, port: [address])
    with pytest.raises(BlockedAddress, match="non-public"):
        fetch("http://feeds.example.test/feed", policy)


def test_one_private_answer_among_public_ones_refuses_the_host() -> None:
    policy = FetchPolicy(timeout=1, resolver=lambda host, port: ["93.184.216.34", "127.0.0.1"])
    with pytest.raises(BlockedAddress):
        fetch("http://feeds.example.test/feed", policy)


def test_non_web_schemes_are_refused() -> None:
    for url in ("file:///etc/passwd", "gopher://example.com/", "ftp://example.com/feed"):
        with pytest.raises(BlockedAddress, match="http and https"):
            fetch(url, FetchPolicy())


def redirecting_policy(resolved: list[str]) -> FetchPolicy:
    """feeds.example.test stands for a public host (allow-listed, so the loopback test server
    may play it); every other name resolves through the stub too."""

    def resolver(host: str, _port: int) -> list[str]:
        resolved.append(host)
        return ["127.0.0.1"]

    return FetchPolicy(
        allowed_hosts=frozenset({"feeds.example.test"}), timeout=2, resolver=resolver
    )


@pytest.mark.parametrize("target", ["http://127.0.0.1:{port}/x", "http://internal.test:{port}/x"])
def test_redirect_to_loopback_is_refused(httpserver: HTTPServer, target: str) -> None:
    httpserver.expect_request("/feed").respond_with_data(
        "", status=302, headers={"Location": target.format(port=httpserver.port)}
    )
    httpserver.expect_request("/x").respond_with_data("internal secrets")
    resolved: list[str] = []
    policy = redirecting_policy(resolved)
    with pytest.raises(BlockedAddress):
        fetch(f"http://feeds.example.test:{httpserver.port}/feed", policy)
    assert [entry[0].path for entry in httpserver.log] == ["/feed"]


def test_redirect_to_another_scheme_is_refused(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed").respond_with_data(
        "", status=301, headers={"Location": "file:///etc/passwd"}
    )
    with pytest.raises(BlockedAddress):
        fetch(httpserver.url_for("/feed"), FetchPolicy(allow_private=True))


def test_connects_to_the_vetted_address_with_the_original_host_header(
    httpserver: HTTPServer,
) -> None:
    host = f"feeds.example.test:{httpserver.port}"
    httpserver.expect_request("/feed", headers={"Host": host}).respond_with_data(FEED)
    resolved: list[str] = []
    result = fetch(f"http://{host}/feed", redirecting_policy(resolved))
    assert result.content == FEED
    # One resolution, whose answer was both vetted and connected to: nothing to rebind.
    assert resolved == ["feeds.example.test"]


def test_allowlisted_network_permits_private_addresses(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed").respond_with_data(FEED)
    policy = FetchPolicy(allowed_networks=(ipaddress.ip_network("127.0.0.0/8"),), timeout=2)
    assert fetch(f"http://127.0.0.1:{httpserver.port}/feed", policy).content == FEED
