"""Contacts and their connection requests: plain values and a Session in; flush, never commit.

Whatever can change a person's history locks the contact first (after the audience, when both
are needed), then asks the pure guard in ``relationship.py`` about the whole history.

A contact belongs to the rep who knows the person; ``owner_id`` arguments scope a lookup to one
rep's contacts (None: the whole team's, as an admin sees them).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from core import accounts_db, dialects
from core.db import get_owned_row, in_chunks, turn_lock, utcnow
from core.errors import Conflict, DomainError, InvalidValue, on_field
from core.models import User
from core.text import required, visible
from schedules import audiences_db, explain, rule, timeline_db
from schedules.contacts import exporting, importing, introductions_db, people_db
from schedules.contacts import relationship as rel
from schedules.contacts.introductions_db import Acquaintance
from schedules.contacts.invitations import WHY_PERSONAL, is_stock
from schedules.contacts.people_db import lock_contact
from schedules.contacts.profiles import profile_key
from schedules.models import CONTACT_NAME_MAX, RELATIONSHIPS, Audience, Contact, Post
from schedules.policy import person_policy, policy_of
from schedules.posts_db import SCHEDULE_GRACE
from schedules.times import local, parse_stored

CONTACT_TEXT = ("name", "company", "title", "notes")
# What the calendar event of a one-to-one ask shows of its person (schedules.ics).
SHOWN_IN_CALENDARS = ("name", "company")


@dataclass(frozen=True)
class Standing:
    """A contact with where it stands now: its stage, what an ask now would still need, and
    which colleagues already know the person (a warm introduction)."""

    contact: Contact
    stage: rel.Stage
    policy: rel.PersonPolicy
    unmet_now: tuple[rel.Unmet, ...]
    history: rel.History
    checked_at: dt.datetime
    ratios: _Ratios  # the audience rule read at each minute, shared by one read's standings
    known_by: tuple[Acquaintance, ...] = ()
    # The audience rule for an ask now (None: the contact has no audience).
    audience_ratio: rule.Ratio | None = None

    @cached_property
    def earliest_ask_at(self) -> dt.datetime | None:
        """The first time an ask passes both rules (None: no date does until more is given).
        Found on first read, as it may read the audience rule at each minute it tries: the
        contacts list, which never shows it, does not pay for it."""
        ratio, now = self.audience_ratio, self.checked_at
        return _earliest_ask(self.contact, self.history, self.policy, ratio, self.ratios, now)

    def audience_rule(self) -> dict[str, Any] | None:
        """Why the audience rule refuses an ask now, or None when it allows one."""
        contact, ratio = self.contact, self.audience_ratio
        if contact.audience is None or ratio is None:
            return {"detail": explain.NEEDS_AUDIENCE, "satisfied_on": None, "gives_needed": None}
        now = self.checked_at.replace(second=0, microsecond=0)
        if ratio.earliest_next_ask_at is not None and ratio.earliest_next_ask_at <= now:
            return None
        return {
            "detail": explain.audience_detail(contact.audience.name, ratio),
            "satisfied_on": ratio.earliest_next_ask_at,
            "gives_needed": ratio.gives_needed,
        }

    def conditions(self) -> list[dict[str, Any]]:
        return [
            {
                "condition": u.condition,
                "detail": explain.condition_detail(self.contact.name, self.policy, u),
                "satisfied_on": u.satisfied_on,
                "touches_needed": u.touches_needed,
            }
            for u in self.unmet_now
        ]


def standings(
    session: Session,
    contacts: list[Contact],
    now: dt.datetime | None = None,
    histories: Mapping[int, rel.History] | None = None,
) -> list[Standing]:
    """Stages are derived, not stored: they move with the clock (14 days after connecting).
    ``histories``: the contacts' histories by id, when the caller has just read them."""
    now = now or utcnow()
    found = people_db.histories(session, contacts) if histories is None else histories
    known = introductions_db.known_by(session, contacts, now)
    ratios = _Ratios(session)
    result = []
    for contact in contacts:
        history, policy = found[contact.id], person_policy(contact.audience)
        unmet = tuple(rel.unmet(history, policy, now))
        stage = rel.stage(history, policy, now)
        result.append(
            Standing(
                contact, stage, policy, unmet, history, now, ratios, known.get(contact.id, ()),
                ratios.at(contact, now),
            )
        )  # fmt: skip
    return result


