"""Fields and schemas shared by several resources."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from core import emails
from core.accounts_db import ALL_REPS
from core.db import MAX_ROW_ID, row_id
from core.errors import InvalidValue
from schedules import utm

MAX_PAGE_SIZE = 200


class WholeNumber(fields.Integer):
    """An integer that may come as text (a query string): the digits 0-9 and nothing else.
    int() also reads other digits (full-width 1, U+0661), a sign, spaces and underscores
    ("1_0" is 10), as a path's ``<int:...>`` does not (app.ids). JSON bodies send numbers
    (app.api.spec makes their integers strict)."""

    default_error_messages = {"digits": "Must be a whole number written with the digits 0-9."}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and not self.strict and not (value.isascii() and value.isdigit()):
            raise self.make_error("digits")
        return super()._deserialize(value, attr, data, **kwargs)


class RowId(WholeNumber):
    """An id given in a query or a body, bounded like ``<int:...>`` in paths: an unbounded one
    overflows PostgreSQL's INTEGER in the lookup (a 500) instead of failing validation."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("validate", validate.Range(1, MAX_ROW_ID))
        super().__init__(**kwargs)


def _deliverable(address: str) -> None:
    if problem := emails.length_problem(address):
        raise ValidationError(problem)


class EmailAddress(fields.Email):
    """An email address (users, invites, contacts) within RFC 5321's lengths: 64 bytes before
    the @ and 254 in all; marshmallow's own check takes a local part of any length."""

    def __init__(self, **kwargs: Any) -> None:
        # Documented in characters; checked in bytes, as the RFC counts (one message, not two).
        kwargs["metadata"] = {"maxLength": emails.ADDRESS_MAX, **kwargs.get("metadata", {})}
        super().__init__(**kwargs)
        self.validators.append(_deliverable)


class Owner(fields.Field):
    """Whose rows a query reads: a rep's user id, or ``all`` for the whole team (admins)."""

    default_error_messages = {"invalid": "Must be a user id or 'all'."}

    def _deserialize(self, value, attr, data, **kwargs):
        text = str(value).strip()
        if text == ALL_REPS:
            return ALL_REPS
        if (user_id := row_id(text)) is None:
            raise self.make_error("invalid")
        return user_id

    def _serialize(self, value, attr, obj, **kwargs):
        return value


class OwnerQuerySchema(Schema):
    owner = Owner(
        metadata={
            "description": "Whose posts, contacts or calendar: the caller's own by default; "
            "admins may name another rep by user id, or the whole team with all, where the "
            "operation allows it (a subscription is the caller's own or the team's, a ratio "
            "one rep's).",
            "oneOf": [{"type": "integer"}, {"type": "string", "enum": [ALL_REPS]}],
        }
    )


class PageQuerySchema(Schema):
    limit = WholeNumber(load_default=50, validate=validate.Range(1, MAX_PAGE_SIZE))
    offset = WholeNumber(load_default=0, validate=validate.Range(0, 10_000_000))


class RangeQuerySchema(Schema):
    start = fields.String(
        data_key="from",
        metadata={"description": "ISO 8601 date or date-time; without offset, audience time."},
    )
    end = fields.String(
        data_key="to",
        metadata={"description": "ISO 8601 date or date-time, exclusive; audience time if naive."},
    )


class PolicySchema(Schema):
    preset = fields.String(
        allow_none=True,
        validate=validate.OneOf(["jab-jab-jab-right-hook", "80-20", "4-1-1"]),
        metadata={"description": "A named content mix; sets gives_per_ask."},
    )
    gives_per_ask = fields.Integer(validate=validate.Range(1, 20))
    min_days_between_asks = fields.Integer(
        validate=validate.Range(0, 365),
        metadata={"description": "Spacing of asks to the audience, and of asks to one person."},
    )
    min_days_after_connect = fields.Integer(
        validate=validate.Range(0, 365),
        metadata={"description": "Days a contact must have been connected before a direct ask."},
    )
    touches_per_ask = fields.Integer(
        validate=validate.Range(1, 20),
        metadata={"description": "Touches aimed at a contact before each direct ask."},
    )
    gives_lookback_days = fields.Integer(
        validate=validate.Range(7, 3650),
        metadata={"description": "Gives count toward an ask only this many days before it."},
    )
    touches_lookback_days = fields.Integer(
        validate=validate.Range(7, 3650),
        metadata={
            "description": "Touches count toward a direct ask only this many days before it."
        },
    )
    record_published_within_days = fields.Integer(
        validate=validate.Range(0, 365),
        metadata={
            "description": "How far back a published post or a touch may be recorded, in days."
        },
    )


class Instant(fields.String):
    """An instant as ISO 8601 text, documented as a ``date-time``: answers give UTC, and a
    request may also leave out the offset (the view reads it in a time zone it knows)."""


class StrictBoolean(fields.Boolean):
    """JSON's true or false only: 0, 1 or "yes" where the document says boolean is a mistake
    the client should hear about, not a guess."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):  # 0 and 1 compare equal to False and True
            raise self.make_error("invalid", input=value)
        return value


class UtmSchema(Schema):
    """UTM tagging of the links shared from the product; off unless ``enabled``."""

    enabled = StrictBoolean(load_default=False)
    source = fields.String(
        validate=validate.Length(1, utm.UTM_VALUE_MAX), metadata={"example": "linkedin"}
    )
    medium = fields.String(
        validate=validate.Length(1, utm.UTM_VALUE_MAX), metadata={"example": "social"}
    )
    campaign = fields.String(
        validate=validate.Length(1, utm.UTM_VALUE_MAX),
        metadata={"description": "{audience} is the audience's name.", "example": "{audience}"},
    )
    content = fields.String(
        validate=validate.Length(1, utm.UTM_VALUE_MAX),
        metadata={"description": "{id} is the post's id.", "example": "post-{id}"},
    )  # fmt: skip

    @validates_schema
    def _placeholders(self, data: dict[str, Any], **_: Any) -> None:
        try:
            utm.settings_from(data)
        except InvalidValue as error:
            raise ValidationError(error.message, error.field.removeprefix("utm.")) from None
