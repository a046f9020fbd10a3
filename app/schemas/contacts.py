from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, pre_dump, validate

from app.schemas.common import (
    EmailAddress,
    Instant,
    OwnerQuerySchema,
    PageQuerySchema,
    RowId,
    StrictBoolean,
)
from feeds.urls import MAX_URL_LENGTH
from schedules.contacts.relationship import STAGES
from schedules.models import (
    CONTACT_COMPANY_MAX,
    CONTACT_NAME_MAX,
    CONTACT_NOTES_MAX,
    CONTACT_TITLE_MAX,
    DIRECT_ASK_TYPES,
    POST_BODY_MAX,
    POST_TITLE_MAX,
    RELATIONSHIPS,
    REQUEST_NOTE_MAX,
    TOUCH_KINDS,
    TOUCH_NOTE_MAX,
)

ZONE_NOTE = (
    " ISO 8601; without an offset it is read in the contact's audience's time zone (UTC "
    "without an audience). Answers are in UTC."
)


def when(description: str, **kwargs: Any) -> Instant:
    return Instant(
        validate=validate.Length(1, 64),
        metadata={"description": description + ZONE_NOTE, "example": "2025-03-11T09:00:00"},
        **kwargs,
    )


class ConditionSchema(Schema):
    condition = fields.String()
    detail = fields.String()
    satisfied_on = fields.DateTime(allow_none=True)
    touches_needed = fields.Integer(allow_none=True)


class AudienceRuleSchema(Schema):
    detail = fields.String()
    satisfied_on = fields.DateTime(
        allow_none=True,
        metadata={"description": "The first time from now the audience rule lets an ask go "
                  "out; null when only more value posts would."},
    )  # fmt: skip
    gives_needed = fields.Integer(
        allow_none=True, metadata={"description": "Value posts still to schedule first."}
    )


class AcquaintanceSchema(Schema):
    user_id = fields.Integer()
    email = fields.String()
    stage = fields.String(metadata={"description": "Where the colleague stands with the person."})


class ContactSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(1, CONTACT_NAME_MAX))
    profile_url = fields.Url(
        allow_none=True, schemes={"http", "https"}, validate=validate.Length(max=MAX_URL_LENGTH)
    )
    audience_id = RowId(
        allow_none=True, metadata={"description": "Needed before a one-to-one ask."}
    )
    owner_id = RowId(
        metadata={
            "description": "The rep who knows the person (default: you). Admins may add a "
            "contact for a rep or hand one to another rep."
        }
    )
    email = EmailAddress(
        allow_none=True,
        metadata={"description": "Null when not known (LinkedIn's export often leaves it out)."},
    )
    company = fields.String(validate=validate.Length(max=CONTACT_COMPANY_MAX))
    title = fields.String(validate=validate.Length(max=CONTACT_TITLE_MAX))
    decision_maker = StrictBoolean()
    relationship = fields.String(validate=validate.OneOf(RELATIONSHIPS))
    notes = fields.String(validate=validate.Length(max=CONTACT_NOTES_MAX))
    accepted_at = when(
        "When the person accepted the connection; set it to record the acceptance.",
        allow_none=True,
    )
    requested_at = fields.DateTime(dump_only=True, allow_none=True)
    request_note = fields.String(dump_only=True, allow_none=True)
    stage = fields.String(
        dump_only=True,
        metadata={"description": f"Derived from the history, now: {', '.join(STAGES)}."},
    )
    next_ask = fields.List(
        fields.Nested(ConditionSchema),
        dump_only=True,
        metadata={"description": "What a one-to-one ask placed now would still need; empty "
                  "when one would pass the relationship guard."},
    )  # fmt: skip
    audience_rule = fields.Nested(
        AudienceRuleSchema,
        dump_only=True,
        allow_none=True,
        metadata={"description": "Why the audience's give-before-ask rule refuses a one-to-one "
                  "ask now (the stage is the person's alone); null when it allows one."},
    )  # fmt: skip
    earliest_ask_at = fields.DateTime(
        dump_only=True,
        allow_none=True,
        metadata={"description": "The first time from now a one-to-one ask would pass both the "
                  "relationship guard and the audience rule; null until more is given."},
    )  # fmt: skip
    known_by = fields.List(
        fields.Nested(AcquaintanceSchema),
        dump_only=True,
        metadata={"description": "Colleagues who have the same person as a contact (the same "
                  "profile URL, however it was written), furthest stage first: ask them for a "
                  "warm introduction. Never their notes or history."},
    )  # fmt: skip
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)

    @pre_dump
    def _from_standing(self, standing: Any, **_: Any) -> dict[str, Any]:
        contact = standing.contact
        return {
            **{c: getattr(contact, c) for c in (
                "id", "name", "profile_url", "email", "audience_id", "owner_id", "company", "title",
                "decision_maker", "relationship", "notes", "requested_at", "request_note",
                "created_at", "updated_at")},
            "accepted_at": contact.accepted_at.isoformat() if contact.accepted_at else None,
            "stage": standing.stage,
            "next_ask": standing.conditions(),
            "audience_rule": standing.audience_rule(),
            "earliest_ask_at": standing.earliest_ask_at,
            "known_by": standing.known_by,
        }  # fmt: skip


