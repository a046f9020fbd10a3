"""The REST API: flask-smorest generates the OpenAPI document from these blueprints."""

from __future__ import annotations

import http
from collections.abc import Callable
from typing import Any

from apispec import BasePlugin
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec.ext.marshmallow.common import resolve_schema_cls
from flask import Flask
from flask_smorest import Api as SmorestApi
from flask_smorest import Blueprint
from flask_smorest.utils import prepare_response
from marshmallow import Schema

from app import problems
from app.api.common import RowIdConverter

ERROR_STATUSES = (401, 404, 409, 413, 422, 429)
SWAGGER_UI_ORIGIN = "https://cdn.jsdelivr.net"
SWAGGER_UI_URL = f"{SWAGGER_UI_ORIGIN}/npm/swagger-ui-dist@5.35.0/"


class Api(SmorestApi):
    """flask-smorest with problem+json as the documented and the actual error format."""

    ERROR_SCHEMA = problems.ProblemSchema

    def _register_error_handlers(self) -> None:
        problems.init_app(self._app)

    def _register_responses(self) -> None:
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            content_type = self.DEFAULT_RESPONSE_CONTENT_TYPE
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
                content_type = problems.PROBLEM_JSON
            prepare_response(response, self.spec, content_type)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Unexpected error", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, problems.PROBLEM_JSON)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


# Refusals that come from app-wide hooks rather than from a view (app/security.py, app/auth.py,
# app/ratelimits.py, the database error handler), so every operation can give them.
EVERY_OPERATION_ERRORS = (413, 422)
AUTHENTICATED_OPERATION_ERRORS = (401, 429, 503)
BODY_OPERATION_ERRORS = (415,)
BODY_METHODS = ("post", "put", "patch")


class AppWideErrorsPlugin(BasePlugin):
    """Documents the app-wide refusals on every operation, including ones added later.

    A view cannot forget them (nor a test find an undocumented 413 or 503 first), and a view's
    own description of the same status, if it gives one, is kept.
    """

    def operation_helper(self, path=None, operations=None, **kwargs: Any) -> None:
        for method, operation in (operations or {}).items():
            statuses = list(EVERY_OPERATION_ERRORS)
            if operation.get("security") != []:
                statuses += AUTHENTICATED_OPERATION_ERRORS
            if method in BODY_METHODS:
                statuses += BODY_OPERATION_ERRORS
            responses = operation.setdefault("responses", {})
            for status in statuses:
                responses.setdefault(str(status), http.HTTPStatus(status).name)


def documents_errors(blp: Blueprint, *statuses: int) -> Callable:
    """Document the problem responses an operation can give, besides 401 which all can.

    Only the operation's own ones (404, 409) need naming: AppWideErrorsPlugin adds the rest.
    """

    def decorate(view: Callable) -> Callable:
        for status in sorted({401, 429, *statuses}, reverse=True):
            name = http.HTTPStatus(status).name
            view = blp.alt_response(status, response=name)(view)
        return view

    return decorate


def schema_name(schema: type[Schema] | Schema) -> str:
    """Name partial (PATCH) schemas apart from their full twins in the document."""
    name = resolve_schema_cls(schema).__name__.removesuffix("Schema")
    return name + "Patch" if isinstance(schema, Schema) and schema.partial else name


def init_app(app: Flask) -> None:
    from app.api.articles.routes import blp as articles
    from app.api.audiences.routes import blp as audiences
    from app.api.calendar.routes import blp as calendar
    from app.api.contacts.routes import blp as contacts
    from app.api.feeds.routes import blp as feeds
    from app.api.health import blp as health
    from app.api.posts.routes import blp as posts
    from app.api.suggestions.routes import blp as suggestions

    app.url_map.converters["int"] = RowIdConverter
    app.config.update(
        API_TITLE="Value Planner",
        API_VERSION="1.0.0",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="/docs",
        # One exact version: templates/swagger_ui.html pins these files' SRI hashes.
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
    api = Api(
        app,
        spec_kwargs={
            "marshmallow_plugin": MarshmallowPlugin(schema_name_resolver=schema_name),
            "extra_plugins": [AppWideErrorsPlugin()],
        },
    )
    app.extensions["planner_api"] = api
    for blueprint in (health, audiences, posts, calendar, contacts, feeds, articles, suggestions):
        api.register_blueprint(blueprint)
