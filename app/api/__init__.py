"""The REST API: flask-smorest generates the OpenAPI document from these blueprints."""

from __future__ import annotations

import importlib.util

import flask
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask

from app.api.articles.routes import blp as articles
from app.api.audiences.routes import blp as audiences
from app.api.calendar.routes import blp as calendar
from app.api.contacts.routes import blp as contacts
from app.api.feeds.routes import blp as feeds
from app.api.health import blp as health
from app.api.posts.routes import blp as posts
from app.api.spec import Api, AppWideErrorsPlugin, document_field, schema_name
from app.api.suggestions.routes import blp as suggestions
from app.api.team.routes import blp as team
from app.api.users.routes import blp as users
from app.api.webhooks.routes import blp as webhooks

BLUEPRINTS = (
    health,
    audiences,
    posts,
    calendar,
    contacts,
    feeds,
    articles,
    suggestions,
    users,
    team,
    webhooks,
)
SWAGGER_UI_URL = "/docs/swagger-ui/"
SWAGGER_UI_ASSETS = "swagger_ui"


def init_app(app: Flask) -> None:
    app.config.update(
        API_TITLE="Value Planner",
        API_VERSION="1.0.0",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="/docs",
        OPENAPI_SWAGGER_UI_URL=SWAGGER_UI_URL,
        API_SPEC_OPTIONS={
            "info": {
                "description": "Give before you ask: audience calendars and the "
                "give-before-ask rule for B2B social selling.",
            },
            "security": [{"bearerAuth": []}],
            "components": {
                "securitySchemes": {
                    "bearerAuth": {"type": "http", "scheme": "bearer"},
                }
            },
        },
    )
    marshmallow_plugin = MarshmallowPlugin(schema_name_resolver=schema_name)
    api = Api(
        app,
        spec_kwargs={
            "marshmallow_plugin": marshmallow_plugin,
            "extra_plugins": [AppWideErrorsPlugin()],
        },
    )
    marshmallow_plugin.converter.add_attribute_function(document_field)
    app.extensions["planner_api"] = api
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)
    app.register_blueprint(_swagger_ui_assets())
    app.after_request(_no_type_without_content)


def _no_type_without_content(response: flask.Response) -> flask.Response:
    """A 204 has no body, so nothing to type (flask-smorest labels its empty one JSON)."""
    if response.status_code == 204:
        response.headers.pop("Content-Type", None)
    return response


def _swagger_ui_assets() -> flask.Blueprint:
    """Swagger UI's files from the pinned flask-swagger-ui package, so /docs works offline.

    Only its ``dist/`` folder is used (its own page has inline script, which the CSP forbids);
    find_spec locates it without importing the package, which reads its metadata at import.
    """
    spec = importlib.util.find_spec("flask_swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("/docs needs the flask-swagger-ui package: pip install -e .")
    dist = f"{spec.submodule_search_locations[0]}/dist"
    return flask.Blueprint(
        SWAGGER_UI_ASSETS, __name__, static_folder=dist, static_url_path=SWAGGER_UI_URL.rstrip("/")
    )
