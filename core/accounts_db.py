"""Workspaces, users and API tokens: creating, finding and authenticating them, and a team's
members as its admins manage them (invite, change role, deactivate; the team keeps an admin).

Tokens are shown once and stored only as a SHA-256 digest: a database leak must not hand out
working credentials, and a digest of a 256-bit random token needs no slow hash.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from functools import cache
from types import EllipsisType
from typing import Any
from zoneinfo import available_timezones

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import emails, feed_versions
from core.db import get_owned_row, turn_lock, utcnow
from core.errors import Conflict, Forbidden, InvalidValue, LastAdmin, NotFound, on_field
from core.models import (
    CONNECTING_HOUR_COLUMNS,
    ROLES,
    WORKSPACE_NAME_MAX,
    ApiToken,
    User,
    Workspace,
)
from core.text import one_line, required

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


# Zone files that name no place: Debian's "localtime" (a link to the server's own zone) and
# tzdata's "Factory" (zone not set, shown as -00); Python already leaves out "posixrules".
NOT_PLACES = frozenset({"localtime", "Factory", "posixrules"})


@cache
def known_timezones() -> frozenset[str]:
    """The IANA zone names the system's zone files or the tzdata package provide (never the
    posix/ and right/ copies), less those that name no place."""
    return frozenset(available_timezones() - NOT_PLACES)


def validate_timezone(field: str, name: str) -> str:
    if name not in known_timezones():
        raise InvalidValue(field, f"Unknown IANA time zone {name!r}.")
    return name


def get_or_create_workspace(session: Session, name: str, timezone: str = "UTC") -> Workspace:
    name = required("workspace", name, "A workspace needs a name.", WORKSPACE_NAME_MAX)
    workspace = session.scalar(select(Workspace).where(Workspace.name == name))
    if workspace is None:
        workspace = Workspace(name=name, timezone=validate_timezone("timezone", timezone))
        session.add(workspace)
        session.flush()
    return workspace


def create_user(session: Session, workspace_name: str, email: str, role: str) -> tuple[User, str]:
    """Create a user (and its workspace if new, whose first user is its admin) with a fresh
    API token."""
    email, role = _email(email), _role(role)
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise _email_taken(email)
    workspace = get_or_create_workspace(session, workspace_name)
    return _add_user(session, workspace.id, email, role)


def invite_user(session: Session, workspace_id: int, email: str, role: str) -> tuple[User, str]:
    """A new member of the team with a fresh API token, which is shown only this once."""
    return _add_user(session, workspace_id, _email(email), _role(role))


def _add_user(session: Session, workspace_id: int, email: str, role: str) -> tuple[User, str]:
    if not session.scalar(select(User.id).where(User.workspace_id == workspace_id).limit(1)):
        # A new team starts with someone who can set up its audiences and invite the reps.
        role = "admin"
    user = User(workspace_id=workspace_id, email=email, role=role)
    session.add(user)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:  # emails are unique across workspaces; a racing twin got there first
        raise _email_taken(email) from None
    return user, issue_token(session, user.id)


def _email(email: str) -> str:
    email = email.strip().lower()
    if "@" not in email:
        raise InvalidValue("email", "Not an email address.")
    if problem := emails.length_problem(email):
        raise InvalidValue("email", problem)
    return email


def _role(role: str) -> str:
    if role not in ROLES:
        raise InvalidValue("role", f"Must be one of: {', '.join(ROLES)}.")
    return role


def _email_taken(email: str) -> Conflict:
    return Conflict(
        f"A user with email {email} already exists.",
        errors=on_field("email", "Already used by another user."),
    )


def issue_token(session: Session, user_id: int) -> str:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user_id, token_hash=hash_token(token)))
    session.flush()
    return token


def rotate_token(session: Session, email: str) -> tuple[User, str]:
    """Revoke every API token of the user and issue one new one (for a token that leaked)."""
    user = active_user(session, email, "a new token would answer 401")
    session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
    return user, issue_token(session, user.id)


def list_users(session: Session, workspace_id: int) -> list[User]:
    return list(
        session.scalars(select(User).where(User.workspace_id == workspace_id).order_by(User.email))
    )


def get_user(session: Session, workspace_id: int, user_id: int) -> User:
    """A user of the workspace, active or not; another team's is unknown (NotFound)."""
    return get_owned_row(session, User, workspace_id, user_id, "user")