class _Ratios:
    """The audience rule's answer for a rep on an audience from a given minute: each rep's
    timeline on the audience is read whole once per page, and the pure rule asked in memory at
    every minute its contacts need."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.timelines: dict[tuple[int, int], rule.ListTimeline] = {}

    def at(self, contact: Contact, now: dt.datetime) -> rule.Ratio | None:
        audience = contact.audience
        if audience is None:
            return None
        key = (audience.id, contact.owner_id)
        if key not in self.timelines:
            self.timelines[key] = timeline_db.whole_timeline(self.session, *key)
        minute = now.replace(second=0, microsecond=0)
        return rule.ratio(self.timelines[key], policy_of(audience), minute)


# Each round moves the candidate to one rule's first passing date; dates of both rules
# rarely interleave more than once or twice.
EARLIEST_ROUNDS = 6


def _earliest_ask(
    contact: Contact,
    history: rel.History,
    policy: rel.PersonPolicy,
    ratio: rule.Ratio | None,
    ratios: _Ratios,
    now: dt.datetime,
) -> dt.datetime | None:
    """The first minute from ``now`` at which a one-to-one ask to the person passes both the
    relationship guard and the audience rule, or None when neither date alone would do (more
    gives or touches, an acceptance, or an audience are needed first).

    Each rule answers with its first passing date from a candidate, so the candidate moves to
    the later of the two until both agree."""
    if ratio is None or ratio.earliest_next_ask_at is None:
        return None
    candidate = max(now.replace(second=0, microsecond=0), ratio.earliest_next_ask_at)
    for _ in range(EARLIEST_ROUNDS):
        unmet = rel.unmet(history, policy, candidate)
        if unmet:  # each unmet condition holds strictly later, or never
            bounds = [u.satisfied_on for u in unmet]
            if any(b is None for b in bounds):
                return None
            moved = _minute_up(max(bounds))  # type: ignore[type-var]
        else:
            audience = ratios.at(contact, candidate)
            moved = audience.earliest_next_ask_at if audience else None
            if moved is not None and moved <= candidate:
                return candidate
        if moved is None:
            return None
        candidate = moved
    return None


def _minute_up(at: dt.datetime) -> dt.datetime | None:
    """``at`` on a whole minute, rounded up: asks are scheduled to the minute."""
    whole = at.replace(second=0, microsecond=0)
    return whole if whole == at else rule.later(whole, dt.timedelta(minutes=1))


@dataclass(frozen=True)
class Staged:
    """A contact's stage, with whose and on which audience it is, the contact left unloaded."""

    contact_id: int
    owner_id: int
    audience_id: int | None
    stage: rel.Stage


def stages(session: Session, query: Select[tuple[Contact]], now: dt.datetime) -> list[Staged]:
    """The stage of each contact ``query`` selects, in its order, however many (a
    workspace's): read as plain rows, their histories by subquery, as no statement could
    list all their ids."""
    rows = session.execute(
        query.with_only_columns(
            Contact.id, Contact.owner_id, Contact.audience_id, Contact.accepted_at,
            Contact.requested_at,
        )
    ).all()  # fmt: skip
    among = query.order_by(None).with_only_columns
    audiences = select(Audience).where(Audience.id.in_(among(Contact.audience_id)))
    policies = {None: person_policy(None)}
    policies.update((a.id, person_policy(a)) for a in session.scalars(audiences))
    past = people_db.histories(session, rows, among=among(Contact.id))
    return [
        Staged(r.id, r.owner_id, r.audience_id, rel.stage(past[r.id], policies[r.audience_id], now))
        for r in rows
    ]


def standing(session: Session, contact: Contact) -> Standing:
    return standings(session, [contact])[0]


def get_contact(
    session: Session, workspace_id: int, contact_id: int, owner_id: int | None = None
) -> Contact:
    return get_owned_row(session, Contact, workspace_id, contact_id, "contact", owner_id)


