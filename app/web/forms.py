"""Form errors keyed by input name, from schema validation or the domain, to show by each field."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from flask import Flask, request
from marshmallow import ValidationError

from app.problems import flatten_validation
from core import emails
from core.errors import InvalidValue
from schedules import models

# The models' lengths, as the inputs' maxlength (``limits.POST_TITLE_MAX`` in templates).
FORM_LIMITS = (
    "POST_TITLE_MAX",
    "CONTACT_NAME_MAX",
    "CONTACT_COMPANY_MAX",
    "CONTACT_TITLE_MAX",
    "REQUEST_NOTE_MAX",
    "AUDIENCE_NAME_MAX",
    "AUDIENCE_DESCRIPTION_MAX",
)
# An email address's is RFC 5321's, which the API checks, not its wider column's (320).
LIMITS = {name: getattr(models, name) for name in FORM_LIMITS} | {
    "EMAIL_ADDRESS_MAX": emails.ADDRESS_MAX
}


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


def typed(names: Iterable[str]) -> dict[str, str]:
    """The posted form's inputs, stripped; a missing one is blank."""
    return {name: request.form.get(name, "").strip() for name in names}


def clean(values: Mapping[str, str]) -> Mapping[str, str]:
    """``values``, once none holds a NUL character (no database column stores one)."""
    for name, value in values.items():
        if "\x00" in value:
            raise InvalidValue(name, "NUL characters are not allowed.")
    return values


def init_app(app: Flask) -> None:
    app.jinja_env.globals["limits"] = LIMITS
