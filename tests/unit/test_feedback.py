"""The verdicts a rep gives suggestions, and the examples the ranking learns from, on both
databases: one verdict per audience and article, undoable, scheduled articles counting as
useful, and nothing of another workspace reachable."""

from __future__ import annotations

import datetime as dt

import pytest

from core import accounts_db
from core.errors import InvalidValue, NotFound
from schedules import audiences_db, posts_db
from schedules.feedback_db import (
    FeedbackExample,
    feedback_examples,
    record_feedback,
    undo_feedback,
    verdicts_for,
)
from tests.articles import NOW, add_article, add_feed

LATER = NOW + dt.timedelta(hours=1)


@pytest.fixture
def world(session):
    """One workspace with an audience and three articles, and another workspace's pair."""
    ours, _ = accounts_db.create_user(session, "Acme", "rep@acme.example", "rep")
    theirs, _ = accounts_db.create_user(session, "Globex", "rep@globex.example", "rep")
    feed = add_feed(session, ours.workspace_id, "SaaS Weekly")
    other_feed = add_feed(session, theirs.workspace_id, "Globex News")
    world = {
        "ws": ours.workspace_id,
        "rep": ours.id,
        "audience": audiences_db.create_audience(session, ours.workspace_id, name="CFOs").id,
        "articles": [add_article(session, feed, f"Pricing note {n}").id for n in range(3)],
        "other_ws": theirs.workspace_id,
        "other_audience": audiences_db.create_audience(session, theirs.workspace_id, name="X").id,
        "other_article": add_article(session, other_feed, "Their note").id,
    }
    session.commit()
    return world


def test_a_verdict_is_recorded_and_a_new_one_replaces_it(session, world):
    ws, audience, (article, *_) = world["ws"], world["audience"], world["articles"]

    record_feedback(session, ws, audience, article, "useful", NOW)
    session.commit()
    replaced = record_feedback(session, ws, audience, article, "not_useful", LATER)
    session.commit()

    assert (replaced.verdict, replaced.at) == ("not_useful", LATER)
    assert feedback_examples(session, audience) == [FeedbackExample(article, False, LATER)]


def test_repeating_a_verdict_keeps_its_time(session, world):
    ws, audience, (article, *_) = world["ws"], world["audience"], world["articles"]
    record_feedback(session, ws, audience, article, "useful", NOW)
    session.commit()

    again = record_feedback(session, ws, audience, article, "useful", LATER)
    session.commit()

    assert again.at == NOW
    assert feedback_examples(session, audience) == [FeedbackExample(article, True, NOW)]


def test_undoing_forgets_the_verdict_and_is_harmless_to_repeat(session, world):
    ws, audience, (article, kept, _) = world["ws"], world["audience"], world["articles"]
    record_feedback(session, ws, audience, article, "useful", NOW)
    record_feedback(session, ws, audience, kept, "not_useful", NOW)
    session.commit()

    undo_feedback(session, ws, audience, article)
    undo_feedback(session, ws, audience, article)
    session.commit()

    assert feedback_examples(session, audience) == [FeedbackExample(kept, False, NOW)]


def test_an_unknown_verdict_is_refused_naming_the_field(session, world):
    with pytest.raises(InvalidValue) as refused:
        record_feedback(session, world["ws"], world["audience"], world["articles"][0], "meh", NOW)
    assert refused.value.field == "verdict"


@pytest.mark.parametrize(
    ("audience_key", "article_key"),
    [("other_audience", "articles"), ("audience", "other_article")],
    ids=["their audience", "their article"],
)
def test_another_workspaces_audience_or_article_is_not_found(
    session, world, audience_key, article_key
):
    article = world[article_key][0] if article_key == "articles" else world[article_key]
    with pytest.raises(NotFound):
        record_feedback(session, world["ws"], world[audience_key], article, "useful", NOW)
    with pytest.raises(NotFound):
        undo_feedback(session, world["ws"], world[audience_key], article)


def test_a_scheduled_article_counts_as_useful_unless_the_rep_said_otherwise(session, world):
    ws, audience, (scheduled, overruled, drafted) = (
        world["ws"],
        world["audience"],
        world["articles"],
    )
    ahead, shared = NOW + dt.timedelta(days=3), NOW - dt.timedelta(days=1)
    for article_id, status, when in ((scheduled, "scheduled", ahead),
                                     (overruled, "published", shared),
                                     (drafted, "draft", ahead)):  # fmt: skip
        posts_db.create_post(session, ws, audience, {
            "kind": "give", "type": "shared_article", "status": status,
            "article_id": article_id, "scheduled_at": when,
        }, world["rep"])  # fmt: skip
        session.commit()
    record_feedback(session, ws, audience, overruled, "not_useful", LATER)
    session.commit()

    examples = {e.article_id: e for e in feedback_examples(session, audience)}

    assert set(examples) == {scheduled, overruled}  # a draft is not a choice yet
    assert examples[scheduled].useful and examples[scheduled].at.tzinfo is not None
    assert examples[overruled] == FeedbackExample(overruled, False, LATER)


def test_the_examples_belong_to_one_audience(session, world):
    ws, (article, *_) = world["ws"], world["articles"]
    other = audiences_db.create_audience(session, ws, name="CTOs").id
    record_feedback(session, ws, world["audience"], article, "useful", NOW)
    session.commit()

    assert feedback_examples(session, other) == []
    assert verdicts_for(session, other, [article]) == {}
    assert verdicts_for(session, world["audience"], [article]) == {article: "useful"}