class ContactListSchema(Schema):
    items = fields.List(fields.Nested(ContactSchema))
    total = fields.Integer()


class ContactQuerySchema(PageQuerySchema, OwnerQuerySchema):
    audience_id = RowId()
    stage = fields.String(validate=validate.OneOf(STAGES))


class ContactExportQuerySchema(OwnerQuerySchema):
    """Whose contacts, as the list reads them: every one of them, in one file."""


class ConnectionRequestSchema(Schema):
    note = fields.String(
        required=True,
        allow_none=True,
        validate=validate.Length(max=REQUEST_NOTE_MAX),
        metadata={"description": "A personal note; the network's stock text is refused."},
    )
    requested_at = when("When the request was sent; now when left out.")


class TouchSchema(Schema):
    id = fields.Integer(dump_only=True)
    contact_id = fields.Integer(dump_only=True)
    kind = fields.String(required=True, validate=validate.OneOf(TOUCH_KINDS))
    at = when("When it happened (or will); the linked post's time when left out.")
    post_id = RowId(allow_none=True, metadata={"description": "A give it refers to."})
    note = fields.String(allow_none=True, validate=validate.Length(max=TOUCH_NOTE_MAX))
    created_at = fields.DateTime(dump_only=True)

    @pre_dump
    def _times(self, touch: Any, **_: Any) -> dict[str, Any]:
        return {
            **{c: getattr(touch, c) for c in ("id", "contact_id", "kind", "post_id", "note")},
            "at": touch.at.isoformat(),
            "created_at": touch.created_at,
        }


class TouchListSchema(Schema):
    items = fields.List(fields.Nested(TouchSchema))


class DirectAskSchema(Schema):
    type = fields.String(required=True, validate=validate.OneOf(DIRECT_ASK_TYPES))
    scheduled_at = when("When to send the ask.", required=True)
    title = fields.String(validate=validate.Length(1, POST_TITLE_MAX))
    body = fields.String(
        allow_none=True,
        validate=validate.Length(max=POST_BODY_MAX),
        metadata={"description": "The message to send."},
    )


class ContactImportFormSchema(Schema):
    """The form fields beside the uploaded file."""

    owner_id = RowId(metadata={"description": "Whose contacts (admins); default: yours."})
    audience_id = RowId(
        metadata={"description": "The audience of the new contacts (and of matched ones that "
                  "have none)."}
    )  # fmt: skip


class ImportedRowSchema(Schema):
    line = fields.Integer(metadata={"description": "Where the row starts in the file, from 1."})
    contact_id = fields.Integer()
    name = fields.String()


class UpdatedRowSchema(ImportedRowSchema):
    changed = fields.List(
        fields.String(), metadata={"description": "The fields the file changed; may be none."}
    )


class SkippedRowSchema(Schema):
    line = fields.Integer()
    field = fields.String(metadata={"description": "The column at fault, as the API names it."})
    reason = fields.String()


class ContactImportSchema(Schema):
    format = fields.String(metadata={"description": "linkedin or plain: how the file was read."})
    created = fields.List(fields.Nested(ImportedRowSchema))
    updated = fields.List(fields.Nested(UpdatedRowSchema))
    skipped = fields.List(fields.Nested(SkippedRowSchema))
