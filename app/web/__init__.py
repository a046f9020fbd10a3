"""Server-rendered pages for reps: plain HTML forms over the same domain functions as the API.

No front-end framework and no build step: every page works without JavaScript, and
``static/web.js`` only adds conveniences such as copy-to-clipboard.
"""

from __future__ import annotations

from flask import Flask, current_app

from app.web import (
    audience_pages,
    calendar_pages,
    contact_pages,
    feed_pages,
    formatting,
    forms,
    import_pages,
    labels,
    once,
    pages,
    post_forms,
    reps,
    security,
    sharing,
    suggestion_pages,
    team_pages,
)
from app.web.blueprint import blp

# Importing a page module adds its routes to blp.
PAGE_MODULES = (
    audience_pages,
    calendar_pages,
    contact_pages,
    feed_pages,
    import_pages,
    pages,
    post_forms,
    suggestion_pages,
    team_pages,
)


def init_app(app: Flask) -> None:
    security.init_app(app)
    formatting.init_app(app)
    forms.init_app(app)
    once.init_app(app)
    reps.init_app(app)
    sharing.init_app(app)
    labels.init_app(app)
    app.register_blueprint(blp)
    # "favicon" is in app.principal.PUBLIC_ENDPOINTS.
    app.add_url_rule("/favicon.ico", "favicon", _favicon)


def _favicon():
    """Browsers ask for /favicon.ico before (or without) reading the page's icon link."""
    return current_app.send_static_file("favicon.ico")
