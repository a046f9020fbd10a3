"""Secret calendar subscription URLs: a per-user token derived from a version, never stored
(core.feed_versions). A user's own calendar, and an admin's of the team's, apart."""

from __future__ import annotations

import hmac

from sqlalchemy.orm import Session

from core import feed_versions
from core.db import row_id
from core.digests import keyed_digest
from core.errors import NotFound
from core.models import User

# Each address's version column and the digest's purpose, so neither token opens the other.
_FEEDS = {
    False: ("calendar_feed_version", "calendar-feed"),
    True: ("team_calendar_feed_version", "calendar-team-feed"),
}


def subscription_token(user: User, secret: str, *, team: bool = False) -> str | None:
    """A URL-safe capability for one user's calendar (``team``: the team's), derived rather
    than stored.

    The token is an HMAC of the user id and a version under the app's secret key: the URL can
    be shown again (calendar apps need it pasted), the database alone never reveals it, and
    bumping the version revokes every earlier URL at once.
    """
    version = feed_versions.live(getattr(user, _FEEDS[team][0]))
    return None if version is None else f"{user.id}.{_mac(user.id, version, secret, team)}"


def _mac(user_id: int, version: int, secret: str, team: bool) -> str:
    return keyed_digest(secret, _FEEDS[team][1], user_id, version, length=40)


def rotate_subscription(session: Session, user_id: int, *, team: bool = False) -> User:
    user = session.get(User, user_id, with_for_update=True)
    assert user is not None
    column = _FEEDS[team][0]
    setattr(user, column, feed_versions.issue(getattr(user, column)))
    session.flush()
    return user


def revoke_subscription(session: Session, user_id: int, *, team: bool = False) -> None:
    user = session.get(User, user_id, with_for_update=True)
    assert user is not None
    column = _FEEDS[team][0]
    setattr(user, column, feed_versions.turn_off(getattr(user, column)))
    session.flush()


def subscribed(session: Session, token: str, secret: str) -> tuple[User, bool]:
    """Whose calendar the address opens, and whether it is the team's."""
    user_part, _, mac = token.partition(".")
    user_id = row_id(user_part)  # a number past the id column would overflow the lookup
    user = session.get(User, user_id) if user_id is not None and mac else None
    # Deactivation revokes the addresses; the check also covers users deactivated before it did.
    if user is not None and user.deactivated_at is None:
        # Demotion turns the team's off too; a rep was never to read it.
        for team in (False, True) if user.role == "admin" else (False,):
            expected = subscription_token(user, secret, team=team)
            if expected is not None and hmac.compare_digest(token.encode(), expected.encode()):
                return user, team
    raise NotFound("No calendar at this address; it may have been rotated.")
