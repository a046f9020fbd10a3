"""App-wide defences that no view should have to remember: response headers and request guards.

Headers: every response forbids framing, MIME sniffing and referrer leaks, and carries a
Content-Security-Policy without inline script. JSON answers get ``default-src 'none'`` (a
browser has nothing to load for them); HTML pages, /docs included (Swagger UI's files are
served from this origin, app/api/__init__.py), may load only this origin's files.

Guards, before authentication or any database work: a path and query over ``MAX_URL_BYTES`` is
a 414 and a header line over ``MAX_HEADER_BYTES`` a 431 (limits gunicorn enforced itself, in
HTML, until ``planner serve`` raised its own); a body over ``MAX_CONTENT_LENGTH`` is a 413
without being read (the import pages say so on their form, once the sender is signed in).
Then, once the caller is authenticated and the route and method exist (a 401, 404 or 405 says
nothing about the body): a body with a Content-Encoding is a 415, as it
is not decompressed (the size limits hold for the bytes read; a small gzip can expand a
thousandfold); an API write that reads a JSON
body and is sent another type is a 415 (it would otherwise be read as "no fields" and a PATCH
would answer 200 having changed nothing); JSON that Python
cannot take apart safely (nesting deep enough to exhaust the stack, integers longer than
CPython converts) is a 400, and text the databases cannot store (NUL, lone surrogates) is a
422 naming the field, where it would otherwise fail deep in the driver as a 500. A body sent to
a write that reads none (a dismissal, a refresh) is a 422 too, as an unknown field is, whatever
its type and malformed JSON included; no body or ``{}`` is what such a write takes. A query
parameter an API route does not declare is a 422 naming it, as an unknown body field is: a typo
(``?audience=`` for ``?audience_id=``) would otherwise widen the answer without a word; and so
is one sent twice that does not take a list, as a JSON key sent twice is.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from functools import cache
from itertools import islice
from typing import Any

from flask import Flask, Response, current_app, request
from marshmallow import INCLUDE
from webargs.multidictproxy import MultiDictProxy
from werkzeug.exceptions import NotFound, UnprocessableEntity

from app.problems import MAX_LISTED_ERRORS, problem
from schedules.contacts import importing

MAX_BODY_BYTES = 1024 * 1024
# gunicorn's own defaults (its request line also counts the method and version), so nothing it
# used to accept is refused now.
MAX_URL_BYTES = 8190
MAX_HEADER_BYTES = 8190
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
SENT_TWICE = "Sent twice: send each field once."
# API writes whose body is a file, not JSON: OPML subscription lists (multipart or raw XML),
# contacts files (LinkedIn's Connections.csv).
NON_JSON_ENDPOINTS = frozenset({"feeds.import_opml", "contacts.import_contacts"})
# A rep's whole LinkedIn network in one upload, as the command line takes it.
UPLOAD_BODY_BYTES = {
    "contacts.import_contacts": importing.MAX_FILE_BYTES,
    "web.import_contacts": importing.MAX_FILE_BYTES,
}
# Import pages that refuse a file over their bound on their own form (app/web/import_pages.py),
# once the sender is signed in: the body is still never read, as werkzeug raises the 413 where
# the form is first read.
PAGE_UPLOADS = frozenset({"web.import_contacts", "web.import_feeds"})

_LOCKED_DOWN = ("frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'")
API_POLICY = "; ".join(("default-src 'none'", *_LOCKED_DOWN))
PAGE_POLICY = "; ".join(
    ("default-src 'self'", "img-src 'self' data:", "object-src 'none'", *_LOCKED_DOWN)
)
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


def _security_headers(response: Response) -> Response:
    policy = PAGE_POLICY if response.mimetype == "text/html" else API_POLICY
    response.headers.setdefault("Content-Security-Policy", policy)
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def _invalid(location: str, refused: dict[str, str], lead: str = "", tail: str = "") -> Response:
    """A 422 naming each refused field (``""``: the whole body) with its reason, at most
    MAX_LISTED_ERRORS of them, as the views' validation answers. The detail says each field and
    reason, or, for fields refused for one reason, ``lead``, their names and ``tail``."""
    listed = dict(islice(refused.items(), MAX_LISTED_ERRORS))
    errors = [{"field": f, "location": location, "message": m} for f, m in listed.items()]
    if lead:
        detail = lead + ", ".join(listed)
    else:
        detail = " ".join(f"{f}: {m}" if f else m for f, m in listed.items())
    if len(refused) > len(listed):
        detail += f" ({len(refused) - len(listed)} more not listed)"
    return problem(
        422, detail + tail, slug="validation-error", title="Invalid request", errors=errors
    )


def _too_large(limit: int) -> Response:
    return problem(413, f"Request bodies are limited to {limit} bytes.")


def _unstorable(value: Any, path: str = "") -> tuple[str, str] | None:
    """The first string (or key) in a JSON document that no database column can hold."""
    if isinstance(value, str):
        if "\x00" in value:
            return path, "NUL characters are not allowed."
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return path, "Not valid Unicode text (a lone surrogate escape)."
        return None
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = ((str(index), item) for index, item in enumerate(value))
    else:
        return None
    for key, item in items:
        where = f"{path}.{key}" if path else str(key)
        found = _unstorable(key, where) or _unstorable(item, where)
        if found:
            return found
    return None


def _raw_target() -> str:
    """The path and query as the client sent them, before decoding: RAW_URI, which gunicorn,
    werkzeug's server and its test client all set; the decoded ones where a server does not."""
    return request.environ.get("RAW_URI") or request.full_path


