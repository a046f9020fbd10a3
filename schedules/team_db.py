"""The team view: per rep and audience over a window, what they gave and asked, their cadence
slots, where their next ask could go, the asks the rules refused, and their contacts by stage.

Read in bulk, one query per kind of figure for the whole workspace (grouped by rep and
audience), so the cost grows with the rows read, not with reps x audiences round trips; the
earliest ask is the pure rule's over each rep's timeline, all loaded in one query that also
gives the slots their gives.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.accounts_db import list_users
from core.db import utcnow
from core.errors import InvalidValue
from core.models import User, Workspace
from schedules import rule, team, timeline_db
from schedules.cadence import Cadence, slots_with_periods
from schedules.contacts.contacts_db import stages
from schedules.models import AskRefusal, Audience, Contact
from schedules.policy import cadence_of, policy_of
from schedules.slots_db import SLOT_HORIZON
from schedules.times import check_order, local


@dataclass
class Figures:
    """One rep's figures on one audience, or summed over the audiences (a rep's totals)."""

    gives: int = 0
    asks: int = 0
    slots_filled: int = 0
    slots_open: int = 0
    refused_asks: int = 0
    contacts: Counter[str] = field(default_factory=Counter)

    def add(self, other: Figures) -> None:
        for name in ("gives", "asks", "slots_filled", "slots_open", "refused_asks"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.contacts.update(other.contacts)


@dataclass
class AudienceRow(Figures):
    audience_id: int = 0
    audience_name: str = ""
    next_open_slot: dt.datetime | None = None
    earliest_ask_at: dt.datetime | None = None


@dataclass
class RepRow:
    user: User
    name: str
    deactivated: bool
    audiences: list[AudienceRow]
    totals: Figures


@dataclass
class TeamView:
    start: dt.datetime
    end: dt.datetime
    timezone: str
    reps: list[RepRow]
    needs_help: list[tuple[User, str]]


def window(
    quarter: tuple[dt.datetime, dt.datetime],
    start: dt.datetime | None,
    end: dt.datetime | None,
    timezone: str = "UTC",
) -> tuple[dt.datetime, dt.datetime]:
    """The window asked for, else the current quarter on the workspace's clock (either bound
    alone keeps the quarter's other one). A ``from`` sent without ``to`` is what a refusal then
    names, as the client did not send the quarter's end it is measured against; worded for the
    API and the team page alike."""
    start_alone = start is not None and end is None
    start, end = start or quarter[0], end or quarter[1]
    why = "without an end, the window ends with this quarter"
    if start_alone and end <= start:
        raise InvalidValue("from", f"Must be before {_day_or_moment(end, timezone)}: {why}.")
    check_order(start, end)
    # A year back from ``end`` rather than ahead of ``start``: only the latter can pass 9999.
    earliest = end - relativedelta(years=1) if end.year > 1 else start
    if earliest <= start:
        return start, end
    if start_alone:
        raise InvalidValue(
            "from",
            f"Must be on or after {_day_or_moment(earliest, timezone)}: {why}, and a window "
            "spans at most a year.",
        )
    raise InvalidValue("to", "Ask for at most a year at once.")


def _day_or_moment(at: dt.datetime, timezone: str) -> str:
    """``at`` on the workspace's clock: its date when it is that day's midnight there."""
    moment = local(at, timezone)
    if moment.time() == dt.time(0):
        return moment.date().isoformat()
    return moment.isoformat(timespec="minutes")


def team_view(
    session: Session,
    workspace_id: int,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> TeamView:
    now = (now or utcnow()).replace(second=0, microsecond=0)
    workspace = session.get_one(Workspace, workspace_id)
    quarter = team.quarter_of(now, workspace.timezone)
    start, end = window(quarter, start, end, workspace.timezone)
    audiences = list(
        session.scalars(
            select(Audience).where(Audience.workspace_id == workspace_id).order_by(Audience.name)
        )
    )
    refused = _refusals(session, workspace_id, start, end)
    contacts = _contacts(session, workspace_id, now)
    slots = _slots(audiences, start, end, now)
    timelines = timeline_db.workspace_timelines(session, workspace_id)
    # Gives and asks in the window, per rep and audience, from the timelines read whole.
    counts = {
        key: Counter(e.kind for e in entries if start <= e.at < end)
        for key, entries in timelines.items()
    }
    posting = {owner for (owner, _), kinds in counts.items() if kinds}
    reps, needs_help = [], []
    label = team.window_label(start, end, quarter, workspace.timezone)
    for user in list_users(session, workspace_id):
        deactivated = user.deactivated_at is not None
        if deactivated and user.id not in posting:
            continue
        rows = []
        totals = Figures(contacts=Counter(contacts[(user.id, None)]))
        for audience in audiences:
            key = (user.id, audience.id)
            kinds = counts.get(key, Counter())
            row = AudienceRow(
                gives=kinds["give"],
                asks=kinds["ask"],
                refused_asks=refused.get(key, 0),
                contacts=Counter(contacts[key]),
                audience_id=audience.id,
                audience_name=audience.name,
            )
            window_slots, ahead = slots[audience.id]
            mine = [e.at for e in timelines.get(key, ()) if e.kind == "give"]
            row.slots_filled = sum(team.filled([p for _, p in window_slots], mine))
            row.slots_open = len(window_slots) - row.slots_filled
            row.next_open_slot = team.first_open(ahead, mine)
            source = rule.ListTimeline(timelines.get(key, []))
            row.earliest_ask_at = rule.ratio(source, policy_of(audience), now).earliest_next_ask_at
            totals.add(row)
            rows.append(row)
        name = team.display_name(user.email)
        reps.append(RepRow(user, name, deactivated, rows, totals))
        sentence = team.needs_help(name, totals.slots_open, totals.refused_asks, label)
        if sentence and not deactivated:
            need = (-totals.refused_asks, -totals.slots_open, name.casefold(), user.email)
            needs_help.append((need, user, sentence))
    # Most in need first: refused asks, then the slots left open; the name breaks ties.
    ordered = [(user, sentence) for _, user, sentence in sorted(needs_help, key=lambda n: n[0])]
    return TeamView(start, end, workspace.timezone, reps, ordered)


def _refusals(
    session: Session, workspace_id: int, start: dt.datetime, end: dt.datetime
) -> dict[tuple[int, int], int]:
    """Asks the rules refused in the window (when the rep tried), per rep and audience."""
    rows = session.execute(
        select(AskRefusal.owner_id, AskRefusal.audience_id, func.count())
        .where(
            AskRefusal.workspace_id == workspace_id,
            AskRefusal.created_at >= start,
            AskRefusal.created_at < end,
        )
        .group_by(AskRefusal.owner_id, AskRefusal.audience_id)
    )
    return {(owner, audience): n for owner, audience, n in rows}


def _contacts(
    session: Session, workspace_id: int, now: dt.datetime
) -> defaultdict[tuple[int, int | None], Counter[str]]:
    """Contacts by stage now, per rep and audience (None: contacts without an audience)."""
    query = select(Contact).where(Contact.workspace_id == workspace_id)
    by_key: defaultdict[tuple[int, int | None], Counter[str]] = defaultdict(Counter)
    for staged in stages(session, query, now):
        by_key[(staged.owner_id, staged.audience_id)][staged.stage] += 1
    return by_key


Slots = list[tuple[dt.datetime, tuple[dt.datetime, dt.datetime]]]


def _slots(
    audiences: list[Audience], start: dt.datetime, end: dt.datetime, now: dt.datetime
) -> dict[int, tuple[Slots, Slots]]:
    """Each audience's slots in the window and in the year from now, with their periods;
    worked out once per cadence and clock, which a team's audiences often share."""
    found: dict[tuple[Cadence, str], tuple[Slots, Slots]] = {}
    for audience in audiences:
        key = (cadence_of(audience), audience.timezone)
        if key not in found:
            found[key] = (
                slots_with_periods(*key, start, end),
                slots_with_periods(*key, now, now + SLOT_HORIZON),
            )
    return {a.id: found[(cadence_of(a), a.timezone)] for a in audiences}
