"""Flask delivery for Value Planner: HTTP API, CLI and web pages over the domain."""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    from app import (
        api,
        auth,
        cli,
        db,
        feed_jobs,
        ratelimits,
        security,
        settings,
        telemetry,
        web,
    )

    app = Flask(__name__, instance_relative_config=True)
    app.config.update(settings.load(app.instance_path, overrides or {}))
    app.json.sort_keys = False
    if proxies := app.config["PROXY_FIX"]:
        # Trust X-Forwarded-For/-Proto/-Host from this many proxies in front, and no more, so
        # clients cannot pose as another address or scheme by sending those headers themselves.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    telemetry.init_app(app)
    security.init_app(app)  # refuses oversized or unparseable bodies before anything else
    db.init_app(app)
    feed_jobs.init_app(app)
    api.init_app(app)
    ratelimits.init_app(app)  # before auth: a blocked address gets no answer about its token
    auth.init_app(app)
    web.init_app(app)
    cli.init_app(app)
    return app