def _oversized_head() -> Response | None:
    if len(_raw_target()) > MAX_URL_BYTES:
        return problem(414, f"The path and query string are limited to {MAX_URL_BYTES} bytes.")
    for name, value in request.headers.items():
        if len(name) + len(value) + 2 > MAX_HEADER_BYTES:
            detail = f"Header {name} is over the {MAX_HEADER_BYTES} bytes a header line may have."
            return problem(431, detail)
    return None


def _api_body() -> bytes | None:
    """The body of an API write, read once and kept (form parsing and webargs read this copy);
    None for other requests."""
    if request.method not in BODY_METHODS or not request.path.startswith("/api/"):
        return None
    return request.get_data(cache=True)


def _guard_request() -> Response | None:
    """Limits checked before authentication, so that no one can make the service read or
    store more than it accepts."""
    if found := _oversized_head():
        return found
    if _ENCODED_SLASH in _raw_target().split("?", 1)[0].lower():
        raise NotFound(ENCODED_SLASH_IN_ADDRESS)
    if request.endpoint in UPLOAD_BODY_BYTES:
        request.max_content_length = max(
            request.max_content_length or 0, UPLOAD_BODY_BYTES[request.endpoint]
        )
    limit = request.max_content_length
    over = limit is not None and (request.content_length or 0) > limit
    if over and request.endpoint not in PAGE_UPLOADS:
        return _too_large(limit)
    for name, value in request.args.items(multi=True):
        if "\x00" in name or "\x00" in value:
            raise _nul_in_query(name)
    body = _api_body()
    # A chunked body has no length to check up front, and werkzeug stops reading it at the
    # limit without complaint: one byte more in the raw stream means it was cut short.
    cut = body is not None and limit is not None and len(body) >= limit
    return _too_large(limit) if cut and request.input_stream.read(1) else None


# The server decodes the path before routing, so "1%2Fratio" would reach the "1/ratio" route:
# an encoded slash belongs to one segment, and no segment of ours holds a slash.
_ENCODED_SLASH = "%2f"
ENCODED_SLASH_IN_ADDRESS = (
    "This address holds an encoded slash (%2F) in its path, which no page or resource has."
)


NUL_IN_ADDRESS = (
    "This address holds a NUL character (%00), which no page takes: remove it and try again."
)


