"""The tables every domain package shares: workspaces, users, their API tokens and the forms
they sent."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, UTCDateTime, utcnow

ROLES = ("admin", "rep")
WORKSPACE_NAME_MAX = 200
CONNECTING_HOUR_COLUMNS = {
    "enabled": "connect_enabled",
    "weekday": "connect_weekday",
    "time": "connect_time",
    "duration_minutes": "connect_minutes",
}


class Workspace(Base):
    __tablename__ = "workspaces"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(WORKSPACE_NAME_MAX), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # The weekly hour for finding and engaging with the right people: the habit behind every
    # fair ask, so it is on by default (Tuesday 08:00, workspace time).
    connect_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    connect_weekday: Mapped[int] = mapped_column(Integer, default=1)
    connect_time: Mapped[str] = mapped_column(String(5), default="08:00")
    connect_minutes: Mapped[int] = mapped_column(Integer, default=60)
    # The default UTM tagging of shared links (schedules.utm); None: off.
    utm: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    # Bumped by every change to the workspace's articles, feeds or members that suggestion lists
    # are ranked from (accounts_db.touch_suggestions): a list kept is current while it holds.
    suggestions_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    users: Mapped[list[User]] = relationship(back_populates="workspace")


class User(Base):
    __tablename__ = "users"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(320), unique=True)
    role: Mapped[str] = mapped_column(String(16), default="rep")
    password_hash: Mapped[str | None] = mapped_column(String(255), default=None)
    # Calendar subscription URLs are derived from this (core.feed_versions): only a positive
    # version's answers.
    calendar_feed_version: Mapped[int | None] = mapped_column(Integer, default=None)
    # Likewise the team's calendar, which an admin may subscribe to apart from their own.
    team_calendar_feed_version: Mapped[int | None] = mapped_column(Integer, default=None)
    # A web session is valid only for the generation it was opened in: signing out, a new
    # password and deactivation each move it on, which ends every session opened before.
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # A deactivated user keeps their data but can no longer sign in or use a token.
    deactivated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    workspace: Mapped[Workspace] = relationship(back_populates="users")


class ApiToken(Base):
    __tablename__ = "api_tokens"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


# A one-time form key as app/web/once.py makes it (16 random bytes, URL-safe), with room.
FORM_KEY_MAX = 64
# Where a form's answer sent its browser: a path and query on this site.
SENT_FORM_LOCATION_MAX = 2000


class SentForm(Base):
    """A form a user sent with its one-time key, and where its answer went (None while it is
    being saved): a second send of the key, however soon, goes there instead of saving again.
    Kept as long as a web session lasts (core/sent_forms_db.py)."""

    __tablename__ = "sent_forms"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    form_key: Mapped[str] = mapped_column(String(FORM_KEY_MAX), primary_key=True)
    # A digest of the address and inputs sent, but the key (app/web/once.py says why).
    inputs: Mapped[str] = mapped_column(String(64))
    location: Mapped[str | None] = mapped_column(String(SENT_FORM_LOCATION_MAX), default=None)
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
