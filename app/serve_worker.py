"""The workers ``planner serve`` runs: gunicorn's, answering in problem+json, and the gthread one
with a time limit on client sockets.

gunicorn answers the requests it refuses before the app sees them (past its limits, or not
HTTP/1.x) with an HTML page, and an error that escaped the app likewise; here they get
problem+json, worded as ``planner run`` words the same refusals (app.server_refusals).

A request whose body could not be read to its end (broken chunks, a client gone silent) leaves
the connection where no one knows the next request starts: the answer says Connection: close and
the connection closes. gunicorn 27 closes it too, but after saying keep-alive; gunicorn 23 read
what followed the broken chunk as the next request and answered that too.

gunicorn has no read timeout of its own once it has started reading a request, so a client
that sends half a request and stops holds a thread until it goes away; here it holds it for
PLANNER_CLIENT_TIMEOUT seconds without a byte (``cfg.planner_client_timeout``, set by
app.serving).
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable, Iterable, Iterator
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


WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class ClosesAfterBrokenBodies:
    """A worker closing the connection after a request whose body could not be read."""

    wsgi: WSGIApp

    def load_wsgi(self) -> None:
        super().load_wsgi()  # type: ignore[misc]
        self.wsgi = closing_after_broken_bodies(self.wsgi)


def closing_after_broken_bodies(app: WSGIApp) -> WSGIApp:
    def serve(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        body = environ["wsgi.input"] = WatchedBody(environ["wsgi.input"])

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            if body.failed:
                # gunicorn's start_response is its Response's, which has sent nothing yet.
                start_response.__self__.force_close()  # type: ignore[attr-defined]
            return start_response(status, headers, exc_info)

        return app(environ, start)

    return serve


class WatchedBody:
    """gunicorn's request body, noting whether a read of it raised."""

    def __init__(self, body: Any) -> None:
        self.body = body
        self.failed = False

    def read(self, size: int | None = None) -> bytes:
        return self._watched(self.body.read, size)

    def readline(self, size: int | None = None) -> bytes:
        return self._watched(self.body.readline, size)

    def readlines(self, hint: int | None = None) -> list[bytes]:
        return self._watched(self.body.readlines, hint)

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.readline, b"")

    def _watched(self, read: Callable[[Any], Any], argument: int | None) -> Any:
        try:
            return read(argument)
        except Exception:
            self.failed = True
            raise


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


class SyncWorker(ProblemErrors, ClosesAfterBrokenBodies, sync.SyncWorker):
    """gunicorn's sync worker, answering its errors in problem+json."""


class ThreadWorker(ProblemErrors, ClosesAfterBrokenBodies, gthread.ThreadWorker):
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
