"""The workers ``planner serve`` runs: gunicorn's, answering in problem+json, and the gthread one
with a time limit on client sockets.

gunicorn answers the requests it refuses before the app sees them (past its limits, or not
HTTP/1.x) with an HTML page, and an error that escaped the app likewise; here they get
problem+json, worded as ``planner run`` words the same refusals (app.server_refusals).

gunicorn has no read timeout of its own once it has started reading a request, so a client
that sends half a request and stops holds a thread until it goes away; here it holds it for
PLANNER_CLIENT_TIMEOUT seconds without a byte (``cfg.planner_client_timeout``, set by
app.serving).
"""

from __future__ import annotations

import logging
import socket
from http import HTTPStatus
from typing import Any

from gunicorn import util
from gunicorn.http import errors
from gunicorn.workers import gthread, sync

from app.problems import PROBLEM_JSON
from app.server_refusals import Limits, Refusal

# gunicorn.http.errors' classes by name (gunicorn 23 lacks some of them). A class not named is
# answered as its nearest named parent: any other ParseException is UNREADABLE.
REFUSALS = {
    "LimitRequestLine": Refusal.LINE_TOO_LONG,
    "LimitRequestHeaders": Refusal.HEADERS_TOO_LARGE,
    "InvalidRequestLine": Refusal.REQUEST_LINE,
    "InvalidRequestMethod": Refusal.REQUEST_LINE,
    "InvalidHeader": Refusal.HEADER,
    "InvalidHeaderName": Refusal.HEADER,
    "ObsoleteFolding": Refusal.HEADER,
    "InvalidSchemeHeaders": Refusal.HEADER,
    "InvalidChunkSize": Refusal.CHUNKED,
    "ChunkMissingTerminator": Refusal.CHUNKED,
    "InvalidChunkExtension": Refusal.CHUNKED,
    "UnsupportedTransferCoding": Refusal.TRANSFER_CODING,
    "ExpectationFailed": Refusal.EXPECTATION,
    # The app's fault or ours, not the client's: a header the app sent, the proxy settings.
    "InvalidResponseHeader": Refusal.UNEXPECTED,
    "InvalidResponseHeaderName": Refusal.UNEXPECTED,
    "ConfigurationProblem": Refusal.UNEXPECTED,
    "ParseException": Refusal.UNREADABLE,
}


def refusal_of(error: BaseException) -> Refusal:
    """What the client is told; UNEXPECTED for anything but a request gunicorn could not read."""
    if isinstance(error, errors.InvalidHTTPVersion):
        # A well-formed HTTP/x.y outside 1.x comes as (x, y); anything else as the text sent.
        return Refusal.VERSION if isinstance(error.version, tuple) else Refusal.REQUEST_LINE
    for kind in type(error).__mro__:
        if kind.__module__ == errors.__name__ and kind.__name__ in REFUSALS:
            return REFUSALS[kind.__name__]
    return Refusal.UNEXPECTED


class ProblemErrors:
    """gunicorn's Worker.handle_error, answering in problem+json instead of its HTML page."""

    cfg: Any
    log: Any

    def handle_error(self, req: Any, client: socket.socket, addr: Any, exc: BaseException) -> None:
        refusal = refusal_of(exc)
        # gunicorn's own log lines: the client's fault a warning, anything else with its traceback.
        if refusal is Refusal.UNEXPECTED:
            self.log.exception("Error handling request %s", getattr(req, "uri", "(no URI read)"))
        else:
            self.log.warning("Invalid request from ip=%s: %s", (addr or ("",))[0], exc)
        limits = Limits(
            line_bytes=self.cfg.limit_request_line,
            field_bytes=self.cfg.limit_request_field_size,
            fields=self.cfg.limit_request_fields,
        )
        body = refusal.document(limits)
        head = (
            f"HTTP/1.1 {refusal.status} {HTTPStatus(refusal.status).phrase}\r\n"
            f"Connection: close\r\nContent-Type: {PROBLEM_JSON}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        try:
            # As gunicorn writes its page: without waiting on a client that does not read.
            util.write_nonblock(client, head.encode("latin-1") + body)
        except Exception:
            self.log.debug("Failed to send error message.")


class ClientTimeouts(logging.Filter):
    """One line for a client that went silent, instead of gunicorn's error and traceback: a
    slow-client attack would otherwise fill the log with them."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], TimeoutError):
            record.levelno, record.levelname = logging.INFO, "INFO"
            record.msg, record.args, record.exc_info = (
                "Closed a silent client's connection",
                (),
                None,
            )
        return True


class SyncWorker(ProblemErrors, sync.SyncWorker):
    """gunicorn's sync worker, answering its errors in problem+json."""


class ThreadWorker(ProblemErrors, gthread.ThreadWorker):
    """gunicorn's gthread worker, answering its errors in problem+json, with a time limit on each
    read and write of a client socket."""

    def init_process(self) -> None:
        self.log.error_log.addFilter(ClientTimeouts())
        super().init_process()

    def enqueue_req(self, conn: gthread.TConn) -> None:
        if type(conn) is gthread.TConn:  # made by accept(), which names the class itself
            conn.__class__ = TimedConnection
        super().enqueue_req(conn)


class TimedConnection(gthread.TConn):
    def init(self) -> None:
        # The worker thread makes the socket blocking (no timeout) before each request; init()
        # runs right after, so the limit holds for every request of a kept-alive connection.
        super().init()
        self.sock.settimeout(self.cfg.planner_client_timeout)
