"""What ``planner serve`` (gunicorn, app.serve_worker) and ``planner run`` (http.server,
app.dev_server) answer to a request their HTTP server refuses before Flask sees it: a
problem+json document, worded alike by both, each with its own limits.

A body is read while the app runs, so its server's error reading one whose chunked encoding is
broken comes up through the app, which answers it as the same refusal (``init_app``).

The detail says what the request must be, never the request's own words (those go to the log).
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from enum import Enum

from flask import Flask, Response, request
from gunicorn.http.errors import ParseException
from werkzeug.exceptions import ClientDisconnected

from app.problems import UNEXPECTED_DETAIL, problem, problem_document

log = logging.getLogger(__name__)


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


def init_app(app: Flask) -> None:
    """A body its server could not read to its end, met while the app reads it: a 400, in
    problem+json for a page's form too, and a warning in the log, not a bug's 500 and traceback.
    Both servers close the connection after it (app.serve_worker says why under gunicorn)."""
    # gunicorn's chunked reader raises its parse errors into the app; werkzeug turns a stream
    # that failed (the dev server's chunks, a body cut off) into ClientDisconnected.
    app.register_error_handler(ParseException, _unreadable_body)
    app.register_error_handler(ClientDisconnected, _unreadable_body)


def _unreadable_body(error: Exception) -> Response:
    if "chunked" in request.headers.get("Transfer-Encoding", "").lower():
        reason, detail = "its chunked encoding is broken", Refusal.CHUNKED.detail
    else:  # shorter than its Content-Length, or it stopped arriving: werkzeug's words as before
        reason, detail = "it was cut short", ClientDisconnected.description
    # werkzeug raises ClientDisconnected while handling the stream's error, which says what broke.
    cause = error.__context__ if isinstance(error, ClientDisconnected) else error
    log.warning("Refused a request body from ip=%s: %s (%r)", request.remote_addr, reason, cause)
    return problem(400, detail)