def list_contacts(
    session: Session,
    workspace_id: int,
    *,
    audience_id: int | None = None,
    stage: str | None = None,
    owner_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
    now: dt.datetime | None = None,
) -> tuple[list[Standing], int]:
    """Contacts by name; the stage filter runs after deriving stages, over the workspace's list.

    A stage depends on the clock, so it is derived for every listed contact (from plain rows,
    by subqueries, however many the workspace has): simpler than a stored stage, and always
    right.
    """
    query = select(Contact).where(Contact.workspace_id == workspace_id)
    if owner_id is not None:
        query = query.where(Contact.owner_id == owner_id)
    if audience_id is not None:
        audiences_db.get_audience(session, workspace_id, audience_id)
        query = query.where(Contact.audience_id == audience_id)
    query = query.order_by(func.lower(Contact.name), Contact.id)
    if stage is None:
        total = session.scalar(query.with_only_columns(func.count()).order_by(None)) or 0
        page = list(session.scalars(query.limit(limit).offset(offset)))
        return standings(session, page, now), total
    now = now or utcnow()
    matching = [s.contact_id for s in stages(session, query, now) if s.stage == stage]
    shown = matching[offset : offset + limit]
    found = {c.id: c for c in session.scalars(select(Contact).where(Contact.id.in_(shown)))}
    # A contact deleted since the stage query is left out of the page, not a KeyError.
    return standings(session, [found[i] for i in shown if i in found], now), len(matching)


def contact_rows(
    session: Session, workspace_id: int, owner_id: int | None = None
) -> list[exporting.ContactRow]:
    """One rep's contacts (the team's for None) as the export writes them, by name as the list
    shows them, in one query; a connection dated as its day on the contact's clock."""
    query = (
        select(Contact.name, Contact.profile_url, Contact.company, Contact.title, Contact.email,
               Contact.accepted_at, Audience.name, Audience.timezone)
        .outerjoin(Audience, Audience.id == Contact.audience_id)
        .where(Contact.workspace_id == workspace_id)
        .order_by(func.lower(Contact.name), Contact.id)
    )  # fmt: skip
    if owner_id is not None:
        query = query.where(Contact.owner_id == owner_id)
    rows = []
    for name, url, company, title, email, accepted, audience, zone in session.execute(query):
        accepted_on = accepted and local(accepted, zone or "UTC").date()
        rows.append(exporting.ContactRow(name, url, company, title, email, accepted_on, audience))
    return rows


def zone_of(contact: Contact) -> str:
    """The clock the domain reads a contact's dates on: its audience's, else UTC."""
    return contact.audience.timezone if contact.audience else "UTC"


def _text(value: str | None) -> str:
    return (value or "").strip()


def _apply_fields(contact: Contact, data: Mapping[str, Any]) -> None:
    for field in CONTACT_TEXT:
        if field in data:
            setattr(contact, field, _text(data[field]))
    if "name" in data:
        contact.name = required("name", contact.name, "A contact needs a name.", CONTACT_NAME_MAX)
    if "profile_url" in data:
        contact.profile_url = data["profile_url"] or None
    if "email" in data:
        contact.email = (data["email"] or "").strip() or None
    if "decision_maker" in data:
        contact.decision_maker = bool(data["decision_maker"])
    if "relationship" in data:
        if data["relationship"] not in RELATIONSHIPS:
            raise InvalidValue("relationship", f"Must be one of: {', '.join(RELATIONSHIPS)}.")
        contact.relationship = data["relationship"]


def _flush_unique_profile(session: Session, contact: Contact, twins: bool = True) -> None:
    """Flush the contact, refused when its rep already has the person: the same profile URL,
    however it was pasted (``profiles.profile_key``, as imports and introductions compare)."""
    conflict = Conflict(
        "You already have a contact with this profile URL.",
        errors=on_field("profile_url", "Already one of your contacts."),
    )
    if twins and _has_same_profile(session, contact):
        raise conflict
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise conflict from None


def _has_same_profile(session: Session, contact: Contact) -> bool:
    key = profile_key(contact.profile_url)
    if key is None:
        return False
    others = [Contact.owner_id == contact.owner_id]
    if contact.id is not None:
        others.append(Contact.id != contact.id)
    with session.no_autoflush:  # a new contact is not to be found as its own twin
        return introductions_db.any_with_keys(session, {key}, *others)


