"""Secret calendar subscription URLs: a per-user token derived from a version, never stored
(core.feed_versions)."""

from __future__ import annotations

import hmac

from sqlalchemy.orm import Session

from core import feed_versions
from core.db import row_id
from core.digests import keyed_digest
from core.errors import NotFound
from core.models import User


def subscription_token(user: User, secret: str) -> str | None:
    """A URL-safe capability for one user's calendar, derived rather than stored.

    The token is an HMAC of the user id and a version under the app's secret key: the URL can
    be shown again (calendar apps need it pasted), the database alone never reveals it, and
    bumping the version revokes every earlier URL at once.
    """
    version = feed_versions.live(user.calendar_feed_version)
    return None if version is None else f"{user.id}.{_mac(user.id, version, secret)}"


def _mac(user_id: int, version: int, secret: str) -> str:
    return keyed_digest(secret, "calendar-feed", user_id, version, length=40)


def rotate_subscription(session: Session, user_id: int) -> User:
    user = session.get(User, user_id, with_for_update=True)
    assert user is not None
    user.calendar_feed_version = feed_versions.issue(user.calendar_feed_version)
    session.flush()
    return user


def revoke_subscription(session: Session, user_id: int) -> None:
    user = session.get(User, user_id, with_for_update=True)
    assert user is not None
    user.calendar_feed_version = feed_versions.turn_off(user.calendar_feed_version)
    session.flush()


def user_for_subscription(session: Session, token: str, secret: str) -> User:
    user_part, _, mac = token.partition(".")
    user_id = row_id(user_part)  # a number past the id column would overflow the lookup
    user = session.get(User, user_id) if user_id is not None and mac else None
    version = feed_versions.live(user.calendar_feed_version) if user else None
    # Deactivation revokes the address; the check also covers users deactivated before it did.
    if (
        user is None
        or user.deactivated_at is not None
        or version is None
        or not hmac.compare_digest(mac, _mac(user.id, version, secret))
    ):
        raise NotFound("No calendar at this address; it may have been rotated.")
    return user
