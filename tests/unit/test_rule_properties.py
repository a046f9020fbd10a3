"""The neighbourhood check must agree with judging the whole timeline, and its advice holds."""

import datetime as dt

from hypothesis import event, given, note, settings
from hypothesis import strategies as st

from schedules.rule import Entry, ListTimeline, Policy, check_change, violations

BASE = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
SPAN = dt.timedelta(days=60)
# Each example's timeline also sits at one of the calendar's two ends, where a gap, a lookback
# or the minute after a give leaves it: rows stored before dates were bounded may, and nothing
# may overflow there (the last instant is 9999-12-31T23:59:59.999999, the first 0001-01-01).
ENDS = [dt.datetime.max.replace(tzinfo=dt.UTC) - SPAN, dt.datetime.min.replace(tzinfo=dt.UTC)]
hours = st.builds(
    lambda base, h: base + dt.timedelta(hours=h),
    st.shared(st.sampled_from([BASE, *ENDS]), key="base"),
    st.integers(min_value=0, max_value=SPAN // dt.timedelta(hours=1)),
)
kinds = st.sampled_from(["give", "ask"])
operations = st.lists(
    st.one_of(
        st.tuples(st.just("add"), kinds, hours),
        st.tuples(st.just("remove"), st.integers(0, 200)),
        st.tuples(st.just("move"), st.integers(0, 200), hours),
        st.tuples(st.just("flip"), st.integers(0, 200)),
    ),
    max_size=60,
)
# Lookbacks of a few days on a 60-day timeline, so gives fading out is exercised too.
policies = st.builds(Policy, st.integers(1, 4), st.integers(0, 6), st.integers(1, 20))


def _judged(found: list) -> list:
    """A violation's identity and counts; the earliest date is checked by following it."""
    return [(v.post_id, v.at, v.gives_counted, v.previous_ask_at) for v in found]


def _apply(timeline: dict[int, Entry], before: Entry | None, after: Entry | None) -> dict:
    changed = dict(timeline)
    if before is not None:
        del changed[before.post_id]
    if after is not None:
        changed[after.post_id] = after
    return changed


@settings(max_examples=400, deadline=None)
@given(policy=policies, ops=operations)
def test_accepted_changes_keep_every_ask_covered_and_refusals_are_exact(policy, ops):
    timeline: dict[int, Entry] = {}
    next_id = 0
    for op in ops:
        if op[0] == "add":
            before, after = None, Entry(op[2], next_id, op[1])
            next_id += 1
        else:
            if not timeline:
                continue
            ids = sorted(timeline)
            before = timeline[ids[op[1] % len(ids)]]
            if op[0] == "remove":
                after = None
            elif op[0] == "move":
                after = Entry(op[2], before.post_id, before.kind)
            else:
                flipped = "ask" if before.kind == "give" else "give"
                after = Entry(before.at, before.post_id, flipped)
        proposed = _apply(timeline, before, after)
        expected = violations(proposed.values(), policy)
        found = check_change(ListTimeline(timeline.values()), policy, before, after)
        assert _judged(found) == _judged(expected)
        if not found:
            timeline = proposed
        assert violations(timeline.values(), policy) == []


def _valid_timeline(policy: Policy, ops: list) -> dict[int, Entry]:
    """The timeline left by applying every change the rule accepts."""
    timeline: dict[int, Entry] = {}
    for index, (kind, at) in enumerate(ops):
        after = Entry(at, index, kind)
        if not check_change(ListTimeline(timeline.values()), policy, None, after):
            timeline[index] = after
    return timeline


@settings(max_examples=600, deadline=None)
@given(
    policy=policies,
    ops=st.lists(st.tuples(kinds, hours), max_size=40),
    move=st.integers(-1, 200),
    to=hours,
    now=hours,
)
def test_an_ask_moved_to_its_earliest_allowed_date_is_accepted(policy, ops, move, to, now):
    timeline = _valid_timeline(policy, ops)
    asks = sorted(pid for pid, e in timeline.items() if e.kind == "ask")
    # A new ask (id -1), or one of the timeline's asks moved.
    before = timeline[asks[move % len(asks)]] if asks and move >= 0 else None
    post_id = before.post_id if before else -1
    source = ListTimeline(timeline.values())
    found = check_change(source, policy, before, Entry(to, post_id, "ask"), not_before=now)
    own = next((v for v in found if v.post_id == post_id), None)
    if own is None or own.earliest_allowed_at is None:
        event("accepted" if own is None else "refused with no date")
        assert own is None or own.no_date
        return
    event("refused with a date")
    earliest = own.earliest_allowed_at
    note(f"{policy} {sorted(timeline.values(), key=lambda e: e.at)} {before} {own}")
    assert earliest >= now
    followed = Entry(earliest, post_id, "ask")
    assert check_change(source, policy, before, followed, not_before=now) == []
    assert violations(_apply(timeline, before, followed).values(), policy) == []
