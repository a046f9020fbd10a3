"""Refusals raised by the feed package.

They derive from :mod:`core.errors` so the delivery layer maps them like any other domain
error; the fetch-side ones carry a distinct slug so an operator can tell a dead feed from a
refused address or a hostile document without reading messages.
"""

from __future__ import annotations

from core.errors import DomainError


class FetchError(DomainError):
    """The feed could not be fetched; the scheduler backs off and retries later."""

    status = 502
    slug = "feed-fetch-failed"
    title = "Feed could not be fetched"


class BlockedAddress(FetchError):
    """The URL points somewhere the server must not connect to (SSRF guard)."""

    status = 422
    slug = "feed-address-refused"
    title = "Feed address refused"


class FetchTimeout(FetchError):
    status = 504
    slug = "feed-timeout"
    title = "Feed took too long"


class BodyTooLarge(FetchError):
    slug = "feed-too-large"
    title = "Feed too large"


class HTTPStatusError(FetchError):
    """The server answered with a status the fetcher has no special meaning for."""

    slug = "feed-http-error"
    title = "Feed server returned an error"

    def __init__(self, status_code: int, url: str) -> None:
        super().__init__(f"HTTP {status_code} from {url}", status_code=status_code, url=url)
        self.status_code = status_code


class UnsafeXML(DomainError):
    """The document declares entities; parsing it could exhaust memory or read local files."""

    status = 422
    slug = "feed-unsafe-xml"
    title = "Document refused"


class ParseError(DomainError):
    status = 422
    slug = "feed-unparseable"
    title = "Not a feed"
