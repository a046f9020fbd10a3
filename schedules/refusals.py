"""The audience rule's refusal of a change, carrying its violations as data."""

from __future__ import annotations

from typing import Any

from core.errors import Conflict
from schedules import rule
from schedules.models import Audience


class RuleViolation(Conflict):
    """A change refused because it would leave asks uncovered by enough gives."""

    slug = "give-before-ask"
    title = "Give before you ask"

    def __init__(self, audience: Audience, found: list[rule.Violation]) -> None:
        self.audience_name = audience.name
        self.violations = found
        super().__init__(_describe(audience, found), violations=[_violation_dict(v) for v in found])


def _violation_dict(v: rule.Violation) -> dict[str, Any]:
    return {
        "post_id": v.post_id,
        "scheduled_at": v.at,
        "gives_counted": v.gives_counted,
        "gives_required": v.gives_required,
        "previous_ask_at": v.previous_ask_at,
        "min_days_between_asks": v.min_days_between_asks,
        "earliest_allowed_at": v.earliest_allowed_at,
        "gives_lookback_days": v.gives_lookback_days,
        "no_date_reason": v.no_date_reason,
    }


def _describe(audience: Audience, found: list[rule.Violation]) -> str:
    parts = []
    for v in found:
        reasons = []
        if v.gives_missing:
            reasons.append(
                f"it needs {v.gives_required} value posts since the previous ask and within "
                f"{v.gives_lookback_days} days before it, and has {v.gives_counted}"
            )
        if v.too_soon:
            reasons.append(
                f"it comes less than {v.min_days_between_asks} days after the previous ask"
            )
        hint = (
            f"; the earliest date that would pass is {v.earliest_allowed_at:%Y-%m-%d %H:%M} UTC"
            if v.earliest_allowed_at
            else f"; no date passes: {v.no_date_reason or 'schedule more value posts first'}"
        )
        label = f"ask {v.post_id}" if v.post_id is not None else "the new ask"
        parts.append(f"{label} at {v.at:%Y-%m-%d %H:%M} UTC: {' and '.join(reasons)}{hint}")
    return f"This change would leave asks to {audience.name} uncovered: " + "; ".join(parts) + "."
