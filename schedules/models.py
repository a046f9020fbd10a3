"""Audiences, their posts, and the contacts a rep builds relationships with."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    orm,
    text,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from core.db import Base, UTCDateTime, utcnow
from core.models import User, Workspace
from feeds.urls import MAX_URL_LENGTH

GIVE_TYPES = ("shared_article", "original_article", "tip", "congratulation", "other")
ASK_TYPES = ("meeting_request", "referral_request", "offer", "other")
POST_TYPES = {"give": GIVE_TYPES, "ask": ASK_TYPES}
STATUSES = ("draft", "scheduled", "published", "cancelled")
TIMELINE_STATUSES = ("scheduled", "published")
# A one-to-one ask is a pitch to one person, so the catch-all "other" type is left out.
DIRECT_ASK_TYPES = ("meeting_request", "referral_request", "offer")
RELATIONSHIPS = ("none", "met_in_person", "former_colleague", "client", "alumni", "referral")
# A rep's verdict on a suggestion (schedules.feedback_db).
VERDICTS = ("useful", "not_useful")
TOUCH_KINDS = ("commented", "shared_article", "congratulated", "introduced", "helped", "met")

# Lengths, stated once: the columns below, the API schemas and the web forms' inputs use them.
# Those of Text columns are the API's limits; a post's and a profile's URL take the feeds'.
AUDIENCE_NAME_MAX = 200
AUDIENCE_DESCRIPTION_MAX = 5000
TIMEZONE_MAX = 64
POST_TITLE_MAX = 300
POST_BODY_MAX = 20_000
CONTACT_NAME_MAX = 200
CONTACT_COMPANY_MAX = 200
CONTACT_TITLE_MAX = 200
CONTACT_NOTES_MAX = 5000
# The column's width (RFC 3696's 64 + 1 + 255); what is accepted is core.emails' shorter limit.
CONTACT_EMAIL_MAX = 320
# The network's own limit for a connection request's note.
REQUEST_NOTE_MAX = 300
TOUCH_NOTE_MAX = 2000


class Audience(Base):
    __tablename__ = "audiences"
    __table_args__ = (UniqueConstraint("workspace_id", "name"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(AUDIENCE_NAME_MAX))
    description: Mapped[str] = mapped_column(Text, default="")
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    exclude_keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    timezone: Mapped[str] = mapped_column(String(TIMEZONE_MAX), default="UTC")
    cadence: Mapped[dict[str, Any]] = mapped_column(JSON)
    policy_preset: Mapped[str | None] = mapped_column(String(40), default=None)
    gives_per_ask: Mapped[int] = mapped_column(Integer, default=3)
    min_days_between_asks: Mapped[int] = mapped_column(Integer, default=30)
    # Value fades: gives count toward an ask only this many days before it.
    gives_lookback_days: Mapped[int] = mapped_column(Integer, default=365, server_default="365")
    # A published post (or a touch) may be recorded at most this many days after the fact.
    record_published_within_days: Mapped[int] = mapped_column(
        Integer, default=30, server_default="30"
    )
    # The relationship guard's policy for one-to-one asks to this audience's contacts.
    min_days_after_connect: Mapped[int] = mapped_column(Integer, default=14, server_default="14")
    touches_per_ask: Mapped[int] = mapped_column(Integer, default=2, server_default="2")
    # Touches count toward a one-to-one ask only this many days before it.
    touches_lookback_days: Mapped[int] = mapped_column(Integer, default=180, server_default="180")
    # Suggestions lose half their freshness every this many days, and "news" or "evergreen"
    # says how much freshness counts against relevance (schedules.ranking).
    half_life_days: Mapped[int] = mapped_column(Integer, default=14, server_default="7")
    ranking: Mapped[str] = mapped_column(String(16), default="news", server_default="news")
    # UTM tagging of the links its posts share (schedules.utm); None: the workspace's default.
    utm: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    # Bumped by every change to the audience or its posts: the lock target and a cheap ETag.
    revision: Mapped[int] = mapped_column(Integer, default=0)
    # Bumped by every dismissal and verdict, which ``revision`` (the calendar's) leaves alone:
    # with it and the workspace's ``suggestions_version``, a kept suggestion list is current.
    feedback_revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    posts: Mapped[list[Post]] = relationship(
        back_populates="audience", cascade="all, delete-orphan", passive_deletes=True
    )
    # Read-only: an audience held keeps its workspace loaded, so a request reads it once.
    workspace: Mapped[Workspace] = relationship(viewonly=True)


# What tells one version of a post's calendar event from another, in the calendar's order.
CALENDAR_VERSION_COLUMNS = ("scheduled_at", "id", "status", "sequence", "updated_at")


class Post(Base):
    __tablename__ = "posts"
    __table_args__ = (
        # The rule's neighbourhood queries: asks or gives of one audience around an instant.
        # Partial on both databases, but only SQLite's predicate is declared here: naming a
        # ``postgresql_`` option makes SQLAlchemy import its whole PostgreSQL dialect in every
        # process, SQLite ones included. Migration 0001 creates the index with both predicates
        # (the schema comes from migrations only), and tests/unit/test_migrations.py checks it.
        # Each rep has their own timeline on an audience, so the rule reads one rep's posts.
        Index(
            "ix_posts_timeline",
            "audience_id",
            "owner_id",
            "kind",
            "scheduled_at",
            sqlite_where=text("status IN ('scheduled', 'published')"),
        ),
        # A calendar's version read (calendar_db._Calendar.all_events), the team's and a rep's, from
        # the index alone and in its order; their leading columns serve every time-range read.
        # The team's calendar names each event's rep, so it reads the owner from the index too.
        Index("ix_posts_audience_calendar", "audience_id", *CALENDAR_VERSION_COLUMNS, "owner_id"),
        Index(
            "ix_posts_audience_owner_calendar", "audience_id", "owner_id", *CALENDAR_VERSION_COLUMNS
        ),
        Index("ix_posts_contact_scheduled_at", "contact_id", "scheduled_at"),
        # A kept calendar's read of the posts changed since it was rendered.
        Index("ix_posts_audience_revision", "audience_id", "revision"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    audience_id: Mapped[int] = mapped_column(ForeignKey("audiences.id", ondelete="CASCADE"))
    # The rep whose calendar and timeline the post is on: a colleague's gives never cover it.
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # Set on a one-to-one ask: it sits on the audience's timeline and is aimed at this person.
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), default=None
    )
    kind: Mapped[str] = mapped_column(String(8))
    type: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(POST_TITLE_MAX))
    body: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str | None] = mapped_column(String(MAX_URL_LENGTH), default=None)
    # The suggested article this post shares; SET NULL: the post outlives its feed's articles.
    article_id: Mapped[int | None] = mapped_column(
        ForeignKey("articles.id", ondelete="SET NULL"), default=None, index=True
    )
    scheduled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    # Grows whenever the time or text changes, so calendar clients replace their copy.
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The audience's revision at the post's last change (``_stamp_revisions``): a calendar
    # kept at revision r re-reads only the posts above it (calendar_db).
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    audience: Mapped[Audience] = relationship(back_populates="posts")
    owner: Mapped[User] = relationship(viewonly=True)

    @property
    def on_timeline(self) -> bool:
        return self.status in TIMELINE_STATUSES and self.scheduled_at is not None


class SuggestionDismissal(Base):
    """An article a rep waved away for one audience; it is not suggested to them again."""

    __tablename__ = "suggestion_dismissals"

    audience_id: Mapped[int] = mapped_column(
        ForeignKey("audiences.id", ondelete="CASCADE"), primary_key=True
    )
    owner_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class SuggestionFeedback(Base):
    """A rep's verdict on a suggested article for one audience, which the ranking learns from.

    One verdict per audience and article: a new one replaces the old (schedules.feedback_db).
    """

    __tablename__ = "suggestion_feedback"
    __table_args__ = (
        UniqueConstraint("audience_id", "article_id"),
        CheckConstraint(f"verdict IN {VERDICTS}", name="verdict"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    audience_id: Mapped[int] = mapped_column(ForeignKey("audiences.id", ondelete="CASCADE"))
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    verdict: Mapped[str] = mapped_column(String(16))
    # When the current verdict was given: a changed verdict is a new judgement.
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Contact(Base):
    """A person a rep is building a relationship with, on the way to a fair one-to-one ask."""

    __tablename__ = "contacts"
    __table_args__ = (
        # One rep knows a person once; two reps of a team may each know them (a warm
        # introduction). NULLs are distinct on both databases, so no-URL contacts never clash.
        UniqueConstraint("owner_id", "profile_url"),
        Index("ix_contacts_workspace_profile_url", "workspace_id", "profile_url"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    # The rep who knows the person: their touches and one-to-one asks are this rep's.
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    audience_id: Mapped[int | None] = mapped_column(
        ForeignKey("audiences.id", ondelete="SET NULL"), default=None, index=True
    )
    name: Mapped[str] = mapped_column(String(CONTACT_NAME_MAX))
    profile_url: Mapped[str | None] = mapped_column(String(MAX_URL_LENGTH), default=None)
    # From LinkedIn's export when the person shares it there; None when not known.
    email: Mapped[str | None] = mapped_column(String(CONTACT_EMAIL_MAX), default=None)
    company: Mapped[str] = mapped_column(String(CONTACT_COMPANY_MAX), default="")
    title: Mapped[str] = mapped_column(String(CONTACT_TITLE_MAX), default="")
    decision_maker: Mapped[bool] = mapped_column(Boolean, default=False)
    relationship: Mapped[str] = mapped_column(String(32), default="none")
    notes: Mapped[str] = mapped_column(Text, default="")
    requested_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    request_note: Mapped[str | None] = mapped_column(Text, default=None)
    accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    # orm.relationship: the ``relationship`` column above shadows the name in this class body.
    audience: Mapped[Audience | None] = orm.relationship()


class Touch(Base):
    """A give aimed at one person: what earns the right to a one-to-one ask."""

    __tablename__ = "touches"
    __table_args__ = (
        Index("ix_touches_contact_at", "contact_id", "at"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    post_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="SET NULL"), default=None
    )
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


REFUSAL_RULES = ("give_before_ask", "relationship")


class AskRefusal(Base):
    """An ask a rule refused: a coaching signal for the rep's manager (the team view).

    Written after the refused change rolled back, so it records the attempt, never a post.
    """

    __tablename__ = "ask_refusals"
    __table_args__ = (
        Index("ix_ask_refusals_workspace_created_at", "workspace_id", "created_at"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    audience_id: Mapped[int] = mapped_column(ForeignKey("audiences.id", ondelete="CASCADE"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"), default=None
    )
    # The ask whose change was refused; None for a new one. No key: the post may go later.
    post_id: Mapped[int | None] = mapped_column(Integer, default=None)
    rule: Mapped[str] = mapped_column(String(32))
    type: Mapped[str] = mapped_column(String(32))
    scheduled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


@event.listens_for(Session, "before_flush")
def _stamp_revisions(session: Session, flush_context: Any, instances: Any) -> None:
    """A post written takes its audience's revision, which every change to the audience's
    posts bumps under its lock (``audiences_db.lock_audience``): so a calendar kept at
    revision r finds each post changed since among those above r, on every write path of
    the ORM (none writes posts by Core statements; one that did would set it itself)."""
    new = session.new  # a new set at each access: built once, not once a post
    for post in (*new, *session.dirty):
        if isinstance(post, Post) and (post in new or session.is_modified(post)):
            # A post added by audience_id alone has no audience object yet; the session has it.
            audience = post.audience or session.get(Audience, post.audience_id)
            post.revision = audience.revision
