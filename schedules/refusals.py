"""The two refusals of an ask, carrying their reasons as data: the audience rule's violations
and the relationship guard's unmet conditions, with instants in UTC; ``explain`` words them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from core.errors import Conflict, DomainError
from schedules import explain, rule
from schedules.contacts import relationship as rel
from schedules.models import Audience, Contact


@dataclass(frozen=True)
class RefusedAsk:
    """The ask a refusal turned down, as its record keeps it (``refusals_db.record``): the new
    or moved ask's owner, audience, person, type and time after the refused change."""

    workspace_id: int
    audience_id: int
    owner_id: int
    contact_id: int | None
    post_id: int | None
    type: str
    scheduled_at: dt.datetime | None


class RuleViolation(Conflict):
    """A change refused because it would leave asks uncovered by enough gives."""

    slug = "give-before-ask"
    title = "Give before you ask"
    rule = "give_before_ask"
    # Set when the refused change made or moved an ask (not when it touched a give).
    ask: RefusedAsk | None = None

    def __init__(
        self, audience: Audience, found: list[rule.Violation], advice: str | None = None
    ) -> None:
        """``advice``: what to do instead, when the refused change has a way round it (a
        sentence after the reasons)."""
        self.audience_name = audience.name
        self.violations = found
        detail = explain.rule_detail(audience.name, found)
        super().__init__(
            f"{detail} {advice}" if advice else detail,
            violations=[_violation_dict(v) for v in found],
        )


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
        "no_date_reason": explain.no_date(v.no_date),
    }


class RelationshipViolation(Conflict):
    """An ask to a person who has not been given enough yet, with what would make it fair.

    When the audience's own rule refuses the same new ask, its refusal is folded in (its
    ``violations`` list and its explanation), so the rep sees every reason in one answer.
    """

    slug = "relationship-guard"
    title = "Give before you ask this person"
    rule = "relationship"
    ask: RefusedAsk | None = None

    def __init__(
        self,
        found: Iterable[tuple[Contact, rel.PersonPolicy, rel.AskViolation]],
        audience_refusal: DomainError | None = None,
    ) -> None:
        found = list(found)
        conditions = [
            {
                "condition": unmet.condition,
                "detail": explain.condition_detail(contact.name, policy, unmet),
                "satisfied_on": unmet.satisfied_on,
                "touches_needed": unmet.touches_needed,
                "contact_id": contact.id,
                "post_id": violation.post_id,
                "scheduled_at": violation.at,
            }
            for contact, policy, violation in found
            for unmet in violation.unmet
        ]
        detail = explain.relationship_detail(
            [(contact.name, policy, violation) for contact, policy, violation in found],
            audience_refusal.detail if audience_refusal is not None else None,
        )
        # Kept whole so a form can explain the audience's part in its own words.
        self.audience_refusal = audience_refusal
        extra: dict[str, Any] = {"conditions": conditions}
        if audience_refusal is not None:
            extra["violations"] = audience_refusal.extra.get("violations")
        super().__init__(detail, **extra)
