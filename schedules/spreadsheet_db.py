"""The rows of the posts spreadsheet (``spreadsheet.py`` writes them): plain values and a
Session in, nothing written."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session, contains_eager

from core.models import User, Workspace
from schedules import posts, spreadsheet, utm
from schedules.models import Audience, Contact, Post
from schedules.times import parse_range


def post_rows(
    session: Session,
    workspace_id: int,
    *,
    start: str | dt.datetime | None = None,
    end: str | dt.datetime | None = None,
    owner_id: int | None = None,
) -> list[spreadsheet.PostRow]:
    """Every post of the workspace's audiences (one rep's, or the team's for None) for a
    spreadsheet, by time, undated drafts last; a range keeps the dated posts within it,
    naive bounds read on the workspace's clock. Links leave tagged as their audience says."""
    zone = session.get(Workspace, workspace_id).timezone  # type: ignore[union-attr]
    start, end = parse_range(start, end, zone)
    query = (
        select(Post, User.email, Contact.name)
        .join(Audience, Audience.id == Post.audience_id)
        .join(User, User.id == Post.owner_id)
        .outerjoin(Contact, Contact.id == Post.contact_id)
        .where(Audience.workspace_id == workspace_id)
        .options(contains_eager(Post.audience))
        .order_by(Post.scheduled_at.is_(None), Post.scheduled_at, Post.id)
    )
    query = posts.mine_within(query, owner_id, start, end)
    tagging: dict[int, utm.UtmSettings] = {}
    rows = []
    for post, email, contact in session.execute(query):
        audience = post.audience
        if audience.id not in tagging:
            tagging[audience.id] = utm.of_audience(audience)
        rows.append(spreadsheet.PostRow(
            post_id=post.id, scheduled_at=post.scheduled_at, timezone=audience.timezone,
            audience=audience.name, rep=email, kind=post.kind, type=post.type,
            status=post.status, title=post.title, text=post.body or "",
            link=utm.tag(post.url, tagging[audience.id], audience.name, post.id),
            contact=contact, updated_at=post.updated_at,
        ))  # fmt: skip
    return rows
