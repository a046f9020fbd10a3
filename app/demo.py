"""Demo data so a new user sees a working calendar at once: a team of a sales manager (its
admin) and two reps, each with a history of their own.

Loaded once; the rep's token and the web password (shared by the three demo users) are kept in
the instance folder so every ``make run`` can print them: ``demo-token.txt`` and
``demo-password.txt`` for the instance's own database (``instance/planner.db``, what ``make run``
serves), files named after any other database's, so that loading the demo there (PostgreSQL,
say) leaves the first one's alone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import make_url, select
from sqlalchemy.orm import Session

from app import settings
from core import accounts_db, passwords_db
from core import models as core_models
from core.db import sqlite_file, utcnow
from schedules import audiences_db, posts_db, times
from schedules.models import Audience

WORKSPACE = "Demo Sales"
MANAGER = "manager@demo.example"
EMAIL = "rep@demo.example"
COLLEAGUE = "sam@demo.example"
USERS = (MANAGER, EMAIL, COLLEAGUE)


@dataclass(frozen=True)
class Files:
    """Where one database's demo token and password are kept."""

    token: Path
    password: Path


def files(instance_path: str, database_url: str) -> Files:
    instance = Path(instance_path)
    path = sqlite_file(database_url)
    if (
        path is not None
        and Path(path).resolve() == (instance / settings.DEFAULT_DATABASE_FILE).resolve()
    ):
        suffix = ""
    else:
        # The database's name to read, and a digest of where it is: two planner.db in two
        # folders, or two servers' databases of one name, are not the same demo.
        url = make_url(database_url)
        where = str(Path(path).resolve()) if path else url.render_as_string(hide_password=True)
        name = Path(path).stem if path else url.database or "memory"
        digest = hashlib.sha256(where.encode()).hexdigest()[:8]
        suffix = "." + re.sub(r"[^A-Za-z0-9_-]+", "-", name) + "-" + digest
    return Files(instance / f"demo-token{suffix}.txt", instance / f"demo-password{suffix}.txt")


def load(session: Session, token_file: Path) -> str:
    if session.scalar(select(core_models.User.id).where(core_models.User.email == EMAIL)):
        if token_file.exists():
            return token_file.read_text().strip()
        user = accounts_db.find_user(session, EMAIL)
        token = accounts_db.issue_token(session, user.id)
    else:
        manager, _ = accounts_db.create_user(session, WORKSPACE, MANAGER, "admin")
        accounts_db.update_workspace(session, manager.workspace_id, timezone="Europe/Berlin")
        user, token = accounts_db.create_user(session, WORKSPACE, EMAIL, "rep")
        colleague, _ = accounts_db.create_user(session, WORKSPACE, COLLEAGUE, "rep")
        _audiences(session, user.workspace_id, user.id, colleague.id)
    token_file.parent.mkdir(parents=True, exist_ok=True)
    token_file.write_text(token + "\n")
    token_file.chmod(0o600)
    return token


def password(session: Session, path: Path) -> str:
    """The demo users' web password: made up once, then read back from ``path``."""
    user = accounts_db.find_user(session, EMAIL)
    if path.exists() and user.password_hash is not None:
        return path.read_text().strip()
    secret = secrets.token_urlsafe(12)
    demo_users = session.scalars(
        select(core_models.User.email).where(core_models.User.email.in_(USERS))
    )
    for email in list(demo_users):
        passwords_db.set_password(session, email, secret)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(secret + "\n")
    path.chmod(0o600)
    return secret


def _audiences(session: Session, workspace_id: int, owner_id: int, colleague_id: int) -> None:
    cfos = audiences_db.create_audience(
        session,
        workspace_id,
        name="CFOs in mid-market manufacturing",
        description="Finance leaders who own pricing, cash flow and supplier risk.",
        keywords=["pricing", "cash flow", "supply chain", "working capital"],
        exclude_keywords=["crypto"],
        timezone="Europe/Berlin",
        cadence={"frequency": "monthly", "week": 2, "weekday": "TU", "time": "09:00"},
        policy={"preset": "jab-jab-jab-right-hook", "min_days_between_asks": 30},
    )
    banks = audiences_db.create_audience(
        session,
        workspace_id,
        name="Heads of IT at regional banks",
        description="IT leaders balancing core-banking upgrades with regulation.",
        keywords=["core banking", "cloud migration", "regulation"],
        timezone="America/New_York",
        cadence={"frequency": "quarterly", "week": 1, "weekday": "WE", "time": "10:00"},
        policy={"preset": "80-20"},
    )
    # Two posts already shared (recorded as published) and one still to come (scheduled), in
    # days from today at the audience's cadence time on its clock (a week ahead, so it is
    # still to come whenever this runs): 08:00 UTC was 03:00 in New York.
    # The one to come links to its checklist, so the calendar offers "Share on LinkedIn".
    gives = [
        (-14, "published", "shared_article", "Five ways CFOs free working capital this quarter",
         None),
        (-7, "published", "original_article",
         "What customers learned repricing in an inflation spike", None),
        (7, "scheduled", "tip", "A one-page cash-flow checklist for your next board meeting",
         "https://www.example.com/insights/cash-flow-checklist"),
    ]  # fmt: skip
    for days, status, kind_type, title, url in gives:
        posts_db.create_post(
            session,
            workspace_id,
            cfos.id,
            {"kind": "give", "type": kind_type, "title": title, "status": status,
             "scheduled_at": _days_from_today(cfos, days), "url": url},
            owner_id,
        )  # fmt: skip
    posts_db.create_post(
        session,
        workspace_id,
        cfos.id,
        {
            "kind": "ask",
            "type": "meeting_request",
            "title": "Invite: 20-minute pricing review",
            "body": "Offer a short call to readers who engaged with the working-capital posts.",
            "status": "draft",
        },
        owner_id,
    )
    # The colleague's own history: one give shared on each audience, nothing asked yet.
    for audience, days, status, title in (
        (cfos, -10, "published", "Three questions to ask before renewing a supplier contract"),
        (banks, 21, "scheduled", "A regulator's checklist for core-banking cloud moves"),
    ):
        posts_db.create_post(
            session,
            workspace_id,
            audience.id,
            {"kind": "give", "type": "shared_article", "title": title, "status": status,
             "scheduled_at": _days_from_today(audience, days)},
            colleague_id,
        )  # fmt: skip


def _days_from_today(audience: Audience, days: int) -> dt.datetime:
    """``days`` from today on the audience's clock, at its cadence time."""
    day = times.local(utcnow(), audience.timezone).date() + dt.timedelta(days=days)
    return times.parse_when("scheduled_at", f"{day}T{audience.cadence['time']}", audience.timezone)
