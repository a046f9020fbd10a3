"""Refusals in words: the rep's, on the audience's clock, and the API's, in UTC (no Flask, no
database)."""

from __future__ import annotations

import datetime as dt

from schedules.contacts.relationship import AskViolation, PersonPolicy, Unmet
from schedules.explain import (
    audience_detail,
    audience_sentence,
    condition_detail,
    no_date,
    person_sentences,
    relationship_detail,
    rule_detail,
    rule_sentences,
)
from schedules.models import Contact
from schedules.rule import NoDate, Ratio, Violation

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


def test_the_names_and_titles_a_user_typed_pass_through_typed():
    """So a page can isolate them: the audience's name and another ask's title, and a
    contact's first name even where it starts a sentence (kept as typed, not lowercased)."""
    own = violation(gives_counted=2, previous_ask_at=None, earliest_allowed_at=None)
    other = violation(post_id=9, gives_counted=1, previous_ask_at=None, earliest_allowed_at=None)
    found = rule_sentences([own, other], "CFOs", "UTC", 7, {9: "Pricing"}, typed="[{}]".format)
    assert "with [CFOs] first" in found[0] and "your ask “[Pricing]” on" in found[1]
    contact = Contact(name="Dana Whitfield", accepted_at=dt.datetime(2031, 3, 1, tzinfo=UTC))
    at = dt.datetime(2031, 3, 4, 9, tzinfo=UTC)
    conditions = [{"condition": "days_after_connect", "satisfied_on": None, "post_id": 9,
                   "scheduled_at": at}]  # fmt: skip
    [sentence] = person_sentences(conditions, contact, PersonPolicy(), "UTC", at, {9: "Pilot"},
                                  typed="[{}]".format)  # fmt: skip
    assert sentence.startswith("This would leave your ask “[Pilot]” on ")
    assert "short: [Dana] connected only 3 days before this ask" in sentence
    [plain] = person_sentences(conditions, contact, PersonPolicy(), "UTC", at, {9: "Pilot"})
    assert "short: Dana connected only 3 days before this ask" in plain  # was "dana"


# ---------------------------------------------------------------- the API's wording, in UTC


def test_the_api_detail_states_what_each_ask_lacks_and_the_earliest_date_in_utc():
    found = violation(gives_counted=1, previous_ask_at=None)
    assert rule_detail("CFOs", [found]) == (
        "This change would leave asks to CFOs uncovered: ask 7 at 2031-03-04 09:00 UTC: it needs "
        "3 value posts since the previous ask and within 365 days before it, and has 1; the "
        "earliest date that would pass is 2031-03-22 09:00 UTC."
    )


def test_a_new_ask_that_no_date_would_pass_says_why():
    next_ask = dt.datetime(2031, 3, 20, 9, 0, tzinfo=UTC)
    reason = NoDate("next_gives", 3, 365, 30, next_ask)
    found = violation(post_id=None, earliest_allowed_at=None, no_date=reason)
    assert rule_detail("CFOs", [found]).endswith(
        "the new ask at 2031-03-04 09:00 UTC: it comes less than 30 days after the previous ask"
        "; no date passes: the next ask at 2031-03-20 09:00 UTC needs the 3 value posts before "
        "it; add value posts or move that ask."
    )


def test_each_reason_no_date_passes_is_worded_with_its_numbers():
    at = dt.datetime(2031, 3, 20, 9, 0, tzinfo=UTC)
    assert no_date(None) is None
    assert no_date(NoDate("few_gives", 4, 90, 30)) == "schedule 4 value posts within 90 days first"
    assert no_date(NoDate("few_gives", 4, 90, 30, at)).startswith(
        "fewer than 4 value posts fall within 90 days of any date before the next ask"
    )
    assert no_date(NoDate("next_gap", 0, 90, 30, at)) == (
        "the next ask at 2031-03-20 09:00 UTC needs 30 days before it"
    )
    assert "comes less than 30 days before it" in no_date(NoDate("squeezed", 3, 90, 30, at))


