"""The gthread worker ``planner serve`` runs: gunicorn's, with a time limit on client sockets.

gunicorn has no read timeout of its own once it has started reading a request, so a client
that sends half a request and stops holds a thread until it goes away; here it holds it for
PLANNER_CLIENT_TIMEOUT seconds without a byte (``cfg.planner_client_timeout``, set by
app.serving).
"""

from __future__ import annotations

import logging

from gunicorn.workers import gthread


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


class ThreadWorker(gthread.ThreadWorker):
    """gunicorn's gthread worker with a time limit on each read and write of a client socket."""

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
