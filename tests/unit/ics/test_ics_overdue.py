"""A scheduled post whose time passed unpublished shows as overdue, and no version hides it.

Overdue depends on the clock, not on any row, so these tests move ``now`` over the golden
calendar's rows (golden.py) and check the event, the calendar's version and the event cache.
"""

import datetime as dt

import pytest
from icalendar import Calendar
from sqlalchemy import select

from schedules import calendar_db, posts
from schedules.ics import OVERDUE_NOTE
from schedules.models import Post
from tests.unit.ics import golden

TIP = "post-2@value-planner"  # scheduled 2025-01-14 08:00 UTC
GUIDE = "post-3@value-planner"  # scheduled 2025-01-21 08:00 UTC


def cfos(session, now, cache=None):
    audiences = calendar_db.audiences_for_export(session, 1, [1])
    options = calendar_db.ExportOptions(owner_id=1)  # the rep's own calendar
    version = calendar_db.version(session, 1, audiences, options, now)
    body = calendar_db.build(session, 1, audiences, options, now, cache).render(now)
    return version.fingerprint, {str(e["UID"]): e for e in Calendar.from_ical(body).walk("VEVENT")}


def test_only_scheduled_posts_past_their_time_are_overdue(loaded):
    with loaded() as session:
        _, events = cfos(session, golden.at("2025-01-15T00:00"))
    overdue = {uid for uid, e in events.items() if str(e["SUMMARY"]).startswith("Overdue: ")}
    # Not the published give of December, the cancelled or draft posts, or later ones.
    assert overdue == {TIP}
    tip = events[TIP]
    assert str(tip["DESCRIPTION"]).startswith(f"{OVERDUE_NOTE}\n\n")
    assert "overdue" in [str(c) for c in tip["CATEGORIES"].cats]
    assert (int(tip["SEQUENCE"]), str(tip["STATUS"])) == (4, "CONFIRMED")
    assert tip["LAST-MODIFIED"].dt == golden.at("2025-01-14T08:00")


def test_the_version_moves_when_a_post_turns_overdue_and_only_then(loaded):
    with loaded() as session:
        before, _ = cfos(session, golden.NOW)
        assert cfos(session, golden.at("2025-01-14T07:59"))[0] == before
        after, _ = cfos(session, golden.at("2025-01-14T08:01"))
        assert after != before
        assert cfos(session, golden.at("2025-01-20T00:00"))[0] == after
        assert cfos(session, golden.at("2025-01-21T08:01"))[0] not in (before, after)


def test_kept_events_are_not_served_once_their_post_is_overdue(loaded):
    cache = calendar_db.EventCache(2**20)
    with loaded() as session:
        _, early = cfos(session, golden.NOW, cache)
        _, late = cfos(session, golden.at("2025-01-15T00:00"), cache)
    assert str(early[TIP]["SUMMARY"]).startswith("Give: ")
    assert str(late[TIP]["SUMMARY"]).startswith("Overdue: Give: ")
    assert str(late[GUIDE]["SUMMARY"]) == "Give: Pricing: a field guide"


@pytest.mark.parametrize(
    "now", ["2024-12-10T08:00", "2025-01-14T08:00", "2025-01-14T08:00:01", "2030-01-01T00:00"]
)
def test_sql_and_python_agree_on_overdue(loaded, now):
    with loaded() as session:
        rows = session.execute(select(Post.id, Post.status, Post.scheduled_at)).all()
        by_sql = set(session.scalars(select(Post.id).where(posts.overdue_clause(golden.at(now)))))
    assert by_sql == {id_ for id_, s, at in rows if posts.is_overdue(s, at, golden.at(now))}


def test_is_overdue():
    now = dt.datetime(2025, 1, 1, 12, tzinfo=dt.UTC)
    past, future = now - dt.timedelta(seconds=1), now + dt.timedelta(seconds=1)
    assert posts.is_overdue("scheduled", past, now)
    assert not posts.is_overdue("scheduled", now, now)  # due, not yet late
    assert not posts.is_overdue("scheduled", future, now)
    assert not posts.is_overdue("scheduled", None, now)
    for status in ("draft", "published", "cancelled"):
        assert not posts.is_overdue(status, past, now)