def test_the_relationship_detail_names_the_person_and_folds_in_the_audience_rule():
    unmet = Unmet("touches", touches_needed=1)
    ask = AskViolation(dt.datetime(2031, 3, 4, 9, 0, tzinfo=UTC), None, (unmet,))
    detail = relationship_detail([("Ana Lima", PersonPolicy(), ask)], "Audience says no.")
    assert detail == (
        "Not yet a fair ask: the new ask to Ana Lima at 2031-03-04 09:00 UTC: it needs 2 touches "
        "aimed at Ana Lima since the connection or the previous ask, within 180 days before it, "
        "and has 1: give 1 more first (comment, share an article, congratulate, introduce, help "
        "or meet). The audience rule refuses it too: Audience says no."
    )
    assert condition_detail("Ana Lima", PersonPolicy(), Unmet("connected")).startswith(
        "Ana Lima has not accepted a connection yet"
    )


def test_the_wait_after_connecting_names_the_rules_days_whatever_the_gap():
    """Saying "Dana connected less than a day ago" alone hid the reason: the rule's 14 days
    (or whatever the audience sets) is what the date comes from."""
    now = dt.datetime(2031, 3, 1, 12, tzinfo=UTC)
    ready = dt.datetime(2031, 3, 15, 11, tzinfo=UTC)
    waiting = [{"condition": "days_after_connect", "satisfied_on": ready}]
    hour_ago = Contact(name="Dana Whitfield", accepted_at=now - dt.timedelta(hours=1))
    [today] = person_sentences(waiting, hour_ago, PersonPolicy(), "UTC", now=now)
    assert today == (
        "Wait until Sat 15 March 2031, 11:00: Dana connected less than a day ago; the rule "
        "waits 14 days after a connection."
    )
    day_ago = Contact(name="Dana Whitfield", accepted_at=now - dt.timedelta(days=1, hours=1))
    [sentence] = person_sentences(waiting, day_ago, PersonPolicy(), "UTC", now=now)
    assert sentence.endswith("connected only 1 day ago; the rule waits 14 days after a connection.")
    one_day = PersonPolicy(min_days_after_connect=1)
    [sentence] = person_sentences(waiting, hour_ago, one_day, "UTC", now=now)
    assert sentence.endswith("a day ago; the rule waits 1 day after a connection.")
    never = [{"condition": "days_after_connect", "satisfied_on": None}]
    [late] = person_sentences(never, hour_ago, PersonPolicy(), "UTC", now=now)
    assert late.startswith(
        "Dana connected less than a day ago; the rule waits 14 days after a connection, and no date"
    )


def test_the_audience_rule_for_an_ask_now_is_worded_for_each_reader():
    """A contact's standing words the audience rule from its ratio: the API's detail in UTC,
    the page's sentence on the audience's clock, with the name a user typed passed through."""
    short = Ratio(None, 1, 3, 2, None, 365, no_date=NoDate("few_gives", 3, 365, 30))
    assert audience_detail("CFOs", short) == (
        "the audience rule of CFOs refuses an ask now: it needs 3 value posts since your previous "
        "ask and within 365 days before it, and has 1 on the calendar; no date passes: schedule 3 "
        "value posts within 365 days first"
    )
    assert audience_sentence("CFOs", short, "UTC", typed="[{}]".format) == (
        "Share 2 more value posts with [CFOs] first: its rule wants 3 value posts before each ask "
        "(from the 365 days before it), so no date passes yet."
    )
    later = dt.datetime(2031, 3, 22, 9, 0, tzinfo=UTC)
    planned = Ratio(None, 3, 3, 0, later, 365)
    assert audience_detail("CFOs", planned) == (
        "the audience rule of CFOs refuses an ask now: the value posts it needs since your "
        "previous ask are still to come, or that ask is too recent; the earliest date that would "
        "pass is 2031-03-22 09:00 UTC"
    )
    assert audience_sentence("CFOs", planned, "Europe/Berlin") == (
        "The audience rule of CFOs (value posts before an ask) lets your next ask go out from "
        "Sat 22 March 2031, 10:00: choose that or later."
    )
    assert audience_sentence("CFOs", None, "UTC") == (
        "Give this contact an audience first: a one-to-one ask also counts on its calendar."
    )
