"""A calendar brought up to date from the posts changed since it was kept is byte for byte the
calendar rendered afresh, whatever was done in between.

Random sequences of the changes reps make (create, move, cancel, retitle, schedule a draft,
reassign to a colleague, delete, rename or UTM-tag the audience) and of the team (invite a rep,
change a rep's email) on two audiences of two reps; after each one, every calendar a
subscriber may hold (each rep's, the team's, with and without drafts, one audience or all) is
rendered with the server's kept calendars and without any cache, and the two must be equal.
The render's clock moves on too, so posts turn overdue.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest
from sqlalchemy import select

from core import accounts_db
from core.db import make_sessionmakers, utcnow
from core.errors import DomainError
from core.models import User, Workspace
from schedules import audiences_db, calendar_db, posts_db
from schedules.models import Post
from tests.helpers import statements_run


def _team(writer) -> tuple[int, list[int], list[int]]:
    with writer() as session:
        workspace = Workspace(name="Kept Co", timezone="Europe/Berlin")
        session.add(workspace)
        session.flush()
        reps = [User(workspace_id=workspace.id, email=f"rep{n}@kept.example") for n in (1, 2)]
        session.add_all(reps)
        audiences = [
            audiences_db.create_audience(session, workspace.id, name=name, timezone="UTC")
            for name in ("CFOs", "CIOs")
        ]
        session.commit()
        return workspace.id, [a.id for a in audiences], [u.id for u in reps]


def _change(session, rng: random.Random, workspace_id, audience_ids, rep_ids, soon) -> None:
    """One random change, as the API makes it; one the rules refuse changes nothing."""
    ids = session.scalars(select(Post.id).where(Post.audience_id.in_(audience_ids))).all()
    action = rng.choice(["create", "create", "move", "cancel", "retitle", "schedule",
                         "reassign", "delete", "audience", "team"]
                        if ids else ["create"])  # fmt: skip
    post_id = rng.choice(ids) if ids else None
    when = (soon + dt.timedelta(minutes=30 * rng.randrange(0, 12))).isoformat()
    if action == "create":
        fields = {"kind": "give", "type": "tip", "title": f"T{rng.randrange(1000)}",
                  "url": "https://example.com/a", "scheduled_at": when,
                  "status": rng.choice(["scheduled", "scheduled", "draft"])}  # fmt: skip
        posts_db.create_post(
            session, workspace_id, rng.choice(audience_ids), fields, rng.choice(rep_ids)
        )
    elif action == "move":
        posts_db.update_post(session, workspace_id, post_id, {"scheduled_at": when})
    elif action == "cancel":
        posts_db.update_post(session, workspace_id, post_id, {"status": "cancelled"})
    elif action == "retitle":
        posts_db.update_post(session, workspace_id, post_id, {"title": f"R{rng.randrange(99)}"})
    elif action == "schedule":
        posts_db.update_post(session, workspace_id, post_id, {"status": "scheduled"})
    elif action == "reassign":
        posts_db.update_post(session, workspace_id, post_id, {"owner_id": rng.choice(rep_ids)})
    elif action == "delete":
        posts_db.delete_post(session, workspace_id, post_id)
    elif action == "team":
        if rng.random() < 0.5:
            accounts_db.invite_user(
                session, workspace_id, f"new{rng.randrange(10**9)}@x.example", "rep"
            )
        else:  # no route changes one, but the team's events must follow an email nonetheless
            user = session.get(User, rng.choice(rep_ids))
            user.email = f"rep{user.id}-{rng.randrange(9)}@kept.example"
    else:
        changes = rng.choice([{"name": f"Audience {rng.randrange(99)}"},
                              {"utm": {"enabled": rng.random() < 0.5}}])  # fmt: skip
        audiences_db.update_audience(session, workspace_id, rng.choice(audience_ids), changes)


def _calendars(audience_ids, rep_ids):
    """(audience refs, options) of every calendar a subscriber may hold."""
    for refs in ([audience_ids[0]], None):
        for owner in (*rep_ids, None):
            for drafts in (False, True):
                yield refs, calendar_db.ExportOptions(owner_id=owner, include_drafts=drafts)


def _render(session, workspace_id, refs, options, now, cache=None) -> bytes:
    audiences = calendar_db.audiences_for_export(session, workspace_id, refs)
    return calendar_db.build(session, workspace_id, audiences, options, now, cache).render(now)


def _read_whole(statements: list[str]) -> list[str]:
    """The calendar's read of every post's version, in time order."""
    return [s for s in statements if "ORDER BY posts.scheduled_at" in s]


@pytest.mark.parametrize("seed", range(4))
def test_a_kept_calendar_brought_up_to_date_is_the_fresh_calendar(engine, seed):
    reader, writer = make_sessionmakers(engine)
    workspace_id, audience_ids, rep_ids = _team(writer)
    rng = random.Random(seed)
    cache = calendar_db.EventCache(2**22)
    now = utcnow()
    # Posts on the half hours of the next hours: many at one instant, all soon overdue.
    soon = now.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
    for _ in range(30):
        with writer() as session:
            try:
                _change(session, rng, workspace_id, audience_ids, rep_ids, soon)
                session.commit()
            except DomainError:
                session.rollback()
        now += dt.timedelta(minutes=rng.choice([0, 20, 45]))  # posts turn overdue
        with reader() as session:
            for refs, options in _calendars(audience_ids, rep_ids):
                kept = _render(session, workspace_id, refs, options, now, cache)
                assert kept == _render(session, workspace_id, refs, options, now), (refs, options)


def test_after_one_change_only_the_changed_post_is_read(engine):
    """The point of keeping the calendar: no read of every post's version, one post's text."""
    reader, writer = make_sessionmakers(engine)
    workspace_id, audience_ids, rep_ids = _team(writer)
    soon = utcnow() + dt.timedelta(days=1)
    with writer() as session:
        for n in range(20):
            fields = {"kind": "give", "type": "tip", "title": f"T{n}",
                      "scheduled_at": (soon + dt.timedelta(hours=n)).isoformat()}  # fmt: skip
            post = posts_db.create_post(session, workspace_id, audience_ids[0], fields, rep_ids[0])
        session.commit()
        post_id = post.id
    cache, options = calendar_db.EventCache(2**22), calendar_db.ExportOptions()
    with reader() as session:
        _render(session, workspace_id, [audience_ids[0]], options, utcnow(), cache)
    with writer() as session:
        posts_db.update_post(session, workspace_id, post_id, {"title": "Changed"})
        session.commit()
    with statements_run(engine) as statements, reader() as session:
        body = _render(session, workspace_id, [audience_ids[0]], options, utcnow(), cache)
    assert b"SUMMARY:[rep1] Give: Changed\r\n" in body and body.count(b"UID:post-") == 20
    # Not the calendar's read of every post's version; one post's text by id.
    assert not _read_whole(statements)
    [text] = [s for s in statements if "posts.title" in s]
    assert "posts.id IN" in text


def test_a_new_rep_keeps_the_team_calendar_and_a_changed_email_renames_its_events(engine):
    """The team calendar is kept while the reps its events name keep their emails."""
    reader, writer = make_sessionmakers(engine)
    workspace_id, audience_ids, rep_ids = _team(writer)
    soon = utcnow() + dt.timedelta(days=1)
    with writer() as session:
        for n, owner in enumerate(rep_ids * 3):
            fields = {"kind": "give", "type": "tip", "title": f"T{n}",
                      "scheduled_at": (soon + dt.timedelta(hours=n)).isoformat()}  # fmt: skip
            posts_db.create_post(session, workspace_id, audience_ids[0], fields, owner)
        session.commit()
    cache, team = calendar_db.EventCache(2**22), calendar_db.ExportOptions()
    with reader() as session:
        _render(session, workspace_id, None, team, utcnow(), cache)
    with writer() as session:
        accounts_db.invite_user(session, workspace_id, "rep3@kept.example", "rep")
        session.commit()
    now = utcnow()
    with statements_run(engine) as statements, reader() as session:
        body = _render(session, workspace_id, None, team, now, cache)
    assert not _read_whole(statements)  # a rep with no posts in it changes none of its events
    with reader() as session:
        assert body == _render(session, workspace_id, None, team, now)
    with writer() as session:
        session.get(User, rep_ids[0]).email = "renamed@kept.example"
        session.commit()
    with reader() as session:
        renamed = _render(session, workspace_id, None, team, now, cache)
        assert renamed == _render(session, workspace_id, None, team, now)
    assert body.count(b"[rep1] ") == renamed.count(b"[renamed] ") == 3
    assert b"[rep1] " not in renamed and renamed.count(b"[rep2] ") == 3