def _lock_reps(session: Session, workspace_id: int, owner_ids: set[int]) -> None:
    """Take turns at each rep's twin check: a contact created meanwhile under another spelling
    is invisible until its transaction commits, so two racing creates would both find no twin.
    The reps' rows are locked first, in id order, before any audience or contact lock; as a
    key-share lock, so inserts that refer to a rep (their posts) never wait on it."""
    query = select(User.id).where(User.workspace_id == workspace_id, User.id.in_(owner_ids))
    session.execute(turn_lock(session, query.order_by(User.id), "rep"))


def parse_happened(
    field: str,
    value: str | dt.datetime | None,
    timezone: str,
    now: dt.datetime | None = None,
    stored: dt.datetime | None = None,
) -> dt.datetime | None:
    """A request or acceptance to store: one that has happened. A future acceptance would
    show the person as new and refuse the request to connect; the clock skew a touch may have
    is allowed, and the ``stored`` value (from before this check) may be sent back unchanged."""
    now = now or utcnow()
    at = parse_stored(field, value, timezone, now)
    if at is not None and at != stored and at > now + SCHEDULE_GRACE:
        raise InvalidValue(
            field,
            f"{local(at, timezone):%Y-%m-%d %H:%M} ({timezone}) has not happened yet: "
            "record it once it has.",
        )
    return at


def create_contact(
    session: Session, workspace_id: int, fields: Mapping[str, Any], owner_id: int
) -> Contact:
    """A contact of ``owner_id``'s, the rep who knows the person."""
    _lock_reps(session, workspace_id, {owner_id})
    accounts_db.member(session, workspace_id, owner_id)
    contact = Contact(workspace_id=workspace_id, owner_id=owner_id, name="", relationship="none")
    contact.audience = audiences_db.named_audience(session, workspace_id, fields.get("audience_id"))
    _apply_fields(contact, {"name": "", **fields})
    if fields.get("accepted_at"):
        # An existing connection (or one the other person started) is recorded as accepted.
        contact.accepted_at = parse_happened("accepted_at", fields["accepted_at"], zone_of(contact))
    session.add(contact)
    _flush_unique_profile(session, contact)
    return contact


def update_contact(
    session: Session,
    workspace_id: int,
    contact_id: int,
    changes: Mapping[str, Any],
    owner_id: int | None = None,
) -> Contact:
    """Change a contact; ``changes["owner_id"]`` hands the person to another rep.

    Renaming the person (or their company) renames their one-to-one asks in the calendars:
    read unlocked first, so that their audiences are locked before the contact, as every
    write locks (a form sending the name unchanged locks none). Other edits read it once.
    """
    twins = "profile_url" in changes or "owner_id" in changes
    shown_changes = [field for field in SHOWN_IN_CALENDARS if field in changes]
    reps: set[int] = set()
    renaming = False
    if twins or shown_changes:
        held = get_contact(session, workspace_id, contact_id, owner_id)
        # A new profile or rep locks the reps before the contact: its rep is read unlocked
        # here, then checked to have held still.
        if twins:
            reps = {held.owner_id, changes.get("owner_id") or held.owner_id}
            _lock_reps(session, workspace_id, reps)
        renaming = any(_text(changes[field]) != getattr(held, field) for field in shown_changes)
    locked = _lock_ask_audiences(session, workspace_id, [contact_id]) if renaming else []
    contact = lock_contact(session, workspace_id, contact_id, owner_id)
    shown = _shown(contact)
    if reps and contact.owner_id not in reps:
        raise Conflict(
            f"{contact.name} was handed to another rep meanwhile; try again.",
            errors=on_field("owner_id", "Handed to another rep meanwhile."),
        )
    before = people_db.history(session, contact)
    old_policy = person_policy(contact.audience)
    if "audience_id" in changes and changes["audience_id"] != contact.audience_id:
        _no_scheduled_ask(session, contact, "audience_id", "moving the contact to another audience")
        contact.audience = audiences_db.named_audience(
            session, workspace_id, changes["audience_id"]
        )
    if changes.get("owner_id", contact.owner_id) != contact.owner_id:
        # Published asks stay on the calendar of the rep who made them; touches go along.
        _no_scheduled_ask(session, contact, "owner_id", "handing the contact to another rep")
        contact.owner_id = accounts_db.member(session, workspace_id, changes["owner_id"]).id
    _apply_fields(contact, changes)
    after = before
    if "accepted_at" in changes:
        accepted = parse_happened(
            "accepted_at", changes["accepted_at"], zone_of(contact), stored=contact.accepted_at
        )
        if accepted is not None and contact.requested_at and accepted < contact.requested_at:
            raise InvalidValue("accepted_at", "Must not be before the connection request.")
        contact.accepted_at = accepted
        after = rel.History(accepted, before.touches, before.asks, before.requested_at)
    people_db.guard(contact, before, after, old_policy, person_policy(contact.audience))
    if _shown(contact) != shown:
        _retitle_asks(session, {contact.id: shown[0]}, locked)
    # Only a changed profile or owner can make a twin: a pair stored before twins were refused
    # can still be edited.
    _flush_unique_profile(session, contact, twins=twins)
    return contact