def _nul_in_query(name: str) -> UnprocessableEntity:
    """Raised, not returned, so that the error handlers answer it as any other error: a page's
    HTML error page (the description), the API's validation problem naming the field."""
    error = UnprocessableEntity(NUL_IN_ADDRESS)
    error.data = {"messages": {"query": {name: ["NUL characters are not allowed."]}}}
    return error


def _guard_query() -> Response | None:
    """Query parameters an API route does not take, or takes once and was sent several times
    (webargs would read the first), checked after authentication and routing (an unknown path
    is a 404, a wrong method a 405); pages, /healthz and /ics/ subscriptions, which calendar
    apps may poll with cache-busting parameters, are not API clients."""
    if not request.args or not request.path.startswith("/api/") or request.method == "OPTIONS":
        return None
    if request.routing_exception is not None:
        return None
    method = "GET" if request.method == "HEAD" else request.method
    declared = _query_names(request.endpoint, method)
    if declared is None:
        return None
    taken, lists = declared
    sent = dict.fromkeys(request.args)
    if unknown := [name for name in sent if name not in taken]:
        takes = f" This route takes: {', '.join(sorted(taken))}." if taken else ""
        lead = f"Unknown query parameter{'s' if len(unknown) > 1 else ''}: "
        refused = dict.fromkeys(unknown, f"Unknown parameter.{takes}")
        return _invalid("query", refused, lead, tail=f".{takes}")
    # As a JSON key sent twice: the client and the service could each read another value.
    repeated = [name for name in sent if name not in lists and len(request.args.getlist(name)) > 1]
    twice = dict.fromkeys(repeated, "Sent twice: send each parameter once.")
    return _invalid("query", twice) if twice else None


def _guard_body() -> Response | None:
    """What an API write's body says, checked after authentication: a caller without a valid
    token hears 401 (or the failed-token limit's 429), not how a request should be shaped; and
    only where a route takes the method: otherwise the view's dispatch answers 404 or 405."""
    body = _api_body()
    if body is None or request.routing_exception is not None:
        return None
    if _encoded():
        response = problem(415, "Send the body uncompressed, without a Content-Encoding header "
                                "(or with 'Content-Encoding: identity').")  # fmt: skip
        response.headers["Accept-Encoding"] = "identity"  # RFC 9110 15.5.16
        return response
    if not body and request.method == "PATCH":
        # Every PATCH takes a JSON object of the fields to change; none at all is a mistake.
        return _invalid("json", {"": "Send a JSON object with the fields to change."})
    if request.endpoint in NON_JSON_ENDPOINTS:
        return _repeated_part() if body else None
    if not body:
        return None
    if not _takes_body(request.endpoint, request.method):
        # As an unknown field is refused, not ignored; {} (no fields) is what some clients send.
        if _loads_quietly(body) != {}:
            return _invalid("json", {"": "This request takes no body: send none, or {}."})
        return None
    if not request.is_json:
        return problem(415, "Send the body as JSON with 'Content-Type: application/json'.")
    # JSON between systems is UTF-8 without a byte order mark (RFC 8259): json.loads would also
    # take a BOM or UTF-16 from bytes, which the views' parser then refuses under another name.
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is None or text.startswith("\ufeff"):
        return problem(400, "Send the JSON body as UTF-8, without a byte order mark.",
                       slug="invalid-json")  # fmt: skip
    try:
        document = json.loads(
            text, object_pairs_hook=_object_of_unique_keys, parse_int=_integer_of_bounded_length
        )
    except _RepeatedKey as repeated:
        return _invalid("json", {repeated.key: SENT_TWICE})
    except RecursionError:
        return problem(400, "The JSON body is nested too deeply.", slug="invalid-json")
    except _LongInteger as error:
        return problem(400, str(error), slug="invalid-json")
    except ValueError as error:  # JSONDecodeError
        return problem(400, f"The body is not valid JSON: {error}", slug="invalid-json")
    found = _unstorable(document)
    return _invalid("json", dict([found])) if found else None


