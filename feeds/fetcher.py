"""Fetch a feed (or deliver a webhook) over HTTP without letting a URL reach inside the network.

Feed URLs come from users and from redirects chosen by remote servers, so each connection is
vetted where it is made: a custom network backend resolves the host, refuses the connection if
any address is loopback, private, link-local, multicast, reserved or unspecified (IPv4-mapped
IPv6 included; the rules are :mod:`feeds.fetch_policy`'s), and connects the socket to the
vetted address itself. Checking a name and then letting the HTTP stack resolve it again would
leave a DNS-rebinding gap. The Host header and TLS SNI still carry the hostname, because the
HTTP layer above the backend never learns the address.

Wall-clock time is bounded per fetch, not per socket read: every read and write is given only
the time left, so a server dripping one byte a second cannot hold a worker for longer than the
total timeout. The body is decompressed here, not by httpx, so the size cap applies to the
decompressed bytes while they are produced and a gzip bomb stops at the cap.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import ipaddress
import re
import ssl
import time
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Any
from urllib.parse import urljoin

import httpcore
import httpx

from feeds.errors import BodyTooLarge, FetchError, FetchTimeout, HTTPStatusError
from feeds.fetch_policy import FetchPolicy, literal_address

ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, "
    "application/rdf+xml;q=0.9, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
PERMANENT_REDIRECTS = frozenset({301, 308})
RETRY_LATER_STATUSES = frozenset({429, 503})
_CHUNK = 64 * 1024
_MAX_AGE = re.compile(r"(?:^|[,\s])max-age\s*=\s*\"?([0-9]+)", re.IGNORECASE)
# ASCII digits; ten significant ones are read, and more are past the cap anyway.
_DELTA_SECONDS = re.compile(r"0*([0-9]{1,10})|[0-9]+")
# RFC 9111 (1.2.2): a delta-seconds too large to represent is read as 2**31.
_DELTA_SECONDS_CAP = 2**31


class FetchOutcome(StrEnum):
    OK = "ok"
    NOT_MODIFIED = "not_modified"
    GONE = "gone"
    RETRY_LATER = "retry_later"


@dataclass(frozen=True)
class FetchResult:
    """What the scheduler needs from one fetch.

    ``permanent_url`` is set only when every hop was a 301 or 308, the one case where the
    stored URL should change; ``retry_after`` is absent when a 429/503 did not say.
    """

    outcome: FetchOutcome
    url: str
    status_code: int
    content: bytes = b""
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None
    permanent_url: str | None = None
    retry_after: dt.datetime | None = None
    max_age: int | None = None


def fetch(
    url: str,
    policy: FetchPolicy,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
) -> FetchResult:
    """GET ``url`` conditionally, following at most ``policy.max_redirects`` redirects.

    Raises :class:`FetchError` (or a subclass) for anything that is not a usable answer.
    """
    deadline = time.monotonic() + policy.timeout
    headers = {
        "User-Agent": policy.user_agent,
        "Accept": ACCEPT,
        "Accept-Encoding": "gzip, deflate",
    }
    # Checked again here: a feed stored before validators were checked may hold one.
    conditions = {"If-None-Match": _validator(etag), "If-Modified-Since": _validator(last_modified)}
    headers.update({name: value for name, value in conditions.items() if value})
    with _client(policy, deadline, headers) as client, _errors(url, policy, "fetch"):
        return _follow(client, url, policy)


def _client(policy: FetchPolicy, deadline: float, headers: dict[str, str]) -> httpx.Client:
    # trust_env=False: a proxy from the environment would make the vetted address the
    # proxy's, not the server's.
    return httpx.Client(
        transport=_VettingTransport(policy, deadline),
        headers=headers,
        timeout=httpx.Timeout(policy.timeout, connect=policy.connect_timeout),
        follow_redirects=False,
        trust_env=False,
        event_hooks={"response": [_check_location]},
    )


@contextmanager
def _errors(url: str, policy: FetchPolicy, doing: str) -> Iterator[None]:
    """httpx's failures as the fetcher's own errors."""
    try:
        yield
    except httpx.TimeoutException:
        raise FetchTimeout(f"{url} did not answer within {policy.timeout:g} s", url=url) from None
    except httpx.HTTPError as exc:
        raise FetchError(f"Could not {doing} {url}: {exc}", url=url) from None


@dataclass(frozen=True)
class Answer:
    """A receiver's answer to a POST: its status and the first bytes of its body."""

    status_code: int
    head: bytes