def _shown(contact: Any) -> tuple[str, ...]:
    return tuple(getattr(contact, field) for field in SHOWN_IN_CALENDARS)


def _no_scheduled_ask(session: Session, contact: Contact, field: str, doing: str) -> None:
    if session.scalar(
        select(func.count()).where(Post.contact_id == contact.id, Post.status == "scheduled")
    ):
        raise Conflict(
            f"{contact.name} has a scheduled one-to-one ask on this audience's calendar; "
            f"cancel or publish it before {doing}.",
            errors=on_field(field, "A scheduled ask is attached."),
        )


def delete_contact(
    session: Session, workspace_id: int, contact_id: int, owner_id: int | None = None
) -> None:
    """Its touches and one-to-one asks go with it; dropping an ask never uncovers another.

    The asks leave their audiences' calendars, so those audiences are locked first, which
    bumps the revision that calendar ETags are made of; audiences before the contact, in the
    order ``create_ask`` takes them, so the two never wait on each other.
    """
    get_contact(session, workspace_id, contact_id, owner_id)
    locked = _lock_ask_audiences(session, workspace_id, [contact_id])
    contact = lock_contact(session, workspace_id, contact_id, owner_id)
    if not set(_ask_audiences(session, [contact_id])) <= set(locked):
        raise Conflict(
            f"{contact.name} was given another one-to-one ask meanwhile; try again.",
            errors=on_field("contact_id", "Given another one-to-one ask meanwhile."),
        )
    session.delete(contact)
    session.flush()


def _ask_audiences(session: Session, contact_ids: Collection[int]) -> list[int]:
    """The audiences whose calendars hold the contacts' one-to-one asks, in id order."""
    query = select(Post.audience_id).distinct()
    chunks = in_chunks(query, Post.contact_id, sorted(contact_ids))
    return sorted({audience_id for chunk in chunks for audience_id in session.scalars(chunk)})


def _lock_ask_audiences(
    session: Session, workspace_id: int, contact_ids: Collection[int]
) -> list[int]:
    """Lock the audiences of the contacts' one-to-one asks (read unlocked), whose calendars
    deleting or renaming the people changes: their revisions move, and so do the calendars'
    ETags. Before the contacts, in the one lock order (people_db). Their ids, in order."""
    locked = _ask_audiences(session, contact_ids) if contact_ids else []
    for audience_id in locked:
        audiences_db.lock_audience(session, workspace_id, audience_id)
    return locked


def _retitle_asks(session: Session, renamed: Mapping[int, str], locked: Collection[int]) -> None:
    """The one-to-one asks of the contacts ``renamed`` (id: former name) name them anew in the
    calendars: each ask's SEQUENCE grows, so calendar apps replace their copy, and its
    ``updated_at`` moves, a new version for the calendars' caches (calendar_db.EventCache),
    on the audiences ``locked`` (``_lock_ask_audiences``). An ask on another audience was
    given, or the name changed, after they were locked: a 409, to try again."""
    now = utcnow()
    for chunk in in_chunks(select(Post), Post.contact_id, sorted(renamed)):
        for post in session.scalars(chunk):
            if post.audience_id not in locked:
                name = renamed[post.contact_id]
                raise Conflict(
                    f"{name} changed meanwhile, or was given another one-to-one ask; try again.",
                    errors=on_field("name", "Changed meanwhile."),
                )
            post.sequence += 1
            post.updated_at = now


