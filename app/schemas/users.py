from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, pre_dump, validate

from app.schemas.common import EmailAddress, PageQuerySchema, RowId
from core.models import ROLES, User
from schedules.handover import Holdings, api_handover


class UserSchema(Schema):
    id = fields.Integer(dump_only=True)
    email = EmailAddress(required=True)
    role = fields.String(
        load_default="rep",
        validate=validate.OneOf(ROLES),
        metadata={"description": "admin: manages the team's users and audiences; rep: sells."},
    )
    active = fields.Boolean(
        dump_only=True, metadata={"description": "False once deactivated: no sign-in, no token."}
    )
    deactivated_at = fields.DateTime(dump_only=True, allow_none=True)
    has_password = fields.Boolean(
        dump_only=True,
        metadata={"description": "Can sign in to the web pages (planner users set-password)."},
    )
    created_at = fields.DateTime(dump_only=True)

    @pre_dump
    def _from_model(self, user: User, **_: Any) -> dict[str, Any]:
        return {
            **{
                c: getattr(user, c) for c in ("id", "email", "role", "deactivated_at", "created_at")
            },
            "active": user.deactivated_at is None,
            "has_password": user.password_hash is not None,
        }


class InvitedUserSchema(UserSchema):
    token = fields.String(
        dump_only=True,
        metadata={"description": "The new user's API token, shown only in this answer."},
    )

    @pre_dump
    def _from_model(self, invited: dict[str, Any], **_: Any) -> dict[str, Any]:
        return {**super()._from_model(invited["user"]), "token": invited["token"]}


class UserListSchema(Schema):
    items = fields.List(fields.Nested(UserSchema))
    total = fields.Integer()


class UserQuerySchema(PageQuerySchema):
    pass


class RoleChangeSchema(Schema):
    role = fields.String(
        required=True,
        validate=validate.OneOf(ROLES),
        metadata={"description": "admin or rep; the team's last active admin stays an admin."},
    )


class WorkspaceRefSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class MeSchema(UserSchema):
    workspace = fields.Nested(WorkspaceRefSchema)

    @pre_dump
    def _from_model(self, user: User, **_: Any) -> dict[str, Any]:
        workspace = {"id": user.workspace.id, "name": user.workspace.name}
        return {**super()._from_model(user), "workspace": workspace}


class HoldingsSchema(Schema):
    scheduled_posts = fields.Integer(
        metadata={"description": "Posts still to go out, overdue ones too: nobody else will."}
    )
    draft_posts = fields.Integer()
    one_to_one_asks = fields.Integer(
        metadata={
            "description": "Of the posts above, asks to a contact: they stay with the contact, "
            "not the handover; cancel them before handing the contact over."
        }
    )
    contacts = fields.Integer()
    detail = fields.String(
        metadata={"description": "What they still own and how to hand it over, in a sentence."}
    )

    @pre_dump
    def _from_holdings(self, held: Holdings, **_: Any) -> dict[str, Any]:
        counts = ("scheduled_posts", "draft_posts", "one_to_one_asks", "contacts")
        return {
            **{name: getattr(held, name) for name in counts},
            "detail": held.sentence(api_handover(held.user_id)),
        }


class HandoverSchema(Schema):
    to = RowId(
        required=True,
        metadata={"description": "The active member who takes the posts over."},
    )
    audience_id = RowId(
        allow_none=True,
        metadata={"description": "Only this audience's posts (default: every audience's)."},
    )


class HandedOverSchema(Schema):
    post_ids = fields.List(
        fields.Integer(),
        metadata={"description": "The posts now the new rep's, by audience and time."},
    )
    still_owns = fields.Nested(
        HoldingsSchema, metadata={"description": "What the rep still owns, on every audience."}
    )


class DeactivatedUserSchema(UserSchema):
    still_owns = fields.Nested(
        HoldingsSchema,
        metadata={
            "description": "What they leave behind that needs someone, and how to hand it over."
        },
    )

    @pre_dump
    def _from_model(self, deactivated: dict[str, Any], **_: Any) -> dict[str, Any]:
        return {**super()._from_model(deactivated["user"]), "still_owns": deactivated["holdings"]}
