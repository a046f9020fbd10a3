"""The rule's refusals in the rep's words, on the audience's clock (no Flask, no database)."""

from __future__ import annotations

import datetime as dt

from schedules.explain import rule_sentences
from schedules.rule import Violation

UTC = dt.UTC


def violation(**fields) -> Violation:
    base = {
        "post_id": 7,
        "at": dt.datetime(2031, 3, 4, 9, 0, tzinfo=UTC),
        "gives_counted": 3,
        "gives_required": 3,
        "previous_ask_at": dt.datetime(2031, 2, 20, 9, 0, tzinfo=UTC),
        "min_days_between_asks": 30,
        "earliest_allowed_at": dt.datetime(2031, 3, 22, 9, 0, tzinfo=UTC),
    }
    return Violation(**{**base, **fields})


def test_an_ask_too_soon_after_the_last_names_the_gap_and_a_date_in_local_time():
    [sentence] = rule_sentences([violation()], "CFOs", "America/New_York", 7, {})
    assert sentence == (
        "Leave at least 30 days after your previous ask on 20 February 2031, "
        "or choose a date on or after Sat 22 March 2031, 05:00."
    )


def test_one_more_give_is_singular_and_no_date_when_only_gives_would_help():
    found = violation(gives_counted=2, previous_ask_at=None, earliest_allowed_at=None)
    assert rule_sentences([found], "CFOs", "UTC", 7, {}) == [
        "Share 1 more value post with CFOs first "
        "(only value posts from the 365 days before an ask count)."
    ]


def test_another_ask_left_uncovered_is_named_by_its_title():
    found = violation(post_id=9, gives_counted=1, previous_ask_at=None, earliest_allowed_at=None)
    [sentence] = rule_sentences([found], "CFOs", "Europe/Berlin", 7, {9: "Pricing review"})
    assert sentence == (
        "This would leave your ask “Pricing review” on Tue 4 March 2031, 10:00 with only 1 of "
        "the 3 value posts it needs; schedule another value post before that ask first."
    )