def record_connection_request(
    session: Session,
    workspace_id: int,
    contact_id: int,
    note: str | None,
    requested_at: str | None = None,
    owner_id: int | None = None,
) -> Contact:
    """Record a request with its personal note; a missing or stock note is refused.

    While the request is pending it may be sent again (the network lets a rep withdraw and
    resend), replacing the note; once accepted there is nothing to request.
    """
    contact = lock_contact(session, workspace_id, contact_id, owner_id)
    if not visible(note or ""):
        raise InvalidValue("note", "A connection request needs a personal note. " + WHY_PERSONAL)
    if is_stock(note, contact.name):
        raise InvalidValue("note", "This is the network's stock invitation text. " + WHY_PERSONAL)
    if contact.accepted_at is not None:
        raise Conflict(
            f"{contact.name} accepted a connection on {contact.accepted_at:%Y-%m-%d}; "
            "there is no request to send.",
            errors=on_field("accepted_at", "Already accepted: no request to send."),
        )
    contact.requested_at = parse_happened(
        "requested_at", requested_at, zone_of(contact)
    ) or utcnow().replace(microsecond=0)
    contact.request_note = note.strip()  # type: ignore[union-attr]
    session.flush()
    return contact


@dataclass(frozen=True)
class ImportedRow:
    """A row of the file written as a contact; ``line``: where the row starts, from 1."""

    line: int
    contact_id: int
    name: str


@dataclass(frozen=True)
class UpdatedRow(ImportedRow):
    """A row matched to one of the rep's contacts, with the fields it changed (none when the
    contact was as the row says)."""

    changed: list[str]


@dataclass
class ImportReport:
    """What an import did, row by row: the contacts created and updated, and the rows left
    out, with the reason."""

    format: str
    created: list[ImportedRow]
    updated: list[UpdatedRow]
    skipped: list[importing.Skipped]


# What a matched row may change without touching the person's history.
IMPORT_TEXT = ("name", "company", "title", "email")


def import_contacts(
    session: Session,
    workspace_id: int,
    parsed: importing.Parsed,
    owner_id: int,
    audience_id: int | None = None,
) -> ImportReport:
    """Write a parsed contacts file as ``owner_id``'s contacts, matched to theirs by
    ``profiles.profile_key``: a match is updated, never duplicated. Rows that cannot be written
    (an unknown audience, an acceptance that would uncover an ask) are skipped with the
    reason; the rest go in together, so the caller commits all or nothing.

    A handful of statements for any number of rows: the rep's contacts are read once,
    new ones inserted in one statement, changed text written as one bulk UPDATE. Only a
    contact whose acceptance or audience changes (its stage may move) is locked and changed
    through the session, so the guard judges it and the webhook outbox sees it; a row that
    changes nothing writes nothing.
    """
    _lock_reps(session, workspace_id, {owner_id})
    accounts_db.member(session, workspace_id, owner_id)
    default = audiences_db.named_audience(session, workspace_id, audience_id)
    audiences = _audiences_by_key(session, workspace_id)
    skipped = list(parsed.skipped)
    known = _owned_by_key(session, owner_id)
    now = utcnow()
    created_rows: list[tuple[importing.Row, Audience | None]] = []
    texts: dict[int, dict[str, Any]] = {}
    staged: dict[int, tuple[importing.Row, Audience | None]] = {}
    matched: list[tuple[importing.Row, Any]] = []
    renaming: set[int] = set()  # whose one-to-one asks a changed name or company renames
    for row in parsed.rows:
        audience = default
        if row.audience is not None:
            audience = audiences.get(row.audience.casefold())
            if audience is None:
                reason = f"No audience {row.audience!r} in this workspace."
                skipped.append(importing.Skipped(row.line, "audience", reason))
                continue
        match = known.get(row.key)
        zone = (match.timezone if match else None) or (audience.timezone if audience else "UTC")
        if (problem := _dated_off_range(row, zone, now)) is not None:
            skipped.append(problem)
            continue
        if match is None:
            created_rows.append((row, audience))
            continue
        matched.append((row, match))
        changes = _text_changes(match, row)
        if changes.keys() & set(SHOWN_IN_CALENDARS):
            renaming.add(match.id)
        if (match.audience_id is None and audience is not None) or _acceptance_changes(
            match.accepted_at, match.requested_at, match.timezone or "UTC", row.accepted_on
        ):
            staged[match.id] = (row, audience)
        elif changes:
            texts[match.id] = changes
    locked = _lock_ask_audiences(session, workspace_id, renaming)
    changed = _update_staged(session, workspace_id, staged, now, skipped)
    _update_texts(session, texts, now)
    changed.update(texts)
    names = {match.id: match.name for _, match in matched}
    renamed = {
        id_: names[id_]
        for id_, fields in changed.items()
        if fields.keys() & set(SHOWN_IN_CALENDARS)
    }
    if renamed:
        _retitle_asks(session, renamed, locked)
    refused = {s.line for s in skipped}
    updated = [
        UpdatedRow(row.line, match.id, changed.get(match.id, {}).get("name", match.name),
                   list(changed.get(match.id, ())))
        for row, match in matched
        if row.line not in refused
    ]  # fmt: skip
    created = _insert_contacts(session, workspace_id, owner_id, created_rows, now)
    skipped.sort(key=lambda s: s.line)
    return ImportReport(parsed.format, created, updated, skipped)


