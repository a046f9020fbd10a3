"""Liveness with a database round trip, for load balancers and operators."""

from __future__ import annotations

from marshmallow import Schema, fields
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.api import Blueprint
from app.db import session

blp = Blueprint("health", __name__, description="Service health")


class HealthSchema(Schema):
    status = fields.String(metadata={"example": "ok"})
    database = fields.String(metadata={"example": "reachable"})


@blp.route("/healthz")
@blp.doc(security=[])
@blp.response(200, HealthSchema)
@blp.alt_response(503, schema=HealthSchema, description="The database is unreachable")
def healthz():
    try:
        session().execute(text("SELECT 1"))
    except SQLAlchemyError:
        return {"status": "degraded", "database": "unreachable"}, 503
    return {"status": "ok", "database": "reachable"}