def post(url: str, body: bytes, headers: dict[str, str], policy: FetchPolicy, keep: int) -> Answer:
    """POST ``body`` to ``url`` through the same vetted connections as a fetch, within the
    policy's total timeout, following no redirect; at most ``keep`` bytes of the answer are
    read. Raises :class:`FetchError` (or a subclass) when no answer came."""
    policy.check_url(url)
    deadline = time.monotonic() + policy.timeout
    client = _client(policy, deadline, {"User-Agent": policy.user_agent})
    with (
        client,
        _errors(url, policy, "reach"),
        _sent(client, _request(client, "POST", url, content=body, headers=headers)) as response,
    ):
        head = bytearray()
        for chunk in response.iter_raw(_CHUNK):
            head += chunk
            if len(head) >= keep:
                break
        return Answer(response.status_code, bytes(head[:keep]))


def _follow(client: httpx.Client, url: str, policy: FetchPolicy) -> FetchResult:
    all_permanent = True
    for hop in range(policy.max_redirects + 1):
        policy.check_url(url)
        with _sent(client, _request(client, "GET", url)) as response:
            status = response.status_code
            if status in REDIRECT_STATUSES and "location" in response.headers:
                all_permanent = all_permanent and status in PERMANENT_REDIRECTS
                url = _redirect_target(url, response.headers["location"].strip())
                continue
            permanent_url = url if hop and all_permanent else None
            result = _result(response, url, permanent_url, policy)
            if result is None:
                raise HTTPStatusError(status, url)
            return result
    raise FetchError(f"More than {policy.max_redirects} redirects", url=url)


def _parsed(url: str) -> httpx.URL:
    """``url`` as httpx reads it, or FetchError if it cannot: a stored URL or a server's
    Location may hold a host IDNA refuses ("xn--.example") or characters no URL may hold, and
    that is the feed's failure, not a crash of the refresh."""
    try:
        parsed = httpx.URL(url)
        parsed.host  # noqa: B018 - decodes an "xn--" host, which httpx does for the Host header
    except (httpx.InvalidURL, ValueError) as exc:  # UnicodeError (idna's) is a ValueError
        raise FetchError(f"{url!r} is not a valid URL: {exc}", url=url) from None
    return parsed


def _request(client: httpx.Client, method: str, url: str, **options: Any) -> httpx.Request:
    return client.build_request(method, _parsed(url), **options)


def _check_location(response: httpx.Response) -> None:
    # httpx builds a redirect's next request even when it follows none, and would raise on a
    # Location it cannot read: this response hook refuses such a Location first.
    if response.has_redirect_location:
        _parsed(response.headers["location"])


@contextmanager
def _sent(client: httpx.Client, request: httpx.Request) -> Iterator[httpx.Response]:
    # client.stream() without its request building, which _request guards.
    response = client.send(request, stream=True)
    try:
        yield response
    finally:
        response.close()


def _redirect_target(url: str, location: str) -> str:
    try:
        return urljoin(url, location)
    except ValueError as exc:  # "Invalid IPv6 URL" for a stray bracket in the host
        raise FetchError(
            f"{url} redirects to {location!r}, which is not a valid URL: {exc}", url=url
        ) from None


def _result(
    response: httpx.Response,
    url: str,
    permanent_url: str | None,
    policy: FetchPolicy,
) -> FetchResult | None:
    status = response.status_code
    outcome = {304: FetchOutcome.NOT_MODIFIED, 410: FetchOutcome.GONE}.get(status)
    if outcome is None and status in RETRY_LATER_STATUSES:
        outcome = FetchOutcome.RETRY_LATER
    if outcome is None and 200 <= status < 300:
        outcome = FetchOutcome.OK
    if outcome is None:
        return None
    headers = response.headers
    return FetchResult(
        outcome=outcome,
        url=url,
        status_code=status,
        content=_read_body(response, policy) if outcome is FetchOutcome.OK else b"",
        etag=_validator(headers.get("etag")),
        last_modified=_validator(headers.get("last-modified")),
        content_type=headers.get("content-type"),
        permanent_url=permanent_url,
        retry_after=parse_retry_after(headers.get("retry-after")),
        max_age=_max_age(headers.get("cache-control")),
    )


