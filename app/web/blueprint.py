"""The ``web`` blueprint the page modules add their routes to, with its CSRF check and errors."""

from __future__ import annotations

from flask import Blueprint, render_template
from werkzeug.exceptions import HTTPException

from app.web.security import check_csrf
from core.errors import Forbidden, NotFound

BLUEPRINT = "web"
blp = Blueprint(BLUEPRINT, __name__)
blp.before_request(check_csrf)


@blp.errorhandler(NotFound)
def _not_found(_error: NotFound):
    # The same answer for "no such id" and "another workspace's id", as in the API.
    return render_template("web/error.html", status=404, message="There is nothing here."), 404


@blp.errorhandler(Forbidden)
def _forbidden(error: Forbidden):
    # Says who can, as the API's 403 does (accounts_db.require_admin names the admins).
    return render_template("web/error.html", status=403, message=error.detail), 403


@blp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    status = error.code or 500
    return render_template("web/error.html", status=status, message=error.description), status
