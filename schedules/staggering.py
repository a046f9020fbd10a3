"""Staggering a team's shares: colleagues should not all post the same article to an audience
in the same week, or their advice reads as a campaign.

Pure, applied after :mod:`schedules.ranking` has ordered the candidates (which it leaves
alone): a suggestion a colleague shares within :data:`STAGGER` of now goes after the
unplanned ones, and the planner gives a slot an article no colleague shares within
:data:`STAGGER` of it while one is left.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from schedules.ranking import Suggestion
from schedules.times import day, local, when

# A colleague's share holds an article back for this long on either side of it.
STAGGER = dt.timedelta(days=7)


@dataclass(frozen=True)
class ColleaguePlan:
    """A colleague's post of the article to the audience, as the rep may see it."""

    user_id: int
    email: str
    at: dt.datetime
    status: str  # draft, scheduled or published
    # The reason a rep reads, on the audience's clock: worded (by :func:`staggered`) only for
    # the suggestions listed, since a busy team may have hundreds of posts in the window.
    note: str = ""


def described(plan: ColleaguePlan, timezone: str, now: dt.datetime) -> ColleaguePlan:
    if plan.status == "draft":
        verb = "has drafted this for"
    elif plan.at <= now:
        verb = "shared this"
    else:
        verb = "shares this"
    today = local(now, timezone).date()
    note = f"{plan.email} {verb} {when(plan.at, timezone, today)}"
    if near((plan.at,), now):
        note += f": listed after the others until {day(plan.at + STAGGER, timezone, today)}"
    return dataclasses.replace(plan, note=note)


def near(moments: Iterable[dt.datetime], moment: dt.datetime) -> bool:
    """Whether any of ``moments`` is within STAGGER of ``moment``."""
    return any(abs(at - moment) <= STAGGER for at in moments)


def held_until(plans: Sequence[ColleaguePlan], now: dt.datetime) -> dt.datetime | None:
    """Until when the article is listed after unplanned ones (None: it is not held back)."""
    close = [p.at for p in plans if near((p.at,), now)]
    return max(close) + STAGGER if close else None


def held_back(
    plans: Mapping[int, Sequence[ColleaguePlan]], moments: Sequence[dt.datetime]
) -> set[int]:
    """The articles a colleague posts within STAGGER of any of ``moments``."""
    return {
        article_id
        for article_id, posts in plans.items()
        if any(near((p.at for p in posts), moment) for moment in moments)
    }


def with_plans(
    ranked: Sequence[Suggestion], plans: Mapping[int, Sequence[ColleaguePlan]]
) -> list[Suggestion]:
    """Each suggestion carrying its colleagues' plans, soonest first."""
    return [
        dataclasses.replace(s, planned_by=tuple(sorted(plans[s.article_id], key=_by_time)))
        if s.article_id in plans
        else s
        for s in ranked
    ]


def _by_time(plan: ColleaguePlan) -> tuple[dt.datetime, str]:
    return plan.at, plan.email


def staggered(
    ranked: Sequence[Suggestion], now: dt.datetime, limit: int, timezone: str
) -> list[Suggestion]:
    """The first ``limit``, articles a colleague shares within STAGGER of now after the
    others (each group keeps the ranking's order), their colleagues' plans worded."""
    clear = [s for s in ranked if not _held(s, now)]
    held = [s for s in ranked if _held(s, now)]
    return [
        dataclasses.replace(s, planned_by=tuple(described(p, timezone, now) for p in s.planned_by))
        if s.planned_by
        else s
        for s in (clear + held)[:limit]
    ]


def _held(suggestion: Suggestion, now: dt.datetime) -> bool:
    return near((p.at for p in suggestion.planned_by), now)


class Assignment(NamedTuple):
    slot: dt.datetime
    pick: Suggestion | None
    # Colleagues sharing the pick within STAGGER of the slot: set only when nothing else was left.
    clashes: tuple[ColleaguePlan, ...] = ()


def assign(slots: Sequence[dt.datetime], ranked: Sequence[Suggestion]) -> list[Assignment]:
    """The best article left for each slot, earliest slot first, preferring one no colleague
    shares within STAGGER of that slot; a colleague's article only when no other is left."""
    left = list(ranked)
    result = []
    for slot in slots:
        pick = next((s for s in left if not _held(s, slot)), None)
        if pick is None and left:
            pick = left[0]
        if pick is None:
            result.append(Assignment(slot, None))
            continue
        left.remove(pick)
        clashes = tuple(p for p in pick.planned_by if near((p.at,), slot))
        result.append(Assignment(slot, pick, clashes))
    return result


def clash_note(clashes: Sequence[ColleaguePlan], timezone: str, now: dt.datetime) -> str:
    """Why a planned slot shares a colleague's article: nothing else was left."""
    today = local(now, timezone).date()
    who = "; ".join(f"{p.email}, {when(p.at, timezone, today)}" for p in clashes)
    return f"No other article was left: a colleague posts this one within a week ({who})."