def _validator(value: str | None) -> str | None:
    """``value`` if it can be sent back in a request header (printable ASCII), else None.

    Some servers send validators in Latin-1 or UTF-8 ("Mi, 05 Mär 2025"), which httpx refuses
    to encode: every later request of the feed failed. Without one, a request is merely
    unconditional.
    """
    return value if value and value.isascii() and value.isprintable() else None


def parse_retry_after(value: str | None, now: dt.datetime | None = None) -> dt.datetime | None:
    """Retry-After as an aware UTC instant; it may be delay-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    seconds = _delta_seconds(value)
    if seconds is not None:
        now = now or dt.datetime.now(dt.UTC)
        return now + dt.timedelta(seconds=min(seconds, 366 * 86400))
    try:
        when = email.utils.parsedate_to_datetime(value)
        if when.tzinfo is None:  # "-0000" means UTC for HTTP dates
            when = when.replace(tzinfo=dt.UTC)
        # Not clamped to now: the scheduler bounds it against its own clock.
        return when.astimezone(dt.UTC)
    except (TypeError, ValueError, IndexError, OverflowError):  # 9999-12-31 -0100 overflows
        return None


def _max_age(cache_control: str | None) -> int | None:
    match = _MAX_AGE.search(cache_control or "")
    return _delta_seconds(match.group(1)) if match else None


def _delta_seconds(value: str) -> int | None:
    """HTTP's delta-seconds, capped at 2**31; None unless ASCII digits (str.isdigit() also
    takes "¹", which int() refuses, and int() refuses 4,300 digits)."""
    digits = _DELTA_SECONDS.fullmatch(value)
    if digits is None:
        return None
    return min(int(digits[1]), _DELTA_SECONDS_CAP) if digits[1] else _DELTA_SECONDS_CAP


def _read_body(response: httpx.Response, policy: FetchPolicy) -> bytes:
    cap = policy.max_bytes
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        raise BodyTooLarge(
            f"{response.url} declares {int(declared)} bytes, over the {cap}-byte cap",
            url=str(response.url),
        )
    decoder = _Decoder(response.headers.get("content-encoding", ""), str(response.url))
    body = bytearray()
    received = 0
    for chunk in response.iter_raw(_CHUNK):
        # The bytes received count too: a stream of empty gzip members decodes to nothing.
        received += len(chunk)
        if received > cap:
            raise _too_large(str(response.url))
        body += decoder.decode(chunk, cap - len(body))
    decoder.finish()
    return bytes(body)


def _too_large(url: str) -> BodyTooLarge:
    return BodyTooLarge(f"{url} is larger than the size cap", url=url)


class _Decoder:
    """Undo Content-Encoding incrementally, never producing more than the caller allows.

    A gzip body may hold several members one after another (RFC 1952, 2.2), all of which are
    the body; zero bytes after a member are padding. A body that ends inside a compressed
    stream is an error, not a shorter document.
    """

    def __init__(self, header: str, url: str) -> None:
        codings = [c.strip().lower() for c in header.split(",")]
        codings = [c for c in codings if c not in ("", "identity")]
        if len(codings) > 1 or (codings and codings[0] not in ("gzip", "x-gzip", "deflate")):
            raise FetchError(f"Unsupported Content-Encoding {header!r} from {url}", url=url)
        self.coding = codings[0] if codings else None
        self.url = url
        self._zlib: Any = None

    def decode(self, data: bytes, allowance: int) -> bytes:
        out = data
        if self.coding is not None:
            try:
                out = self._inflate(data, allowance)
            except zlib.error as exc:
                raise FetchError(
                    f"Corrupt {self.coding} body from {self.url}: {exc}", url=self.url
                ) from None
        if len(out) > allowance:
            raise _too_large(self.url)
        return out

    def finish(self) -> None:
        """Raise :class:`FetchError` if the body ended inside a compressed stream."""
        if self._zlib is not None and not self._zlib.eof:
            raise FetchError(
                f"The {self.coding} body from {self.url} is truncated: it ends before its "
                "compressed data does.",
                url=self.url,
            )

    def _inflate(self, data: bytes, allowance: int) -> bytes:
        out = bytearray()
        while data and len(out) <= allowance:
            if self._zlib is not None and self._zlib.eof:
                if self.coding == "deflate":
                    break  # one stream only; what follows it is ignored
                data = data.lstrip(b"\0")
                if not data:
                    break
                self._zlib = None
            if self._zlib is None:
                self._zlib = zlib.decompressobj(self._wbits(data))
            # One byte over the allowance is enough to know the cap is exceeded.
            out += self._zlib.decompress(data, allowance + 1 - len(out))
            data = self._zlib.unused_data if self._zlib.eof else b""
        return bytes(out)

    def _wbits(self, first: bytes) -> int:
        if self.coding != "deflate":
            return zlib.MAX_WBITS | 16
        # "deflate" should be zlib-wrapped (RFC 9110), but some servers send a raw stream.
        wrapped = len(first) >= 2 and first[0] & 0x0F == 8 and (first[0] << 8 | first[1]) % 31 == 0
        return zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS


class _DeadlineStream(httpcore.NetworkStream):
    """A socket stream whose every operation gets at most the fetch's remaining time."""

    def __init__(self, inner: httpcore.NetworkStream, deadline: float) -> None:
        self._inner = inner
        self._deadline = deadline

    def _budget(self, timeout: float | None, error: type[Exception]) -> float:
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise error("total fetch time exceeded")
        return remaining if timeout is None else min(timeout, remaining)

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._budget(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._budget(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        budget = self._budget(timeout, httpcore.ConnectTimeout)
        inner = self._inner.start_tls(ssl_context, server_hostname, budget)
        return _DeadlineStream(inner, self._deadline)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _VettingBackend(httpcore.NetworkBackend):
    """Resolve, vet and connect in one step, so the vetted address is the connected one."""

    def __init__(self, policy: FetchPolicy, deadline: float) -> None:
        self._policy = policy
        self._deadline = deadline
        self._sockets = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        literal = literal_address(host)
        candidates = [str(literal)] if literal else self._policy.resolver(host, port)
        addresses = [ipaddress.ip_address(a.partition("%")[0]) for a in candidates]
        if not addresses:
            raise FetchError(f"{host} has no addresses", host=host)
        refused = [a for a in addresses if not self._policy.address_allowed(host, a)]
        if refused:
            # Refuse the host outright rather than skipping to its public addresses: mixing
            # one public and one internal answer is the shape of a rebinding attack.
            raise self._policy.refusal(host, refused[0])
        error: Exception | None = None
        for address in addresses:
            remaining = self._deadline - time.monotonic()
            if remaining <= 0:
                raise httpcore.ConnectTimeout("total fetch time exceeded")
            try:
                stream = self._sockets.connect_tcp(
                    str(address),
                    port,
                    timeout=remaining if timeout is None else min(timeout, remaining),
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
                continue
            return _DeadlineStream(stream, self._deadline)
        assert error is not None
        raise error

    def sleep(self, seconds: float) -> None:
        self._sockets.sleep(seconds)


@cache
def _ssl_context() -> ssl.SSLContext:
    # httpx's own default trust store, built once: loading it costs milliseconds per fetch.
    return httpx.create_ssl_context()


# httpcore raises its own exception types; httpx's public ones are what callers expect.
_EXCEPTIONS: tuple[tuple[type[Exception], type[httpx.HTTPError]], ...] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.ProtocolError, httpx.ProtocolError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
)


def _translate(exc: Exception) -> Exception:
    for source, target in _EXCEPTIONS:
        if isinstance(exc, source):
            return target(str(exc) or type(exc).__name__)
    return exc


class _CoreStream(httpx.SyncByteStream):
    def __init__(self, stream: Iterable[bytes]) -> None:
        self._stream = stream

    def __iter__(self) -> Iterator[bytes]:
        try:
            yield from self._stream
        except Exception as exc:
            translated = _translate(exc)
            if translated is exc:
                raise
            raise translated from exc

    def close(self) -> None:
        close = getattr(self._stream, "close", None)
        if close is not None:
            close()


class _VettingTransport(httpx.BaseTransport):
    """httpx transport over an httpcore pool that connects only through the vetting backend."""

    def __init__(self, policy: FetchPolicy, deadline: float) -> None:
        self._pool = httpcore.ConnectionPool(
            ssl_context=_ssl_context(),
            network_backend=_VettingBackend(policy, deadline),
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        try:
            core_response = self._pool.handle_request(core_request)
        except Exception as exc:
            translated = _translate(exc)
            if translated is exc:
                raise
            raise translated from exc
        return httpx.Response(
            status_code=core_response.status,
            headers=core_response.headers,
            stream=_CoreStream(core_response.stream),  # type: ignore[arg-type]
            extensions=core_response.extensions,
        )

    def close(self) -> None:
        self._pool.close()
