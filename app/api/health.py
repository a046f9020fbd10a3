"""Liveness with a database round trip, for load balancers and operators."""

from __future__ import annotations

import logging

from flask import current_app
from marshmallow import Schema, fields
from sqlalchemy.exc import SQLAlchemyError

from app.api.spec import Blueprint
from app.db import session
from app.problems import DATABASE_RETRY_AFTER_SECONDS
from app.settings import rate_limit_warning
from core import dialects, migrations
from core.db import driver_message

log = logging.getLogger(__name__)
blp = Blueprint("health", __name__, description="Service health")


class HealthSchema(Schema):
    status = fields.String(metadata={"example": "ok", "description": "ok or degraded."})
    database = fields.String(
        metadata={
            "example": "reachable",
            "description": "reachable; unreachable; unmigrated (the schema is not this "
            "version's); read-only (reads work, every write is refused with 503).",
        }
    )
    detail = fields.String(
        metadata={"description": "When degraded: what is wrong, for the operator to fix."}
    )
    warnings = fields.List(
        fields.String(),
        metadata={"description": "Configuration that works but not as documented, e.g. rate "
                  "limits counted per worker process."},
    )  # fmt: skip


@blp.route("/healthz")
@blp.doc(security=[])
@blp.response(200, HealthSchema)
@blp.alt_response(
    503,
    schema=HealthSchema,
    description="The database is unreachable, unmigrated or read-only; with Retry-After.",
)
def healthz():
    config = current_app.config
    found = rate_limit_warning(config["RATELIMIT_STORAGE_URI"], config.get("SERVE_WORKERS", 1))
    warnings = [found] if found else []
    state, detail = _database()
    if detail is None:
        return {"status": "ok", "database": state, "warnings": warnings}
    body = {"status": "degraded", "database": state, "detail": detail, "warnings": warnings}
    return body, 503, {"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)}


def _database() -> tuple[str, str | None]:
    """The database's state, and what is wrong with it (None when nothing is). The driver's
    words go to the log only: this answer is public, and they can name hosts and paths."""
    try:
        connection = session().connection()
        schema = migrations.schema_problem(connection)  # the round trip, reading the file
        read_only = dialects.of(connection).read_only(connection.connection.dbapi_connection)
    except SQLAlchemyError as error:
        log.warning("health check: database unreachable: %s", driver_message(error))
        return "unreachable", "The database cannot be reached."
    if schema is not None:
        log.warning("health check: %s", schema.detail)
        return "unmigrated", schema.public
    if read_only:
        return "read-only", (
            "The database can be read but not written: check the SQLite file's permissions, "
            "attributes and mount, or whether PostgreSQL is a standby or read-only."
        )
    return "reachable", None
