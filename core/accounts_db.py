"""Workspaces, users and API tokens: creating, finding and authenticating them.

Tokens are shown once and stored only as a SHA-256 digest: a database leak must not hand out
working credentials, and a digest of a 256-bit random token needs no slow hash.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from core.db import utcnow
from core.errors import InvalidValue, NotFound
from core.models import CONNECTING_HOUR_COLUMNS, ROLES, ApiToken, User, Workspace

TOKEN_PREFIX = "vp_"
# How a request names the whole team where it may name one rep (``?owner=all``).
ALL_REPS = "all"


@dataclass(frozen=True)
class Principal:
    """Who is calling, as plain values: domain code never needs the ORM user object."""

    user_id: int
    workspace_id: int
    email: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def validate_timezone(field: str, name: str) -> str:
    try:
        ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        raise InvalidValue(field, f"Unknown IANA time zone {name!r}.") from None
    return name


def get_or_create_workspace(session: Session, name: str, timezone: str = "UTC") -> Workspace:
    name = name.strip()
    if not name:
        raise InvalidValue("workspace", "A workspace needs a name.")
    workspace = session.scalar(select(Workspace).where(Workspace.name == name))
    if workspace is None:
        workspace = Workspace(name=name, timezone=validate_timezone("timezone", timezone))
        session.add(workspace)
        session.flush()
    return workspace


def create_user(session: Session, workspace_name: str, email: str, role: str) -> tuple[User, str]:
    """Create a user (and its workspace if new, whose first user is its admin) with a fresh
    API token."""
    email = email.strip().lower()
    if "@" not in email:
        raise InvalidValue("email", "Not an email address.")
    if role not in ROLES:
        raise InvalidValue("role", f"Must be one of: {', '.join(ROLES)}.")
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise InvalidValue("email", f"A user with email {email} already exists.")
    workspace = get_or_create_workspace(session, workspace_name)
    if not session.scalar(select(User.id).where(User.workspace_id == workspace.id).limit(1)):
        # A new team starts with someone who can set up its audiences and invite the reps.
        role = "admin"
    user = User(workspace=workspace, email=email, role=role)
    session.add(user)
    session.flush()
    return user, issue_token(session, user.id)


def issue_token(session: Session, user_id: int) -> str:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user_id, token_hash=hash_token(token)))
    session.flush()
    return token


def rotate_token(session: Session, email: str) -> tuple[User, str]:
    """Revoke every API token of the user and issue one new one (for a token that leaked)."""
    user = find_user(session, email)
    session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
    return user, issue_token(session, user.id)


def list_users(session: Session, workspace_id: int) -> list[User]:
    return list(
        session.scalars(select(User).where(User.workspace_id == workspace_id).order_by(User.email))
    )


def member(session: Session, workspace_id: int, user_id: int, field: str = "owner_id") -> User:
    """An active user of the workspace, as named in a request: another team's is unknown."""
    user = session.get(User, user_id)
    if user is None or user.workspace_id != workspace_id or user.deactivated_at is not None:
        raise InvalidValue(field, f"No active user {user_id} in this workspace.")
    return user


def admin_emails(session: Session, workspace_id: int) -> list[str]:
    """Whom a rep asks for what only admins may do."""
    query = select(User.email).where(
        User.workspace_id == workspace_id, User.role == "admin", User.deactivated_at.is_(None)
    )
    return list(session.scalars(query.order_by(User.email)))


def find_user(session: Session, email: str) -> User:
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise NotFound(f"No user with email {email}.")
    return user


def principal_for_token(session: Session, token: str) -> Principal | None:
    """Resolve a bearer token; the lookup is by digest, then compared in constant time."""
    digest = hash_token(token)
    row = session.execute(
        select(ApiToken.token_hash, User.id, User.workspace_id, User.email, User.role)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == digest, User.deactivated_at.is_(None))
    ).first()
    if row is None or not hmac.compare_digest(row.token_hash, digest):
        return None
    return Principal(user_id=row.id, workspace_id=row.workspace_id, email=row.email, role=row.role)


def end_sessions(session: Session, user_id: int) -> None:
    """End every web session the user has open (see ``User.session_generation``)."""
    session.execute(
        update(User)
        .where(User.id == user_id)
        .values(session_generation=User.session_generation + 1)
        .execution_options(synchronize_session="fetch")
    )


def deactivate_user(session: Session, email: str) -> User:
    """Stop a user signing in or calling the API, ending their open sessions; data stays."""
    user = find_user(session, email)
    if user.deactivated_at is None:
        user.deactivated_at = utcnow()
        session.flush()
        end_sessions(session, user.id)
    return user


def update_workspace(
    session: Session,
    workspace_id: int,
    timezone: str | None = None,
    connecting_hour: dict[str, Any] | None = None,
) -> Workspace:
    workspace = session.get(Workspace, workspace_id, with_for_update=True)
    if workspace is None:
        raise NotFound(f"No workspace {workspace_id}.")
    if timezone is not None:
        workspace.timezone = validate_timezone("timezone", timezone)
    hour = connecting_hour or {}
    for key, column in CONNECTING_HOUR_COLUMNS.items():
        if key in hour:
            setattr(workspace, column, hour[key])
    workspace.updated_at = utcnow()
    session.flush()
    return workspace


def resolve_workspace(session: Session, name: str | None) -> Workspace:
    """A workspace by name, or the only one there is: command-line users rarely have two."""
    if name is not None:
        workspace = session.scalar(select(Workspace).where(Workspace.name == name.strip()))
        if workspace is None:
            raise NotFound(f"No workspace named {name!r}.")
        return workspace
    found = session.scalars(select(Workspace).limit(2)).all()
    if len(found) != 1:
        raise InvalidValue("workspace", "Name the workspace with --workspace.")
    return found[0]