def admin_emails(session: Session, workspace_id: int) -> list[str]:
    """The team's active admins: the people a rep asks when something is theirs to do."""
    return list(
        session.scalars(
            select(User.email)
            .where(
                User.workspace_id == workspace_id,
                User.role == "admin",
                User.deactivated_at.is_(None),
            )
            .order_by(User.email)
        )
    )


def require_admin(session: Session, caller: Principal, action: str) -> None:
    """Refuse a rep what only an admin may do, naming the admins who can (``action`` reads
    after "Only a workspace admin can", e.g. "manage users")."""
    if caller.is_admin:
        return
    admins = admin_emails(session, caller.workspace_id)
    raise Forbidden(
        f"Only a workspace admin can {action}; your admins: {', '.join(admins) or 'none'}.",
        admins=admins,
    )


def change_role(session: Session, workspace_id: int, user_id: int, role: str) -> User:
    """Make a member an admin or a rep; the team's last active admin stays one."""
    role = _role(role)
    user = _lock_member(session, workspace_id, user_id)
    if user.role == role:
        return user
    if user.deactivated_at is not None:
        raise Conflict(
            f"{user.email} is deactivated: a role would give them nothing.",
            errors=on_field("role", "The user is deactivated."),
        )
    if user.role == "admin":
        _keep_an_admin(session, user, field="role")
        # The team's calendar was theirs to read as an admin; a promotion must not revive it.
        user.team_calendar_feed_version = feed_versions.turn_off(user.team_calendar_feed_version)
    user.role = role
    session.flush()
    return user


def deactivate_member(session: Session, workspace_id: int, user_id: int) -> User:
    """An admin deactivates a member of the team: their tokens and web sessions end at once,
    their posts and contacts stay; the team's last active admin cannot be deactivated."""
    return _deactivate(session, _lock_member(session, workspace_id, user_id), closing=False)


def _lock_member(session: Session, workspace_id: int, user_id: int) -> User:
    """A member, re-read after locking their workspace's row: a team's role changes and
    deactivations are judged one at a time, so two admins demoting each other cannot both
    succeed (SQLite writers hold the database's write lock already). A key-share lock: a
    contact created meanwhile holds its rep's row and then checks its workspace's key, which
    a full lock would block while this waits for that rep's row."""
    session.scalar(
        turn_lock(session, select(Workspace.id).where(Workspace.id == workspace_id), "workspace")
    )
    user = session.scalar(
        select(User)
        .where(User.id == user_id, User.workspace_id == workspace_id)
        .execution_options(populate_existing=True)
    )
    if user is None:
        raise NotFound(f"No user {user_id} in this workspace.")
    return user


def _keep_an_admin(
    session: Session, user: User, *, closing: bool = False, field: str | None = None
) -> None:
    """Refuse to take away the team's last active admin, who alone can manage its users and
    audiences; ``closing`` lets the last active user of all go (the team is closed down).
    ``field``: the one the refused change set (a role), named in the refusal."""
    others = (
        select(func.count())
        .select_from(User)
        .where(
            User.workspace_id == user.workspace_id,
            User.id != user.id,
            User.deactivated_at.is_(None),
        )
    )
    if session.scalar(others.where(User.role == "admin")):
        return
    if closing and not session.scalar(others):
        return
    raise LastAdmin(
        f"{user.email} is the team's last active admin: make another user an admin first, "
        "so that someone can still manage the team.",
        errors=on_field(field, "The team's last active admin.") if field else None,
    )