def _dated_off_range(row: importing.Row, zone: str, now: dt.datetime) -> importing.Skipped | None:
    """A connection dated beyond the range every stored date keeps (``parse_stored``), or
    still to come (``parse_happened``), read as the start of its day on the contact's clock,
    as it is stored."""
    start = row.accepted_on and dt.datetime.combine(row.accepted_on, dt.time())
    try:
        parse_happened("accepted_at", start, zone, now)
    except InvalidValue as error:
        return importing.Skipped(row.line, error.field, error.message)
    return None


def _audiences_by_key(session: Session, workspace_id: int) -> dict[str, Audience]:
    """A file names an audience by name or id."""
    found = session.scalars(select(Audience).where(Audience.workspace_id == workspace_id))
    keys: dict[str, Audience] = {}
    for audience in found:
        keys[audience.name.casefold()] = audience
        keys[str(audience.id)] = audience
    return keys


def _owned_by_key(session: Session, owner_id: int) -> dict[str, Any]:
    """The rep's contacts by ``profile_key``, as plain rows of what an import compares, in
    one query: keys are computed, not stored (``introductions_db`` says why), and a rep's
    network is bounded (LinkedIn stops at 30,000 connections). The first contact by id
    stands for a person the rep has twice."""
    query = (
        select(
            Contact.id, Contact.profile_url, *(getattr(Contact, f) for f in IMPORT_TEXT),
            Contact.audience_id, Contact.accepted_at, Contact.requested_at, Audience.timezone,
        )
        .outerjoin(Audience, Audience.id == Contact.audience_id)
        .where(Contact.owner_id == owner_id, Contact.profile_url.is_not(None))
        .order_by(Contact.id.desc())
    )  # fmt: skip
    return {key: row for row in session.execute(query) if (key := profile_key(row.profile_url))}


def _text_changes(contact: Any, row: importing.Row) -> dict[str, Any]:
    """The text a row brings that the contact lacks. A blank in the file never erases a known
    value (LinkedIn leaves out the emails members hide)."""
    return {
        field: value
        for field in IMPORT_TEXT
        if (value := getattr(row, field)) and value != getattr(contact, field)
    }


def _update_texts(session: Session, changes: dict[int, dict[str, Any]], now: dt.datetime) -> None:
    """One bulk UPDATE by primary key, its rows grouped by the columns they set (SQLAlchemy
    starts a new batch whenever those change)."""
    rows = sorted(
        ({"id": id_, **fields, "updated_at": now} for id_, fields in changes.items()),
        key=lambda values: tuple(values),
    )
    if not rows:
        return
    try:
        with session.begin_nested():
            session.execute(update(Contact), rows)
    except StaleDataError:  # unlocked, so a contact may have been deleted since it was read
        raise Conflict(
            "Some of these contacts were deleted meanwhile; import the file again.",
            errors=on_field("file", "A matched contact was deleted meanwhile."),
        ) from None


