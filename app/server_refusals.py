"""What ``planner serve`` (gunicorn, app.serve_worker) and ``planner run`` (http.server,
app.dev_server) answer to a request their HTTP server refuses before Flask sees it: a
problem+json document, worded alike by both, each with its own limits.

The detail says what the request must be, never the request's own words (those go to the log).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import Enum

from app.problems import UNEXPECTED_DETAIL, problem_document


@dataclass(frozen=True)
class Limits:
    """A server's ceilings, which the details name."""

    line_bytes: int
    field_bytes: int
    fields: int


class Refusal(Enum):
    """A kind of refusal: its status and its detail, ``{name}`` naming one of the Limits."""

    # Said as the app says its own 414 and 431 (app.security).
    LINE_TOO_LONG = 414, "The request line is limited to {line_bytes} bytes."
    HEADERS_TOO_LARGE = (
        431,
        "A header line is limited to {field_bytes} bytes, and a request to {fields} headers.",
    )
    REQUEST_LINE = (
        400,
        "The request line is not a method, a target and an HTTP/1.x version "
        "(GET /healthz HTTP/1.1).",
    )
    VERSION = 505, "Only HTTP/1.0 and HTTP/1.1 are served."
    HEADER = (
        400,
        "A header line is not a name, a colon and a value HTTP allows, or Content-Length and "
        "Transfer-Encoding do not give the body's length one way.",
    )
    CHUNKED = 400, "The body is not the chunks its Transfer-Encoding: chunked announces."
    TRANSFER_CODING = (
        501,
        "A request body's Transfer-Encoding can only be chunked (after gzip, deflate or "
        "compress, if any).",
    )
    EXPECTATION = 417, "The only expectation served is Expect: 100-continue."
    UNREADABLE = 400, "The request is not HTTP/1.x that this server can read."
    UNEXPECTED = 500, UNEXPECTED_DETAIL

    def __init__(self, status: int, detail: str) -> None:
        self.status = status
        self.detail = detail

    def document(self, limits: Limits) -> bytes:
        return problem_document(self.status, self.detail.format(**asdict(limits))).encode()
