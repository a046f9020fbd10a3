"""The ``web`` blueprint the page modules add their routes to, with its CSRF check and errors."""

from __future__ import annotations

from functools import cache

from flask import Blueprint, Response, current_app, make_response, render_template, request
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map

from app.problems import from_http_exception, when_database_away
from app.web.security import SAFE_METHODS, check_csrf
from core.errors import Forbidden, NotFound

BLUEPRINT = "web"
blp = Blueprint(BLUEPRINT, __name__)
blp.before_request(check_csrf)


# The same answer for "no such id", "another workspace's id" (as in the API) and an address
# no route takes, such as /contacts/abc.
NOTHING_HERE = "There is nothing here."
# What each error page says it is, in a heading a person understands; by status.
ERROR_TITLES = {
    400: "Not valid",
    403: "Not allowed",
    404: "Not found",
    405: "Not possible here",
    413: "Too large",
    414: "Address too long",
    422: "Not valid",
    429: "Too many attempts",
    431: "Too large",
    503: "Busy for a moment",
}


@blp.errorhandler(NotFound)
def _not_found(_error: NotFound):
    return error_page(404, NOTHING_HERE)


@blp.errorhandler(Forbidden)
def _forbidden(error: Forbidden):
    # Says who can, as the API's 403 does (accounts_db.require_admin names the admins).
    return error_page(403, error.detail)


@blp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    # Werkzeug's 404 wording speaks of "the requested URL" and spelling: the site's own instead.
    message = NOTHING_HERE if error.code == 404 else error.description
    return error_page(error.code or 500, message)


@blp.app_errorhandler(404)
@blp.app_errorhandler(405)
def _unrouted(error: HTTPException):
    """A URL no route takes (``/audiences//1``: slashes are not merged, app/factory.py) or a
    method it does not: the pages' own 404 or 405 for a browser at a page's address, a problem
    document for any client that does not ask for HTML and at every machine address (the API,
    /healthz, /ics/..., /metrics, /docs), whatever Accept says. Registered on the app, so it
    sees 404s raised in views too."""
    if request.blueprint == BLUEPRINT or (_page_address() and _wants_page()):
        return _http_error(error)
    return from_http_exception(error)


def _page_address() -> bool:
    """Whether the request is at a page's address: routed, when the route is a page; unrouted
    (a 405 has no route either), when no other route shares its first path segment."""
    if request.url_rule is not None:
        return request.blueprint == BLUEPRINT
    # request.path, whose leading slashes werkzeug has already collapsed to one.
    return _first_segment(request.path) not in _machine_segments(current_app.url_map)


def _first_segment(path: str) -> str:
    return path.lstrip("/").split("/", 1)[0]


@cache
def _machine_segments(url_map: Map) -> frozenset[str]:
    """The first path segments of every route that is not a page: api, healthz, ics, metrics,
    docs, openapi.json, static... A new machine route is covered without being listed."""
    return frozenset(
        _first_segment(rule.rule)
        for rule in url_map.iter_rules()
        if not rule.endpoint.startswith(f"{BLUEPRINT}.")
    )


def _wants_page() -> bool:
    offered = ("application/problem+json", "application/json", "text/html")
    return request.accept_mimetypes.best_match(offered) == "text/html"


@blp.errorhandler(SQLAlchemyError)
def _database_error(error: SQLAlchemyError):
    # A page, not the API's problem+json, which a browser shows as raw text; the form the
    # person filled in is one Back away (browsers keep its fields), so the page says so.
    if request.method in SAFE_METHODS:
        message = "This page could not be loaded just now. Reload it in a few seconds."
    else:
        message = (
            "Nothing was saved. Go back with your browser's Back button to keep what you "
            "typed, and send it again in a few seconds."
        )

    return when_database_away(error, lambda: error_page(503, message))


def error_page(status: int, message: str) -> Response:
    fallback = "Not possible" if status < 500 else "Something went wrong"
    title = ERROR_TITLES.get(status, fallback)
    page = render_template("web/error.html", title=title, message=message)
    return make_response(page, status)
