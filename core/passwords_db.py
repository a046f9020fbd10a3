"""Passwords for the web sign-in, hashed with Argon2id (argon2-cffi's tuned defaults).

API tokens are random and long, so a fast digest is enough for them; people choose passwords,
so a leaked table must cost an attacker a slow, memory-hard hash per guess.
"""

from __future__ import annotations

import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.accounts_db import Principal, active_user, end_sessions
from core.errors import InvalidValue
from core.models import User

MIN_LENGTH = 12
# Argon2 hashes any length, but an unbounded body would let one request burn CPU and memory.
MAX_LENGTH = 1024
_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the email is unknown, so a miss costs as long as a wrong password
    and response times do not reveal which addresses have accounts. Made on the first sign-in,
    not at import: a hash costs a tenth of a second, which every command and worker paid."""
    return _hasher.hash("no such user: equal-time comparison only")


def validate(password: str) -> str:
    if len(password) < MIN_LENGTH:
        raise InvalidValue("password", f"Use at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        raise InvalidValue("password", f"Use at most {MAX_LENGTH} characters.")
    return password


def set_password(session: Session, email: str, password: str) -> User:
    """Store a new hash; the change also ends the user's web sessions."""
    user = active_user(session, email, "they could not sign in with it")
    user.password_hash = _hasher.hash(validate(password))
    session.flush()
    end_sessions(session, user.id)
    return user


def authenticate(session: Session, email: str, password: str) -> Principal | None:
    """The user these credentials belong to, or None; upgrades an outdated hash on success."""
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    stored = user.password_hash if user is not None else None
    if len(password) > MAX_LENGTH:
        return None
    try:
        _hasher.verify(stored or _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or stored is None or user.deactivated_at is not None:
        return None
    if _hasher.check_needs_rehash(stored):
        user.password_hash = _hasher.hash(password)
        session.flush()
    return Principal(user.id, user.workspace_id, user.email, user.role)
