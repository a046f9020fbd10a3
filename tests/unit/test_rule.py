"""The give-before-ask rule on hand-made timelines, no database."""

import datetime as dt

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

    entries = [Entry(day(d), d, "give") for d in range(1000)]
    source = CountingTimeline(entries)
    assert check_change(source, POLICY, None, Entry(day(2000), 5000, "ask")) == []
    assert CountingTimeline.reads <= POLICY.gives_per_ask * 2


def test_ratio_counts_gives_since_the_last_ask_and_the_earliest_next_ask():
    now = day(0)
    standing = ratio(day(-10), 3, day(-1), POLICY, now)
    assert standing.gives_needed == 0
    assert standing.earliest_next_ask_at == day(20)
    standing = ratio(None, 1, None, POLICY, now)
    assert (standing.gives_needed, standing.earliest_next_ask_at) == (2, None)
