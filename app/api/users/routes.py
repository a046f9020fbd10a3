"""The team's users, which only its admins manage; and who the caller is, for anyone."""

from __future__ import annotations

from flask import request
from flask.views import MethodView

from app.api.audiences.routes import RULE_CONFLICT
from app.api.spec import Blueprint, documents_errors
from app.db import session
from app.principal import principal
from app.problems import PROBLEM_JSON, AdminOnlyProblemSchema, ProblemSchema
from app.schemas.users import (
    DeactivatedUserSchema,
    HandedOverSchema,
    HandoverSchema,
    InvitedUserSchema,
    MeSchema,
    RoleChangeSchema,
    UserListSchema,
    UserQuerySchema,
    UserSchema,
)
from core import accounts_db
from schedules import handover_db

blp = Blueprint("users", __name__, url_prefix="/api/v1", description="The team and its users")

# Every route here is an admin's but these, so a route added later is denied to reps unless
# it is named (the way app.auth denies by default).
OPEN_TO_EVERY_MEMBER = frozenset({"users.me"})

ADMIN_ONLY = {
    "schema": AdminOnlyProblemSchema,
    "content_type": PROBLEM_JSON,
    "description": "The caller is a rep: only a workspace admin can, and `admins` says who.",
}
LAST_ADMIN = {
    "schema": ProblemSchema,
    "content_type": PROBLEM_JSON,
    "description": "/problems/last-admin: the team's last active admin cannot become a rep "
    "or be deactivated; make another user an admin first. A deactivated user's role stays.",
}


@blp.before_request
def _admins_only() -> None:
    if request.endpoint not in OPEN_TO_EVERY_MEMBER:
        accounts_db.require_admin(session(), principal(), "manage users")


@blp.route("/users")
class Users(MethodView):
    @blp.arguments(UserQuerySchema, location="query")
    @blp.response(200, UserListSchema)
    @blp.alt_response(403, **ADMIN_ONLY)
    @documents_errors(blp)
    def get(self, query):
        """List the team's users by email, deactivated ones included (admins only)."""
        found = accounts_db.list_users(session(), principal().workspace_id)
        page = found[query["offset"] : query["offset"] + query["limit"]]
        return {"items": page, "total": len(found)}

    @blp.arguments(UserSchema)
    @blp.created(InvitedUserSchema, "users.UserById", user_id="id")
    @blp.alt_response(403, **ADMIN_ONLY)
    @documents_errors(blp, 409, 413)
    def post(self, data):
        """Invite a user to the team (admins only); the answer holds their API token, which
        is shown only this once. An email already used is a 409 naming the field."""
        user, token = accounts_db.invite_user(
            session(), principal().workspace_id, data["email"], data["role"]
        )
        session().commit()
        return {"user": user, "token": token}


@blp.route("/users/<int:user_id>")
class UserById(MethodView):
    @blp.response(200, UserSchema)
    @blp.alt_response(403, **ADMIN_ONLY)
    @documents_errors(blp, 404)
    def get(self, user_id):
        return accounts_db.get_user(session(), principal().workspace_id, user_id)

    @blp.arguments(RoleChangeSchema)
    @blp.response(200, UserSchema)
    @blp.alt_response(409, **LAST_ADMIN)
    @blp.alt_response(403, **ADMIN_ONLY)
    @documents_errors(blp, 404, 413)
    def patch(self, data, user_id):
        """Make a user an admin or a rep (admins only); takes effect on their next request."""
        user = accounts_db.change_role(session(), principal().workspace_id, user_id, data["role"])
        session().commit()
        return user


@blp.route("/users/<int:user_id>/deactivate", methods=["POST"])
@blp.response(200, DeactivatedUserSchema)
@blp.alt_response(409, **LAST_ADMIN)
@blp.alt_response(403, **ADMIN_ONLY)
@documents_errors(blp, 404)
def deactivate_user(user_id):
    """Deactivate a user (admins only): their API tokens and web sessions end at once; their
    posts and contacts stay, and ``still_owns`` says what needs handing over. Deactivating a
    deactivated user changes nothing."""
    user = accounts_db.deactivate_member(session(), principal().workspace_id, user_id)
    holdings = handover_db.holdings(session(), user)
    session().commit()
    return {"user": user, "holdings": holdings}


@blp.route("/users/<int:user_id>/handover", methods=["POST"])
@blp.arguments(HandoverSchema)
@blp.response(200, HandedOverSchema)
@blp.alt_response(409, **RULE_CONFLICT)
@blp.alt_response(403, **ADMIN_ONLY)
@documents_errors(blp, 404, 413)
def hand_over(data, user_id):
    """Hand a rep's drafts and scheduled posts (of one audience, or all) to an active member
    at once (admins only), as when the rep leaves: judged by the rule as one change, so an
    ask goes with the value posts it stands on; refused whole, with the reason, if the result
    would leave an ask uncovered. Published and cancelled posts and one-to-one asks stay."""
    workspace_id = principal().workspace_id
    moved = handover_db.hand_over(
        session(), workspace_id, user_id, data["to"], data.get("audience_id")
    )
    left = handover_db.holdings(session(), accounts_db.get_user(session(), workspace_id, user_id))
    session().commit()
    return {"post_ids": [post.id for post in moved], "still_owns": left}


@blp.route("/me")
@blp.response(200, MeSchema)
@documents_errors(blp)
def me():
    """Who is calling: their user, role and workspace (any member, admin or rep)."""
    return accounts_db.get_user(session(), principal().workspace_id, principal().user_id)
