"""The request handler ``planner run`` serves with: Werkzeug's, answering in problem+json, like
every other error, the requests Python's http.server refuses before Flask sees them.

http.server's own answer is an HTML page whose status line echoes the request, and for a request
line it cannot read no status line at all (it takes the client for an HTTP/0.9 one).
"""

from __future__ import annotations

from http import HTTPStatus

from werkzeug.serving import WSGIRequestHandler

from app.problems import PROBLEM_JSON, problem_document
from app.server_refusals import Limits, Refusal

# http.server's fixed limits (http.client's _MAXLINE and _MAXHEADERS): past them it refuses.
LIMITS = Limits(line_bytes=65536, field_bytes=65536, fields=100)

# Every 400 http.server sends comes from the request line: one word, four, a version that is
# not HTTP/x.y, HTTP/0.9 but for GET.
REFUSALS = {
    400: Refusal.REQUEST_LINE,
    414: Refusal.LINE_TOO_LONG,
    431: Refusal.HEADERS_TOO_LARGE,
    505: Refusal.VERSION,
}


class ProblemRequestHandler(WSGIRequestHandler):
    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # http.server's reason for the refusal, with the request's words, goes to the log only.
        message = message or HTTPStatus(code).phrase
        self.log_error("code %d, message %s", code, message)
        if self.request_version == "HTTP/0.9":
            # Still the default when the request line could not be read: answer with a status
            # line and headers, which any client that sent such a line can read.
            self.request_version = self.protocol_version
        refusal = REFUSALS.get(code)
        data = refusal.document(LIMITS) if refusal else problem_document(code, message).encode()
        self.send_response(code)  # the status's own reason phrase, not the request echoed
        self.send_header("Connection", "close")
        self.send_header("Content-Type", PROBLEM_JSON)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
