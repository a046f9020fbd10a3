"""Server-rendered pages for reps: plain HTML forms over the same domain functions as the API.

No front-end framework and no build step: every page works without JavaScript, and
``static/web.js`` only adds conveniences such as copy-to-clipboard.
"""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, render_template
from werkzeug.exceptions import HTTPException

from core.errors import NotFound

BLUEPRINT = "web"
FAVICON_ENDPOINT = "favicon"
blp = Blueprint(BLUEPRINT, __name__)


def init_app(app: Flask) -> None:
    from app.web import (
        calendar_pages,
        contact_pages,
        feed_pages,
        formatting,
        forms,
        pages,
        post_forms,
        security,
        suggestion_pages,
    )

    assert (
        calendar_pages
        and contact_pages
        and feed_pages
        and pages
        and post_forms
        and suggestion_pages
    )  # join blp
    security.init_app(app)
    formatting.init_app(app)
    forms.init_app(app)
    app.register_blueprint(blp)
    app.add_url_rule("/favicon.ico", FAVICON_ENDPOINT, _favicon)


def _favicon():
    """Browsers ask for /favicon.ico before (or without) reading the page's icon link."""
    return current_app.send_static_file("favicon.ico")


@blp.before_request
def _check_csrf() -> None:
    from app.web.security import check_csrf

    check_csrf()


@blp.errorhandler(NotFound)
def _not_found(_error: NotFound):
    # The same answer for "no such id" and "another workspace's id", as in the API.
    return render_template("web/error.html", status=404, message="There is nothing here."), 404


@blp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    status = error.code or 500
    return render_template("web/error.html", status=status, message=error.description), status
