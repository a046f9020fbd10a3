"""An audience's policy: the API's preset or numbers to stored columns, and columns to the
rules' policy values."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from core.errors import InvalidValue
from schedules import rule
from schedules.cadence import Cadence, parse_cadence
from schedules.contacts import relationship as rel
from schedules.models import Audience
from schedules.times import when

# A post shared outside the product (or a touch) is recorded within a month of it.
DEFAULT_RECORD_PUBLISHED_WITHIN_DAYS = 30


def resolve_policy(data: Mapping[str, Any] | None, current: Audience | None = None) -> dict:
    """Turn an API policy (a preset name or explicit numbers) into the stored columns; parts
    left out keep ``current``'s values. None is the default policy, label and numbers together,
    as a null cadence is the default cadence (not a preset label dropped from its numbers)."""
    if data is None:
        data, current = {}, None
    data = dict(data)
    preset = data.get("preset")
    gives = data.get("gives_per_ask")
    min_days = data.get("min_days_between_asks")
    person = {}
    # Presets name a content mix (gives per ask); these keep their values through a preset.
    for column, default in (
        ("min_days_after_connect", rel.DEFAULT_MIN_DAYS_AFTER_CONNECT),
        ("touches_per_ask", rel.DEFAULT_TOUCHES_PER_ASK),
        ("touches_lookback_days", rel.DEFAULT_TOUCHES_LOOKBACK_DAYS),
        ("gives_lookback_days", rule.DEFAULT_GIVES_LOOKBACK_DAYS),
        ("record_published_within_days", DEFAULT_RECORD_PUBLISHED_WITHIN_DAYS),
    ):
        kept = getattr(current, column) if current else default
        person[column] = data[column] if data.get(column) is not None else kept
    if preset is not None:
        if preset not in rule.PRESETS:
            raise InvalidValue("policy.preset", f"Must be one of: {', '.join(rule.PRESETS)}.")
        if gives is not None and gives != rule.PRESETS[preset]:
            raise InvalidValue(
                "policy.gives_per_ask",
                f"The {preset} preset means {rule.PRESETS[preset]} gives per ask; "
                "leave gives_per_ask out or drop the preset.",
            )
        gives = rule.PRESETS[preset]
    if gives is None:  # dropping a preset ({"preset": null}) keeps the numbers it had set
        gives = current.gives_per_ask if current else rule.DEFAULT_GIVES_PER_ASK
    if min_days is None:
        min_days = current.min_days_between_asks if current else rule.DEFAULT_MIN_DAYS_BETWEEN_ASKS
    return {
        "policy_preset": preset,
        "gives_per_ask": gives,
        "min_days_between_asks": min_days,
        **person,
    }


def check_recorded_in_time(
    field: str, audience: Audience | None, at: dt.datetime, now: dt.datetime, what: str, holder: str
) -> None:
    """A published post or a touch is recorded after the fact only so far back
    (``record_published_within_days``), so an old one cannot buy an ask today; said to the rep
    on ``audience``'s clock, with who can change it. ``holder`` names the audience for them."""
    days = (
        audience.record_published_within_days if audience else DEFAULT_RECORD_PUBLISHED_WITHIN_DAYS
    )
    if at >= now - dt.timedelta(days=days):
        return
    zone = audience.timezone if audience else "UTC"
    back = f"up to {days} days back; {when(at, zone, now.date())} ({zone}) is older."
    if audience is None:
        message = (
            f"Without an audience, {what} are recorded {back} "
            "Put the contact in an audience whose policy allows more."
        )
    else:
        message = (
            f"{holder} records {what} {back} An admin can raise the limit in the audience's policy."
        )
    raise InvalidValue(field, message)


def policy_of(audience: Audience) -> rule.Policy:
    return rule.Policy(
        audience.gives_per_ask, audience.min_days_between_asks, audience.gives_lookback_days
    )


def cadence_of(audience: Audience) -> Cadence:
    return parse_cadence(audience.cadence)


def person_policy(audience: Audience | None) -> rel.PersonPolicy:
    if audience is None:
        return rel.PersonPolicy()
    return rel.PersonPolicy(
        audience.min_days_after_connect,
        audience.touches_per_ask,
        audience.min_days_between_asks,
        audience.touches_lookback_days,
    )
