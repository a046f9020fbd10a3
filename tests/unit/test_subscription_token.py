"""Calendar subscription URLs are derived, never stored: the derivation must not drift, or every
address already pasted into a calendar app stops working."""

from core.models import User
from schedules.subscriptions_db import subscription_token


def test_a_subscription_token_is_the_one_issued_before():
    user = User(id=42, calendar_feed_version=3)
    # HMAC-SHA256 of "calendar-feed:42:3" under the key, its first 40 hex digits.
    expected = "42.ff265543db4d45f0aa4c6dc6330b8f7ea2733496"
    assert subscription_token(user, "not-a-real-secret") == expected
