"""The give-before-ask rule on hand-made timelines, no database."""

import datetime as dt

from schedules import explain
from schedules.rule import Entry, ListTimeline, Policy, check_change, ratio, violations

T0 = dt.datetime(2025, 1, 1, 9, tzinfo=dt.UTC)
POLICY = Policy(gives_per_ask=3, min_days_between_asks=30)


def day(n: int) -> dt.datetime:
    return T0 + dt.timedelta(days=n)


def timeline(*items: tuple[int, str]) -> list[Entry]:
    return [Entry(day(d), index, kind) for index, (d, kind) in enumerate(items)]


def test_three_gives_then_an_ask_is_covered():
    assert violations(timeline((1, "give"), (2, "give"), (3, "give"), (4, "ask")), POLICY) == []


def test_an_ask_at_the_start_of_the_timeline_counts_no_gives():
    (found,) = violations(timeline((1, "ask")), POLICY)
    assert (found.gives_counted, found.gives_required, found.earliest_allowed_at) == (0, 3, None)


def test_gives_before_the_previous_ask_do_not_count_again():
    entries = timeline(
        (1, "give"), (2, "give"), (3, "give"), (4, "give"), (5, "ask"), (40, "give"), (41, "ask")
    )
    (found,) = violations(entries, POLICY)
    assert found.post_id == 6 and found.gives_counted == 1


def test_spacing_is_measured_from_the_previous_ask():
    entries = timeline(
        (1, "give"), (2, "give"), (3, "give"), (4, "ask"),
        (5, "give"), (6, "give"), (7, "give"), (20, "ask"),
    )  # fmt: skip
    (found,) = violations(entries, POLICY)
    assert found.too_soon and not found.gives_missing
    assert found.earliest_allowed_at == day(34)


def test_no_earliest_date_is_offered_beyond_the_next_ask():
    entries = timeline((1, "give"), (2, "ask"), (3, "ask"), (4, "give"), (5, "give"))
    first = violations(entries, Policy(3, 0))[0]
    assert first.post_id == 1 and first.earliest_allowed_at is None
    alone = violations(timeline((1, "give"), (2, "ask"), (4, "give"), (5, "give")), Policy(3, 0))
    assert alone[0].earliest_allowed_at == day(5) + dt.timedelta(minutes=1)


def test_check_change_reads_only_the_neighbourhood():
    class CountingTimeline(ListTimeline):
        reads = 0

        def first_gives_between(self, after, until, limit, exclude_id):
            found = super().first_gives_between(after, until, limit, exclude_id)
            CountingTimeline.reads += len(found)
            return found

        def last_gives_between(self, after, until, limit, exclude_id):
            found = super().last_gives_between(after, until, limit, exclude_id)
            CountingTimeline.reads += len(found)
            return found

    entries = [Entry(day(d), d, "give") for d in range(1000)]
    source = CountingTimeline(entries)
    assert check_change(source, POLICY, None, Entry(day(1000), 5000, "ask")) == []
    assert CountingTimeline.reads <= POLICY.gives_per_ask * 2


def test_the_first_gives_of_a_gap_are_read_only_to_advise_a_refusal():
    # Whether an ask is covered, the last gives before it say; the first ones after the
    # previous ask only place the earliest date a refused ask is offered.
    class CountingTimeline(ListTimeline):
        reads = 0

        def first_gives_between(self, after, until, limit, exclude_id):
            CountingTimeline.reads += 1
            return super().first_gives_between(after, until, limit, exclude_id)

    source = CountingTimeline(timeline((1, "give"), (2, "give"), (3, "give"), (4, "ask"),
                                       (5, "give"), (6, "give"), (7, "give")))  # fmt: skip
    assert check_change(source, POLICY, None, Entry(day(8), 10, "give")) == []
    assert check_change(source, POLICY, None, Entry(day(40), 11, "ask")) == []
    assert CountingTimeline.reads == 0
    (refused,) = check_change(source, POLICY, None, Entry(day(10), 12, "ask"))
    assert refused.earliest_allowed_at == day(34)
    assert CountingTimeline.reads > 0


def test_the_earliest_date_leaves_the_following_ask_covered():
    # The probe: three gives, an ask on day 40; a new ask before them is told a date
    # that would take the day-40 ask's gives, so no date before that ask can pass.
    entries = timeline((1, "give"), (2, "give"), (3, "give"), (40, "ask"))
    source = ListTimeline(entries)
    (found,) = check_change(source, POLICY, None, Entry(day(0), 99, "ask"))
    assert found.earliest_allowed_at is None
    assert "next ask" in explain.no_date(found.no_date)
    # With three more gives before that ask, the date offered keeps it covered and passes.
    more = ListTimeline(entries + [Entry(day(d), 10 + d, "give") for d in (4, 5, 6)])
    (found,) = check_change(more, POLICY, None, Entry(day(0), 99, "ask"))
    assert found.earliest_allowed_at == day(3) + dt.timedelta(minutes=1)
    assert check_change(more, POLICY, None, Entry(found.earliest_allowed_at, 99, "ask")) == []


def test_gives_older_than_the_lookback_do_not_count():
    entries = timeline((1, "give"), (2, "give"), (3, "give"), (400, "ask"))
    (found,) = violations(entries, Policy(3, 30, gives_lookback_days=365))
    assert found.gives_counted == 0 and found.gives_lookback_days == 365
    assert violations(entries, Policy(3, 30, gives_lookback_days=400)) == []


def test_after_an_ask_at_the_calendars_end_no_date_is_offered_and_the_reason_says_so():
    """The probe's timeline, stored before dates were bounded: a give on 1 December 9999 and
    an ask on the 20th. The next ask would need 30 days after it: past the calendar's end."""
    at = dt.datetime(9999, 12, 1, tzinfo=dt.UTC)
    source = ListTimeline([Entry(at, 1, "give"), Entry(at + dt.timedelta(days=19), 2, "ask")])
    standing = ratio(source, Policy(gives_per_ask=1), T0)
    assert standing.next_ask is not None and standing.next_ask.covered
    assert standing.earliest_next_ask_at is None
    assert explain.no_date(standing.no_date) == (
        "no date on the calendar, which ends on 9999-12-31, is late enough"
    )