def _repeated_part() -> Response | None:
    """An upload's form field or file sent twice, refused as a JSON key sent twice is: the
    views read the first, which may not be the one the client meant."""
    if request.mimetype != "multipart/form-data":
        return None
    for location, parts in (("form", request.form), ("files", request.files)):
        for name, values in parts.lists():
            if name is not None and len(values) > 1:  # no name: the view's refusal says so
                return _invalid(location, {name: SENT_TWICE})
    return None


# Where @blp.arguments reads a view's fields: flask-smorest keeps it under the parameter's "in"
# (location="json" by default); "query", "path" and "headers" are not the body.
BODY_LOCATIONS = frozenset({"json", "form", "files", "json_or_form"})


@cache
def _takes_body(endpoint: str | None, method: str) -> bool:
    """Whether the view has fields to read from the body; unknown endpoints say yes (they
    answer 404 or 405 later)."""
    view = current_app.view_functions.get(endpoint)  # type: ignore[arg-type]
    if view is None:
        return True
    view = getattr(getattr(view, "view_class", None), method.lower(), view)
    parameters = getattr(view, "_apidoc", {}).get("arguments", {}).get("parameters", [])
    return any(p.get("in") in BODY_LOCATIONS for p in parameters)


QUERY_LOCATIONS = frozenset({"query", "querystring"})


@cache
def _query_names(endpoint: str | None, method: str) -> tuple[frozenset[str], frozenset[str]] | None:
    """The query parameters the view reads, as sent (a field's data_key where it has one): its
    @blp.arguments(..., location="query") schemas; paging is one of those (PageQuerySchema's
    limit and offset), there is no @blp.paginate. Then those of them that take a list, one
    value per repeat (as webargs reads them). None (take anything) for an endpoint without a
    view, or a schema that keeps unknown fields (unknown=INCLUDE)."""
    view = current_app.view_functions.get(endpoint)  # type: ignore[arg-type]
    if view is None:
        return None
    view = getattr(getattr(view, "view_class", None), method.lower(), view)
    parameters = getattr(view, "_apidoc", {}).get("arguments", {}).get("parameters", [])
    names: set[str] = set()
    lists: set[str] = set()
    for parameter in parameters:
        if parameter.get("in") not in QUERY_LOCATIONS:
            continue
        schema = parameter["schema"]
        schema = schema() if isinstance(schema, type) else schema
        if schema.unknown == INCLUDE:
            return None
        names.update(
            field.data_key or name for name, field in schema.fields.items() if not field.dump_only
        )
        lists.update(MultiDictProxy({}, schema).multiple_keys)
    return frozenset(names), frozenset(lists)


class _RepeatedKey(ValueError):
    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def _object_of_unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object, refused when it names a key twice: RFC 8259 leaves which one counts to
    the parser, so the client and the service could each read a different value."""
    document = dict(pairs)
    if len(document) < len(pairs):
        raise _RepeatedKey(next(k for k, n in Counter(k for k, _ in pairs).items() if n > 1))
    return document


def _encoded() -> bool:
    """Whether the body carries a content coding other than identity (gzip, deflate, br...)."""
    codings = request.headers.get("Content-Encoding", "").split(",")
    return any(c.strip().lower() not in ("", "identity") for c in codings)


class _LongInteger(ValueError):
    pass


def _integer_of_bounded_length(digits: str) -> int:
    """int() with the client's wording where CPython would refuse the conversion and advise
    raising its limit (sys.set_int_max_str_digits), which is no advice for a client."""
    limit = sys.get_int_max_str_digits()
    if limit and len(digits.lstrip("-")) > limit:
        raise _LongInteger(f"A number in the body has more than {limit} digits.")
    return int(digits)


def _loads_quietly(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return None


def init_app(app: Flask) -> None:
    """Register first, so these run before authentication and any database work."""
    if app.config.get("MAX_CONTENT_LENGTH") is None:  # Flask's default is "no limit"
        app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.before_request(_guard_request)
    app.after_request(_security_headers)


def init_body_guard(app: Flask) -> None:
    """Register right after authentication (app.auth): the query, then the body."""
    app.before_request(_guard_query)
    app.before_request(_guard_body)
