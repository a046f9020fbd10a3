from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, pre_dump, validate

from app.schemas.common import EmailAddress, PageQuerySchema
from core.models import ROLES, User


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
