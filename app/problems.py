"""One error format for every 4xx and 5xx: RFC 9457 ``application/problem+json``."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from flask import Flask, Response, has_request_context, request
from marshmallow import Schema, fields
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from app import metrics
from core.db import driver_message, is_unavailable
from core.errors import DomainError
from schedules.refusals import RuleViolation

PROBLEM_JSON = "application/problem+json"
# How long a client should wait before retrying while the database is away: long enough for a
# restart or a failover, short enough that nobody gives up on a blip.
DATABASE_RETRY_AFTER_SECONDS = 5
# A bug's answer; the traceback goes to the log only.
UNEXPECTED_DETAIL = "Something went wrong on our side; it has been logged."
log = logging.getLogger(__name__)


class FieldErrorSchema(Schema):
    field = fields.String(metadata={"description": "Dotted path of the failing field."})
    location = fields.String(metadata={"description": "json, query, path, headers, form or files."})
    message = fields.String()


class ProblemSchema(Schema):
    type = fields.String(metadata={"description": "about:blank or /problems/<slug>."})
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    errors = fields.List(fields.Nested(FieldErrorSchema), required=False)


class AdminOnlyProblemSchema(ProblemSchema):
    admins = fields.List(
        fields.String(),
        metadata={"description": "The emails of the workspace's active admins, who can."},
    )


class FeedConflictProblemSchema(ProblemSchema):
    url = fields.String(
        metadata={"description": "The feed already followed, as stored: the URL sent, normalised."}
    )


class RuleViolationSchema(Schema):
    post_id = fields.Integer(allow_none=True, metadata={"description": "Null for the new ask."})
    scheduled_at = fields.DateTime()
    gives_counted = fields.Integer()
    gives_required = fields.Integer()
    previous_ask_at = fields.DateTime(allow_none=True)
    min_days_between_asks = fields.Integer()
    earliest_allowed_at = fields.DateTime(
        allow_none=True,
        metadata={
            "description": "The first time from now this ask could move to and pass, leaving "
            "the next ask covered; null when no date would (see no_date_reason)."
        },
    )
    gives_lookback_days = fields.Integer(
        metadata={"description": "Gives count toward an ask only this many days before it."}
    )
    no_date_reason = fields.String(allow_none=True)


class GiveBeforeAskProblemSchema(ProblemSchema):
    violations = fields.List(fields.Nested(RuleViolationSchema))


class UnmetConditionSchema(Schema):
    condition = fields.String(
        metadata={"description": "connected, days_after_connect, touches or days_between_asks."}
    )
    detail = fields.String()
    satisfied_on = fields.DateTime(
        allow_none=True, metadata={"description": "The first time the condition holds, if known."}
    )
    touches_needed = fields.Integer(
        allow_none=True, metadata={"description": "More touches the ask needs where it is."}
    )
    contact_id = fields.Integer()
    post_id = fields.Integer(allow_none=True, metadata={"description": "Null for the new ask."})
    scheduled_at = fields.DateTime()


class RelationshipProblemSchema(ProblemSchema):
    conditions = fields.List(fields.Nested(UnmetConditionSchema))
    violations = fields.List(
        fields.Nested(RuleViolationSchema),
        metadata={"description": "Present when the audience rule refuses the ask too."},
    )


def problem(
    status: int, detail: str, *, slug: str | None = None, title: str | None = None, **extra: Any
) -> Response:
    body = problem_document(status, detail, slug=slug, title=title, **extra)
    return Response(body, status=status, mimetype=PROBLEM_JSON)


def problem_document(
    status: int, detail: str, *, slug: str | None = None, title: str | None = None, **extra: Any
) -> str:
    """The problem's JSON, also for the servers' answers to requests they refuse before Flask
    sees them (app.server_refusals)."""
    body = {
        "type": f"/problems/{slug}" if slug else "about:blank",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        **{k: v for k, v in extra.items() if v is not None},
    }
    return json.dumps(body, default=_iso)


def _iso(value: object) -> str:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


UNREADABLE_NAME = "A form field's name cannot be read."
# Errors named in one answer: a body of thousands of unknown fields would otherwise be answered
# at several times its size, naming each.
MAX_LISTED_ERRORS = 20


def flatten_validation(messages: dict[str, Any]) -> list[dict[str, str]]:
    """webargs nests messages as {location: {field: [...] or {...}}}; clients want a flat list."""
    found: list[dict[str, str]] = []

    def walk(location: str, path: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                if key is None:  # werkzeug's key for a form part whose name it cannot read
                    found.append({"field": path or location, "location": location,
                                  "message": UNREADABLE_NAME})  # fmt: skip
                    continue
                # marshmallow files whole-object errors under _schema: they belong to the object.
                inner_path = path if key == "_schema" else f"{path}.{key}" if path else str(key)
                walk(location, inner_path, inner)
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            found.extend({"field": path, "location": location, "message": m} for m in value)
        elif isinstance(value, list):
            for index, inner in enumerate(value):
                walk(location, f"{path}.{index}", inner)
        else:
            found.append({"field": path, "location": location, "message": str(value)})

    for location, per_field in messages.items():
        walk(location, "", per_field)
    return found


def from_http_exception(error: HTTPException) -> Response:
    if error.response is not None:  # already a problem, e.g. the rate limiter's 429
        return error.response
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    errors = flatten_validation(data["messages"]) if "messages" in data else None
    if errors:
        listed = errors[:MAX_LISTED_ERRORS]
        detail = " ".join(f"{e['field'] or e['location']}: {e['message']}" for e in listed)
        if len(errors) > len(listed):
            detail += f" ({len(errors) - len(listed)} more not listed.)"
        response = problem(status, detail, slug="validation-error", title="Invalid request",
                           errors=listed)  # fmt: skip
    else:
        response = problem(status, data.get("message") or error.description or "")
    for name, value in (data.get("headers") or {}).items():
        response.headers[name] = value
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def from_domain_error(error: DomainError) -> Response:
    # Counted here, where every refusal is answered, so the domain stays free of metrics.
    if isinstance(error, RuleViolation):
        metrics.ASKS_REFUSED.inc()
    extra = error.extra
    if isinstance(extra.get("errors"), list):
        extra = {**extra, "errors": [_located(e) for e in extra["errors"]]}
    return problem(error.status, error.detail, slug=error.slug, title=error.title, **extra)


def _located(entry: dict[str, Any]) -> dict[str, Any]:
    """A domain refusal's error with the part of the request that carried its field, as a
    validation error says it: the domain names fields, only the request knows where they were."""
    if "location" in entry or not has_request_context():
        return entry
    name = str(entry.get("field", "")).split(".")[0]
    if name in (request.view_args or {}):
        location = "path"
    elif name in request.args:
        location = "query"
    elif name in request.files:
        location = "files"
    elif name in request.form:
        location = "form"
    elif name in _json_fields():
        location = "json"
    else:  # a field the request did not send, such as one a concurrent change moved
        return entry
    return {**entry, "location": location}


def _json_fields() -> Any:
    body = request.get_json(silent=True) if request.is_json else None
    return body if isinstance(body, dict) else {}


def from_database_error(error: SQLAlchemyError) -> Response:
    """503 problem+json with Retry-After while the database is away; any other database error
    is a bug."""
    return when_database_away(
        error,
        lambda: problem(
            503,
            "The database is unavailable at the moment; retry shortly.",
            slug="database-unavailable",
            title="Service unavailable",
        ),
    )


def when_database_away(error: SQLAlchemyError, answer: Callable[[], Response]) -> Response:
    """``answer()`` (a 503) with Retry-After while the database is away; a 500 for any other
    database error, which is a bug.

    Each request checks a connection out of the pool (pinged first on PostgreSQL), so the
    service recovers by itself on the first request after the database is back.
    """
    if not is_unavailable(error):
        return from_unexpected(error)
    # The driver's message only: SQLAlchemy's text would add the statement's parameters.
    log.warning("database unavailable: %s", driver_message(error))
    response = answer()
    response.headers["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
    return response


def from_unexpected(error: Exception) -> Response:
    log.exception("unhandled error", exc_info=error)
    return problem(500, UNEXPECTED_DETAIL)


def init_app(app: Flask) -> None:
    app.register_error_handler(DomainError, from_domain_error)
    app.register_error_handler(HTTPException, from_http_exception)
    app.register_error_handler(SQLAlchemyError, from_database_error)
    app.register_error_handler(Exception, from_unexpected)
