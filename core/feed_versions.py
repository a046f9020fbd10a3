"""The version a calendar subscription address is derived from (schedules.subscriptions_db),
kept so that no address is ever issued twice: positive while the address answers, negated once
it is turned off (the count goes on from there), None if none was ever issued."""

from __future__ import annotations

# Turning an address off used to forget its version, so the next began at 1 again and brought
# back the first address; counting from here never meets a version issued then.
FIRST = 2**30


def issue(version: int | None) -> int:
    """The version of a new address, past every one issued before."""
    return max(abs(version or 0) + 1, FIRST)


def turn_off(version: int | None) -> int | None:
    return -abs(version) if version else version


def live(version: int | None) -> int | None:
    """The version of the address that answers, if one does."""
    return version if version and version > 0 else None
