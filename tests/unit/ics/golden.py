"""A varied set of calendars, stored with fixed ids and timestamps, and how each is rendered.

The golden files in tests/data/ics/ were written from these rows by the renderer as it was
at aab1145 (icalendar building every event), with ``python -m tests.unit.ics.golden``;
test_ics_golden.py checks that today's renderer still writes exactly those bytes. Written
again once one-to-one asks named their person: only the SUMMARY and DESCRIPTION of the ask to
Dana (post 4) changed.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from sqlalchemy.orm import Session

from core.models import User, Workspace
from schedules import calendar_db
from schedules.cadence import parse_cadence
from schedules.models import Audience, Contact, Post

GOLDEN = Path(__file__).resolve().parents[2] / "data" / "ics"
NOW = dt.datetime(2025, 1, 6, 7, 0, 12, 345678, tzinfo=dt.UTC)
AWKWARD = (
    "Zeile eins\r\nline two, with commas; semicolons; a back\\slash \\n (not a newline)\n"
    "emoji 🚀🤝🏽 accents çà ü — and a caret ^ " + "well past seventy-five octets, folded " * 4
)


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


WORKSPACES = [
    {"id": 1, "name": 'Acme; Sales, "EMEA" ✓', "timezone": "Europe/Berlin",
     "created_at": at("2024-11-05T10:00:00.250"), "updated_at": at("2024-12-01T09:00")},
    {"id": 2, "name": "Sydney team", "timezone": "Australia/Sydney", "connect_weekday": 4,
     "connect_time": "16:30", "connect_minutes": 45,
     "created_at": at("2024-02-10T00:00"), "updated_at": at("2024-02-10T00:00")},
    {"id": 3, "name": "Quiet", "timezone": "UTC", "connect_enabled": False,
     "created_at": at("2024-06-01T00:00"), "updated_at": at("2024-06-01T00:00")},
]  # fmt: skip
MONTHLY = {"frequency": "monthly", "week": 2, "weekday": "TU", "time": "09:00"}
AUDIENCES = [
    {"id": 1, "workspace_id": 1, "name": "CFOs", "timezone": "Europe/Berlin", "cadence": MONTHLY},
    {"id": 2, "workspace_id": 1, "name": "CIOs, Nordics; \"East\"", "timezone": "America/New_York",
     "cadence": {"frequency": "monthly", "day": 10, "time": "08:30"}},
    {"id": 3, "workspace_id": 1, "name": "経営者 APAC", "timezone": "Asia/Tokyo",
     "cadence": {"frequency": "custom", "rrule": "FREQ=WEEKLY;BYDAY=WE", "time": "10:00",
                 "starts_on": "2024-01-01"}},
    {"id": 4, "workspace_id": 2, "name": "Founders", "timezone": "Australia/Sydney",
     "cadence": {"frequency": "quarterly", "week": 1, "weekday": "MO", "time": "07:45",
                 "month_of_quarter": 2}},
    {"id": 5, "workspace_id": 3, "name": "Makers", "timezone": "America/Sao_Paulo",
     "cadence": MONTHLY},
]  # fmt: skip
CONTACTS = [{"id": 1, "workspace_id": 1, "audience_id": 1, "name": "Dana Ødegård",
             "accepted_at": at("2024-12-01T09:00")}]  # fmt: skip

_post_ids = iter(range(1, 1000))


def _post(audience_id, kind, type_, title, when, status="scheduled", body="", url=None,
          sequence=0, created="2024-12-02T08:00", updated="2024-12-03T08:15:30.5",
          contact_id=None) -> dict:  # fmt: skip
    return {"id": next(_post_ids), "audience_id": audience_id, "kind": kind, "type": type_,
            "title": title, "body": body, "url": url, "status": status, "sequence": sequence,
            "scheduled_at": at(when) if when else None, "created_at": at(created),
            "updated_at": at(updated), "contact_id": contact_id}  # fmt: skip


POSTS = [
    _post(1, "give", "shared_article", "Five lessons from Q3", "2024-12-10T08:00",
          status="published", body="What we learned.", url="https://example.com/q3?a=1,2;3"),
    _post(1, "give", "tip", AWKWARD, "2025-01-14T08:00", body=AWKWARD, sequence=4),
    _post(1, "give", "original_article", "Pricing: a field guide", "2025-01-21T08:00",
          url="https://example.com/guide#part-2"),
    _post(1, "ask", "meeting_request", "Coffee with Dana?", "2025-02-03T09:30",
          body="A one-to-one ask.\nSee you there", contact_id=1, sequence=1),
    _post(1, "give", "congratulation", "Congrats to the winners", "2025-02-11T08:00",
          status="cancelled", sequence=2, updated="2025-01-02T12:00"),
    _post(1, "ask", "offer", "Our Q1 offer", "2025-02-20T09:00", status="draft"),
    _post(1, "give", "other", "No date yet", None, status="draft"),
    _post(1, "give", "tip", "Draft in the past", "2024-12-20T09:00", status="draft"),
    # Two posts at one instant: ordered by UID as text, so post-10 before post-9.
    _post(2, "give", "shared_article", "Same minute, first id", "2025-01-10T13:30",
          url="https://example.com/" + "long/" * 30),
    _post(2, "give", "shared_article", "Same minute, second id", "2025-01-10T13:30"),
    _post(1, "ask", "referral_request", "Who do you know?", "2025-03-04T10:00",
          body="x" * 74 + "\\" + "y" * 80 + "^" + "z" * 40),
    _post(2, "ask", "meeting_request", "Nordic pitch", "2025-03-10T13:30", status="published"),
    _post(3, "give", "tip", "東京からのヒント：価格設定について" * 3, "2025-01-15T01:00",  # noqa: RUF001
          body="日本語の本文。" * 20),
    _post(3, "give", "tip", "Cancelled in Tokyo", "2025-01-22T01:00", status="cancelled"),
    _post(4, "give", "shared_article", "Founders' reading list", "2025-02-03T20:45",
          created="2024-02-10T00:00", updated="2024-02-10T00:00"),
    _post(4, "ask", "offer", "Advisory board seat", "2025-05-05T21:45", sequence=7),
    _post(5, "give", "tip", "Obrigado!", "2025-01-14T12:00", body="Çà va — tudo bem?"),
]  # fmt: skip


def load(session: Session) -> None:
    """Insert the rows with their ids and times as given, bypassing the rule on purpose:
    the renderer shows whatever the database holds."""
    for row in WORKSPACES:
        session.add(Workspace(**row))
        # Each workspace's one rep owns its posts; a rep's own calendar never names them.
        session.add(User(id=row["id"], workspace_id=row["id"], email=f"rep{row['id']}@golden.test"))
    session.flush()
    rep_of = {row["id"]: row["workspace_id"] for row in AUDIENCES}
    for row in AUDIENCES:
        session.add(Audience(**{**row, "cadence": parse_cadence(row["cadence"]).to_dict(),
                                "created_at": at("2024-11-06T10:00"),
                                "updated_at": at("2024-12-04T10:00")}))  # fmt: skip
    session.flush()
    for row in CONTACTS:
        session.add(Contact(**row, owner_id=row["workspace_id"]))
    session.flush()
    for row in POSTS:
        session.add(Post(**row, owner_id=rep_of[row["audience_id"]]))
    session.flush()


# name -> (workspace id, audience ids or None for all, export options): each workspace's one
# rep's calendar (their user id is the workspace's), which a team's export must not change.
CASES = {
    "cfos": (1, [1], calendar_db.ExportOptions(owner_id=1)),
    "cfos-drafts-gaps": (1, [1], calendar_db.ExportOptions(
        include_drafts=True, include_gaps=True, owner_id=1)),
    "workspace-window": (1, None, calendar_db.ExportOptions(
        start=at("2025-01-01T00:00"), end=at("2025-04-01T00:00"),
        include_drafts=True, include_gaps=True, owner_id=1)),
    "workspace": (1, None, calendar_db.ExportOptions(owner_id=1)),
    "tokyo": (1, [3], calendar_db.ExportOptions(include_drafts=True, owner_id=1)),
    "sydney-gaps": (2, [4], calendar_db.ExportOptions(
        start=at("2025-01-01T00:00"), end=at("2026-01-01T00:00"), include_gaps=True,
        owner_id=2)),
    "quiet-utc": (3, None, calendar_db.ExportOptions(owner_id=3)),
}  # fmt: skip


def render(session: Session, case: str, cache: calendar_db.EventCache | None = None) -> bytes:
    workspace_id, refs, options = CASES[case]
    audiences = calendar_db.audiences_for_export(session, workspace_id, refs)
    return calendar_db.build(session, workspace_id, audiences, options, NOW, cache).render(NOW)


def main() -> None:
    """Write the golden files from an SQLite database loaded with the rows above."""
    import tempfile

    from core import migrations
    from core.db import make_engine, make_sessionmakers

    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/golden.db")
        migrations.upgrade(engine)
        with make_sessionmakers(engine)[1]() as session:
            load(session)
            GOLDEN.mkdir(parents=True, exist_ok=True)
            for case in CASES:
                (GOLDEN / f"{case}.ics").write_bytes(render(session, case))
        engine.dispose()
    print(f"wrote {len(CASES)} files to {GOLDEN}", file=sys.stderr)


if __name__ == "__main__":
    main()