def member(
    session: Session,
    workspace_id: int,
    user_id: int,
    field: str = "owner_id",
    *,
    departed: bool = False,
) -> User:
    """An active user of the workspace, as named in a request: another team's is unknown.
    ``departed``: a deactivated one too, whose rows stay to be read and handed over."""
    user = session.get(User, user_id)
    if user is None or user.workspace_id != workspace_id:
        raise InvalidValue(field, f"No user {user_id} in this workspace.")
    if user.deactivated_at is not None and not departed:
        raise InvalidValue(field, f"No active user {user_id} in this workspace.")
    return user


def find_user(session: Session, email: str, workspace_id: int | None = None) -> User:
    """The user with this email; with ``workspace_id``, another team's user is unknown."""
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise NotFound(f"No user with email {email}.")
    if workspace_id is not None and user.workspace_id != workspace_id:
        raise NotFound(f"No user with email {email} in this workspace.")
    return user


def active_user(session: Session, email: str, in_vain: str) -> User:
    """The user with this email, refused when deactivated: what was to be done for them would
    be ``in_vain`` ("a new token would answer 401"), and saying it was done would mislead."""
    user = find_user(session, email)
    if user.deactivated_at is not None:
        raise Conflict(
            f"{user.email} is deactivated: {in_vain}. There is no reactivation: invite them "
            "again under another address."
        )
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
    """Stop a user signing in or calling the API, ending their open sessions; data stays.

    The operator's command: the team's last active admin goes only with its last active user.
    """
    user = find_user(session, email)
    return _deactivate(session, _lock_member(session, user.workspace_id, user.id), closing=True)


def _deactivate(session: Session, user: User, *, closing: bool) -> User:
    if user.deactivated_at is None:
        if user.role == "admin":
            _keep_an_admin(session, user, closing=closing)
        user.deactivated_at = utcnow()
        touch_suggestions(session, user.workspace_id)  # their unpublished plans no longer stagger
        # Their calendars' secret addresses are credentials too; no later change brings them back.
        user.calendar_feed_version = feed_versions.turn_off(user.calendar_feed_version)
        user.team_calendar_feed_version = feed_versions.turn_off(user.team_calendar_feed_version)
        session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
        session.flush()
        end_sessions(session, user.id)
    return user


def touch_suggestions(session: Session, *workspace_ids: int) -> None:
    """Something the workspaces' suggestion lists are ranked from changed (an article, a
    feed, a member): the lists kept (schedules.suggestions_db.ListingCache) are stale from
    this commit on."""
    session.execute(
        update(Workspace)
        .where(Workspace.id.in_(workspace_ids))
        .values(suggestions_version=Workspace.suggestions_version + 1)
    )


def update_workspace(
    session: Session,
    workspace_id: int,
    timezone: str | None = None,
    connecting_hour: dict[str, Any] | None = None,
    utm: dict[str, Any] | EllipsisType | None = ...,
) -> Workspace:
    """``utm``: the default link tagging, validated by ``schedules.utm`` (None: off; left
    out: unchanged)."""
    query = select(Workspace).where(Workspace.id == workspace_id)
    workspace = session.scalar(turn_lock(session, query, "workspace"))
    if workspace is None:
        raise NotFound(f"No workspace {workspace_id}.")
    if timezone is not None:
        workspace.timezone = validate_timezone("timezone", timezone)
    hour = connecting_hour or {}
    for key, column in CONNECTING_HOUR_COLUMNS.items():
        if key in hour:
            setattr(workspace, column, hour[key])
    if not isinstance(utm, EllipsisType):
        workspace.utm = utm
    workspace.updated_at = utcnow()
    session.flush()
    return workspace


def resolve_workspace(session: Session, name: str | None) -> Workspace:
    """A workspace by name, or the only one there is: command-line users rarely have two."""
    if name is not None:
        workspace = session.scalar(select(Workspace).where(Workspace.name == one_line(name)))
        if workspace is None:
            raise NotFound(f"No workspace named {name!r}.")
        return workspace
    found = session.scalars(select(Workspace).limit(2)).all()
    if len(found) != 1:
        raise InvalidValue("workspace", "Name the workspace with --workspace.")
    return found[0]
