"""``create_app``: the Flask app with its settings, database, API, web pages and telemetry."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, request
from werkzeug.middleware.proxy_fix import ProxyFix

from app import (
    api,
    auth,
    db,
    feed_jobs,
    ics,
    ids,
    ratelimits,
    refused_asks,
    security,
    server_refusals,
    settings,
    suggestion_lists,
    telemetry,
    web,
)
from feeds import semantic


class PlannerFlask(Flask):
    def make_default_options_response(self) -> Response:
        """OPTIONS says what the route allows in its Allow header and nothing else: a 204, not
        Flask's empty text/html 200 among the API's JSON answers. No CORS: no preflight to serve."""
        response = super().make_default_options_response()
        response.status_code = 204
        del response.headers["Content-Type"]
        return response


def _answer_options() -> Response | None:
    """OPTIONS on any route is the 204 above for any member, whatever the id (docs/api.md):
    answered before every blueprint's hooks, whose admins-only checks are for what routes do."""
    automatic = getattr(request.url_rule, "provide_automatic_options", False)
    if request.method == "OPTIONS" and automatic:
        return current_app.make_default_options_response()
    return None  # an unknown path or method is still routing's 404 or 405


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    app = PlannerFlask("app", instance_path=settings.instance_path(), instance_relative_config=True)
    app.config.update(settings.load(app.instance_path, overrides or {}))
    semantic.configure(app.config["SEMANTIC_RANKING"])  # process-wide, as the model is
    app.json.sort_keys = False
    # A doubled slash is an unknown path (a problem document), not werkzeug's HTML redirect.
    app.url_map.merge_slashes = False
    # Before any route is added: every id in a path (API, pages, calendars) is a row id.
    app.url_map.converters["int"] = ids.RowIdConverter
    if proxies := app.config["PROXY_FIX"]:
        # Trust X-Forwarded-For/-Proto/-Host from this many proxies in front, and no more, so
        # clients cannot pose as another address or scheme by sending those headers themselves.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    telemetry.init_app(app)
    security.init_app(app)  # refuses oversized requests before anything else
    server_refusals.init_app(app)  # a body its server could not read: 400, connection closed
    db.init_app(app)
    refused_asks.init_app(app)
    feed_jobs.init_app(app)
    ics.init_app(app)
    suggestion_lists.init_app(app)
    api.init_app(app)
    ratelimits.init_app(app)  # before auth: a blocked address gets no answer about its token
    auth.init_app(app)
    security.init_body_guard(app)  # what a body says is for authenticated callers only
    web.init_app(app)
    # The app's last hook: after authentication and the guards, before any blueprint's.
    app.before_request(_answer_options)
    return app
