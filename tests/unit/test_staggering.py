"""Staggering a team's shares, on plain suggestions: what is held back, for how long, and how
the planner hands out articles."""

from __future__ import annotations

import datetime as dt

from schedules.ranking import Suggestion
from schedules.staggering import (
    STAGGER,
    ColleaguePlan,
    assign,
    clash_note,
    described,
    held_back,
    held_until,
    staggered,
    with_plans,
)

NOW = dt.datetime(2026, 12, 7, 12, tzinfo=dt.UTC)  # a Monday
ZONE = "Europe/Berlin"


def suggestion(article_id: int) -> Suggestion:
    return Suggestion(
        article_id=article_id, title=f"Article {article_id}", url=None, published_at=NOW,
        feed_id=None, feed_title=None, score=1 / article_id, relevance=1.0,
        matched_keywords=("pricing",), age_days=0.0,
    )  # fmt: skip


def pat(at: dt.datetime, status: str = "scheduled") -> ColleaguePlan:
    return ColleaguePlan(7, "pat@acme.example", at, status)


def ids(found):
    return [s.article_id for s in found]


def test_an_article_a_colleague_shares_this_week_goes_after_the_others():
    tuesday = dt.datetime(2026, 12, 8, 8, tzinfo=dt.UTC)
    ranked = with_plans([suggestion(i) for i in (1, 2, 3)], {1: [pat(tuesday)]})

    found = staggered(ranked, NOW, 3, ZONE)

    assert ids(found) == [2, 3, 1]
    assert found[2].planned_by[0].note == (
        "pat@acme.example shares this Tue 8 December, 09:00: listed after the others until "
        "15 December"
    )
    assert found[2].reasons[-1] == found[2].planned_by[0].note
    assert held_until(found[2].planned_by, NOW) == tuesday + STAGGER
    assert staggered(ranked, NOW, 2, ZONE) == found[:2]


def test_the_week_is_counted_on_both_sides_of_the_colleagues_post():
    for at, held in [
        (NOW - STAGGER, True),
        (NOW + STAGGER, True),
        (NOW - STAGGER - dt.timedelta(minutes=1), False),
        (NOW + STAGGER + dt.timedelta(minutes=1), False),
    ]:
        ranked = with_plans([suggestion(1), suggestion(2)], {1: [pat(at)]})
        assert ids(staggered(ranked, NOW, 2, ZONE)) == ([2, 1] if held else [1, 2]), at
        assert (held_until(ranked[0].planned_by, NOW) is not None) == held


def test_notes_say_shared_shares_or_drafted_on_the_audiences_clock():
    three_weeks_ago = NOW - dt.timedelta(days=21)
    assert described(pat(three_weeks_ago, "published"), ZONE, NOW).note == (
        "pat@acme.example shared this Mon 16 November, 13:00"
    )
    later = NOW + dt.timedelta(days=30)
    assert described(pat(later, "draft"), ZONE, NOW).note == (
        "pat@acme.example has drafted this for Wed 6 January 2027, 13:00"
    )


def test_only_posts_near_one_of_the_moments_hold_an_article_back():
    plans = {1: [pat(NOW + dt.timedelta(days=3))], 2: [pat(NOW + dt.timedelta(days=30))]}
    assert held_back(plans, [NOW]) == {1}
    assert held_back(plans, [NOW, NOW + dt.timedelta(days=28)]) == {1, 2}
    assert held_back(plans, []) == set()


def test_plans_are_listed_soonest_first():
    late, early = pat(NOW + dt.timedelta(days=30)), pat(NOW - dt.timedelta(days=30))
    [carried] = with_plans([suggestion(1)], {1: [late, early]})
    assert carried.planned_by == (early, late)


def test_the_planner_prefers_articles_no_colleague_posts_near_the_slot():
    jan, feb = dt.datetime(2027, 1, 12, 8, tzinfo=dt.UTC), dt.datetime(2027, 2, 9, 8, tzinfo=dt.UTC)
    ranked = with_plans(
        [suggestion(i) for i in (1, 2, 3)],
        {1: [pat(jan + dt.timedelta(days=2))], 2: [pat(jan + dt.timedelta(days=40))]},
    )

    # January skips 1 (Pat's is two days later) for 2; February takes the best left, 1.
    assert [(a.slot, a.pick.article_id, a.clashes) for a in assign([jan, feb], ranked)] == [
        (jan, 2, ()),
        (feb, 1, ()),
    ]


def test_a_colleagues_article_fills_a_slot_only_when_nothing_else_is_left_and_says_so():
    jan = dt.datetime(2027, 1, 12, 8, tzinfo=dt.UTC)
    plan = pat(jan - dt.timedelta(days=1))
    ranked = with_plans([suggestion(1)], {1: [plan]})

    first, second = assign([jan, jan + dt.timedelta(days=28)], ranked)

    assert (first.pick.article_id, first.clashes) == (1, (plan,))
    assert (second.pick, second.clashes) == (None, ())
    assert clash_note(first.clashes, ZONE, NOW) == (
        "No other article was left: a colleague posts this one within a week "
        "(pat@acme.example, Mon 11 January 2027, 09:00)."
    )
