"""The neighbourhood check must agree exactly with judging the whole timeline."""

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from schedules.rule import Entry, ListTimeline, Policy, check_change, violations

BASE = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
hours = st.integers(min_value=0, max_value=24 * 60).map(lambda h: BASE + dt.timedelta(hours=h))
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
policies = st.builds(Policy, st.integers(1, 4), st.integers(0, 6))


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
        assert found == expected
        if not found:
            timeline = proposed
        assert violations(timeline.values(), policy) == []
