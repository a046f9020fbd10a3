"""Liveness with a database round trip, for load balancers and operators."""

from __future__ import annotations

from flask import current_app
from marshmallow import Schema, fields
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.api.spec import Blueprint
from app.db import session
from app.settings import rate_limit_warning

blp = Blueprint("health", __name__, description="Service health")


class HealthSchema(Schema):
    status = fields.String(metadata={"example": "ok"})
    database = fields.String(metadata={"example": "reachable"})
    warnings = fields.List(
        fields.String(),
        metadata={"description": "Configuration that works but not as documented, e.g. rate "
                  "limits counted per worker process."},
    )  # fmt: skip


@blp.route("/healthz")
@blp.doc(security=[])
@blp.response(200, HealthSchema)
@blp.alt_response(503, schema=HealthSchema, description="The database is unreachable")
def healthz():
    config = current_app.config
    found = rate_limit_warning(config["RATELIMIT_STORAGE_URI"], config.get("SERVE_WORKERS", 1))
    warnings = [found] if found else []
    try:
        session().execute(text("SELECT 1"))
    except SQLAlchemyError:
        return {"status": "degraded", "database": "unreachable", "warnings": warnings}, 503
    return {"status": "ok", "database": "reachable", "warnings": warnings}
