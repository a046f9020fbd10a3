"""How the API is documented: flask-smorest's Api and Blueprint, shaped for client generators."""

from __future__ import annotations

import functools
import http
import re
from collections.abc import Callable
from typing import Any

import flask_smorest
from apispec import BasePlugin
from apispec.ext.marshmallow.common import resolve_schema_cls
from flask import request, url_for
from flask.views import MethodView
from flask_smorest import Api as SmorestApi
from flask_smorest.utils import prepare_response
from marshmallow import Schema, fields

from app import problems
from app.schemas.common import Instant


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


VERBS = {"get": "get", "post": "create", "patch": "update", "put": "replace", "delete": "delete"}


def operation_id(endpoint: str, method: str, view: Any) -> str:
    """A readable, stable operationId from the view, so generated clients get ``list_audiences``
    and ``create_post``, and a new view gets one without anyone thinking of it.

    A MethodView ``FooById`` gives get_foo, update_foo, delete_foo; a collection (a plural name
    with a POST) list_foos and create_foo; any other one get_/create_/update_/delete_ and its
    snake-cased name. A function view keeps its name, prefixed with get_ for a GET.
    """
    name = re.sub(r"(?<!^)(?=[A-Z])", "_", endpoint).lower()
    if not (isinstance(view, type) and issubclass(view, MethodView)):
        verb_first = method != "get" or name.startswith(("get_", "list_", "export_"))
        return name if verb_first else f"get_{name}"
    if name.endswith("_by_id"):
        return f"{VERBS[method]}_{name.removesuffix('_by_id')}"
    if name.endswith("s") and "POST" in (view.methods or ()):
        if method == "get":
            return f"list_{name}"
        name = re.sub(r"(ch|sh|x|ss)es$", r"\1", name).removesuffix("s")
    return f"{VERBS[method]}_{name}"


def request_schema(schema: type[Schema] | Schema) -> Schema:
    """The body a request may send: the schema without its read-only fields, which generated
    clients would otherwise ask for (they ignore ``readOnly``), documented under its own name
    when it differs from the answer's; its integers strict, as JSON has them, where
    marshmallow would take 2.5 for 2; a wrong type for an object answered with its fields."""
    instance = schema() if isinstance(schema, type) else schema
    read_only = {name for name, field in instance.fields.items() if field.dump_only}
    if read_only:
        instance = type(instance)(
            exclude=(*instance.exclude, *read_only),
            partial=instance.partial,
            unknown=instance.unknown,
        )
        instance.is_request = True
    _tighten(instance)
    return instance


def _tighten(schema: Schema) -> None:
    """Strict integers, and a wrong type (a string for an object) answered with the shape."""
    expected = f"Must be an object with: {', '.join(schema.fields)}."
    schema.error_messages = {**schema.error_messages, "type": expected}
    for field in schema.fields.values():
        inner = field.inner if isinstance(field, fields.List) else field
        if isinstance(inner, fields.Integer):
            inner.strict = True
        elif isinstance(inner, fields.Nested):
            _tighten(inner.schema)


# The header every 201 Created carries (Blueprint.created).
LOCATION = {
    "Location": {
        "description": "Where the new resource is: its path under /api/v1 (and the query, "
        "where one picks the resource), which the same token can GET.",
        "schema": {"type": "string", "format": "uri-reference"},
    }
}


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint, documenting operations the way client generators read them:
    each has an operationId (``@blp.doc(operationId=...)`` still wins) and request bodies carry
    no read-only fields. Every API blueprint is one of these."""

    def _store_endpoint_docs(self, endpoint, obj, parameters, tags, **options) -> None:
        super()._store_endpoint_docs(endpoint, obj, parameters, tags, **options)
        for method, doc in self._docs[endpoint].items():
            if method != "parameters":
                manual = doc.setdefault("manual_doc", {})
                manual.setdefault("operationId", operation_id(endpoint, method, obj))

    def arguments(self, schema, *, location: str = "json", **kwargs: Any) -> Callable:
        if location == "json":
            schema = request_schema(schema)
        return super().arguments(schema, location=location, **kwargs)

    def created(self, schema: Any, at: str, *, query: tuple[str, ...] = (), **ids: str) -> Callable:
        """``@blp.response(201, schema)`` with the new resource's URL in ``Location`` (RFC 9110
        10.2.2): the route ``at``, each of its ``ids`` the answer's field of that name
        (``touch_id="id"``), so every create says it the same way and none can forget.
        ``query``: the request's query arguments that pick the resource at that route, kept as
        sent (``owner=all``: the team's subscription, where the route alone is the caller's)."""

        def decorate(view: Callable) -> Callable:
            answer = self.response(201, schema, headers=LOCATION)(view)

            @functools.wraps(answer)
            def with_location(*args: Any, **kwargs: Any) -> Any:
                response = answer(*args, **kwargs)
                body = response.get_json()
                values = {name: body[field] for name, field in ids.items()}
                picked = {name: request.args[name] for name in query if name in request.args}
                response.headers["Location"] = url_for(at, **values, **picked)
                return response

            return with_location

        return decorate


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
    """Name partial (PATCH) and request schemas apart from their full twins in the document."""
    name = resolve_schema_cls(schema).__name__.removesuffix("Schema")
    if isinstance(schema, Schema) and schema.partial:
        return name + "Patch"
    return name + "Input" if getattr(schema, "is_request", False) else name


def document_field(
    _converter: Any, field: fields.Field, ret: dict[str, Any], **_: Any
) -> dict[str, Any]:
    """apispec attribute function: how generated clients should read a field.

    An instant taken as text (read in a known zone when it has no offset) is a ``date-time``,
    which is what answers give and what clients send. A nullable nested object is ``allOf``
    its schema and nullable, instead of apispec's ``anyOf`` with an untyped object, which
    clients type as a bare dict. A PATCH schema has no defaults: clients would send them.
    """
    if isinstance(field, Instant):
        ret["format"] = "date-time"
    if getattr(field.parent, "partial", False):
        ret.pop("default", None)  # a PATCH leaves out what it does not change
    any_of = ret.get("anyOf", [])
    untyped_null = {"type": "object", "nullable": True}
    if untyped_null in any_of:
        ret.pop("anyOf")
        ret["allOf"] = [choice for choice in any_of if choice != untyped_null]
        ret["nullable"] = True
    return {}