def _update_staged(
    session: Session,
    workspace_id: int,
    staged: dict[int, tuple[importing.Row, Audience | None]],
    now: dt.datetime,
    skipped: list[importing.Skipped],
) -> dict[int, dict[str, Any]]:
    """Lock the contacts whose acceptance or audience the file changes, in id order as
    every write does, and change them through the session after the guard's verdict on
    their histories (read in one batch); a refused row is added to ``skipped``. Each changed
    contact's id maps to the fields changed."""
    contacts = people_db.lock_contacts(session, workspace_id, staged)
    past = people_db.histories(session, contacts)
    changed: dict[int, dict[str, Any]] = {}
    for contact in contacts:
        row, audience = staged[contact.id]
        try:
            fields = _update_from_row(contact, row, audience, past[contact.id])
        except DomainError as error:
            skipped.append(importing.Skipped(row.line, "accepted_at", error.detail))
            continue
        if fields:
            contact.updated_at = now
            changed[contact.id] = {field: getattr(contact, field) for field in fields}
    session.flush()
    return changed


def _acceptance_changes(
    accepted_at: dt.datetime | None,
    requested_at: dt.datetime | None,
    timezone: str,
    accepted_on: dt.date | None,
) -> bool:
    """Whether the file dates the connection to another day (on the contact's clock) than the
    contact has, or than an earlier import of the same day made of it."""
    if accepted_on is None:
        return False
    if accepted_at is None:
        return True
    return local(accepted_at, timezone).date() != accepted_on and (
        accepted_at != _acceptance(accepted_on, timezone, requested_at)
    )


def _acceptance(
    accepted_on: dt.date, timezone: str, requested_at: dt.datetime | None
) -> dt.datetime:
    """A connection dated by day counts from the start of that day on the contact's clock, or
    from the request when it was sent that day or later (accepted after it)."""
    accepted = dt.datetime.combine(accepted_on, dt.time(), ZoneInfo(timezone)).astimezone(dt.UTC)
    return max(accepted, requested_at) if requested_at else accepted


def _update_from_row(
    contact: Contact, row: importing.Row, audience: Audience | None, before: rel.History
) -> list[str]:
    """Bring a locked contact up to date with its row; the fields that changed. The guard
    judges the new acceptance before anything is set, so a refused row changes nothing; a
    contact keeps the audience it has."""
    changed = []
    if contact.audience is None and audience is not None:
        contact.audience = audience
        changed.append("audience_id")
    zone = zone_of(contact)
    if _acceptance_changes(contact.accepted_at, contact.requested_at, zone, row.accepted_on):
        accepted = _acceptance(row.accepted_on, zone, contact.requested_at)  # type: ignore[arg-type]
        after = rel.History(accepted, before.touches, before.asks, before.requested_at)
        people_db.guard(contact, before, after, person_policy(contact.audience))
        contact.accepted_at = accepted
        changed.append("accepted_at")
    for field, value in _text_changes(contact, row).items():
        setattr(contact, field, value)
        changed.append(field)
    return changed


def _insert_contacts(
    session: Session,
    workspace_id: int,
    owner_id: int,
    rows: list[tuple[importing.Row, Audience | None]],
    now: dt.datetime,
) -> list[ImportedRow]:
    """New contacts in one statement (the dialect's bulk insert), in the file's order.

    Rows are grouped by which of their optional columns are empty: SQLAlchemy starts a new
    INSERT whenever that changes, and a file alternating between rows with and without an
    email made thousands of small statements out of one.
    """
    rows = sorted(rows, key=lambda pair: (pair[0].email is None, pair[0].accepted_on is None))
    values = [
        {
            "workspace_id": workspace_id,
            "owner_id": owner_id,
            "audience_id": audience.id if audience else None,
            "name": row.name,
            "profile_url": row.profile_url,
            "email": row.email,
            "company": row.company,
            "title": row.title,
            "decision_maker": False,
            "relationship": "none",
            "notes": "",
            "requested_at": None,
            "request_note": None,
            "accepted_at": row.accepted_on
            and _acceptance(row.accepted_on, audience.timezone if audience else "UTC", None),
            "created_at": now,
            "updated_at": now,
        }
        for row, audience in rows
    ]
    if not values:
        return []
    try:
        with session.begin_nested():
            ids = dialects.of(session).insert_returning_ids(
                session, Contact, values, unique="profile_url"
            )
    except IntegrityError:
        raise Conflict(
            "Some of these contacts were added meanwhile; import the file again.",
            errors=on_field("file", "A profile URL was added meanwhile."),
        ) from None
    created = (
        ImportedRow(row.line, id_, row.name) for (row, _), id_ in zip(rows, ids, strict=True)
    )
    return sorted(created, key=lambda imported: imported.line)
