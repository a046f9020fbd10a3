"""Form errors keyed by input name, from schema validation or the domain, to show by each field."""

from __future__ import annotations

from collections.abc import Mapping

from marshmallow import ValidationError

from app.problems import flatten_validation
from core.errors import InvalidValue


def field_errors(
    error: ValidationError | InvalidValue, inputs: Mapping[str, str] | None = None
) -> dict[str, str]:
    """``{input name: first message}``; ``inputs`` renames domain fields to the form's inputs."""
    if isinstance(error, InvalidValue):
        found = [{"field": error.field, "message": error.message}]
    else:
        found = flatten_validation({"form": error.messages})
    errors: dict[str, str] = {}
    for entry in found:
        errors.setdefault((inputs or {}).get(entry["field"], entry["field"]), entry["message"])
    return errors
