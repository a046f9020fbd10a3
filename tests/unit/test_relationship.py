"""The relationship guard's pure rule: each condition, what satisfies it, and the stages."""

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from schedules.contacts.relationship import (
    Ask,
    History,
    PersonPolicy,
    Unmet,
    introduced,
    stage,
    unmet,
    violations,
)
from schedules.explain import condition_detail

ACCEPTED = dt.datetime(2025, 1, 1, 9, tzinfo=dt.UTC)
POLICY = PersonPolicy(min_days_after_connect=14, touches_per_ask=2, min_days_between_asks=30)


def day(n: int, hour: int = 9) -> dt.datetime:
    return ACCEPTED + dt.timedelta(days=n, hours=hour - 9)


def test_a_person_who_never_accepted_cannot_be_asked():
    assert unmet(History(None, [day(1), day(2)]), POLICY, day(40)) == [Unmet("connected")]


def test_a_pitch_right_after_acceptance_fails_on_time_and_touches():
    found = unmet(History(ACCEPTED), POLICY, ACCEPTED + dt.timedelta(seconds=30))
    assert found == [
        Unmet("days_after_connect", satisfied_on=day(14)),
        Unmet("touches", touches_needed=2),
    ]


def test_touches_already_planned_offer_a_date_after_the_completing_one():
    found = unmet(History(ACCEPTED, [day(3), day(20)]), POLICY, day(15))
    assert found == [
        Unmet("touches", satisfied_on=day(20) + dt.timedelta(minutes=1), touches_needed=1)
    ]


def test_enough_touches_and_days_pass():
    assert unmet(History(ACCEPTED, [day(2), day(9)]), POLICY, day(14)) == []


def test_touches_on_the_acceptance_instant_count_but_not_those_at_the_ask():
    history = History(ACCEPTED, [ACCEPTED, day(14)])
    assert unmet(history, POLICY, day(14)) == [
        Unmet("touches", satisfied_on=day(14) + dt.timedelta(minutes=1), touches_needed=1)
    ]


def test_touches_before_acceptance_do_not_count():
    found = unmet(History(ACCEPTED, [day(-3), day(-2), day(5)]), POLICY, day(20))
    assert found == [Unmet("touches", touches_needed=1)]


def test_each_ask_needs_fresh_touches_and_the_spacing():
    history = History(ACCEPTED, [day(2), day(9), day(20)], [Ask(day(15), 1)])
    assert unmet(history, POLICY, day(25)) == [
        Unmet("touches", touches_needed=1),
        Unmet("days_between_asks", satisfied_on=day(45)),
    ]
    assert unmet(history.with_touch(None, day(22)), POLICY, day(45)) == []


def test_a_new_ask_between_two_asks_breaks_the_later_one():
    history = History(
        ACCEPTED, [day(2), day(9), day(40), day(50)], [Ask(day(15), 1), Ask(day(60), 2)]
    )
    assert violations(history, POLICY) == []
    after = history.with_ask(None, Ask(day(55), None))
    broken = {(v.post_id, u.condition) for v in violations(after, POLICY) for u in v.unmet}
    assert (2, "touches") in broken and (2, "days_between_asks") in broken
    assert not any(post_id is None for post_id, _ in broken)  # the new ask itself is fair


def test_introduced_keeps_only_what_a_change_newly_breaks():
    history = History(ACCEPTED, [day(2), day(9)], [Ask(day(15), 1)])
    stricter = PersonPolicy(20, 2, 30)
    old = violations(history, stricter)
    assert [u.condition for v in old for u in v.unmet] == ["days_after_connect"]
    removed = history.with_touch(day(9), None)
    fresh = introduced(old, violations(removed, stricter))
    assert [(v.post_id, [u.condition for u in v.unmet]) for v in fresh] == [(1, ["touches"])]


def test_stages_follow_the_path_from_request_to_ask_and_back():
    now = day(100)
    assert stage(History(None), POLICY, now) == "new"
    assert stage(History(None, requested_at=day(-5)), POLICY, now) == "requested"
    assert stage(History(ACCEPTED), POLICY, now) == "connected"
    assert stage(History(ACCEPTED, [day(2)]), POLICY, now) == "engaged"
    assert stage(History(ACCEPTED, [day(2), day(3)]), POLICY, day(10)) == "engaged"  # too soon
    ready = History(ACCEPTED, [day(2), day(3)])
    assert stage(ready, POLICY, now) == "ready_to_ask"
    assert stage(ready.with_ask(None, Ask(day(200), 1)), POLICY, now) == "asked"  # pending
    asked = ready.with_ask(None, Ask(day(50), 1))
    assert stage(asked, POLICY, now) == "asked"
    assert stage(asked.with_touch(None, day(60)), POLICY, now) == "engaged"
    again = asked.with_touch(None, day(60)).with_touch(None, day(70))
    assert stage(again, POLICY, now) == "ready_to_ask"
    assert stage(again, POLICY, day(75)) == "engaged"  # 30 days after the last ask not yet


def test_an_acceptance_at_the_calendars_end_leaves_no_date_to_offer():
    """Stored before dates were bounded: 14 days after 9999-12-31 is no date at all."""
    history = History(dt.datetime(9999, 12, 31, tzinfo=dt.UTC), [day(2)])
    waiting, touches = unmet(history, POLICY, day(30))
    assert waiting == Unmet("days_after_connect", satisfied_on=None)
    assert condition_detail("Dana", POLICY, waiting).endswith(
        "no date on the calendar, which ends on 9999-12-31, is late enough"
    )
    assert touches.touches_needed == 2


# ---------------------------------------------------------------- properties

BASE = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
SPAN = dt.timedelta(days=90)
# Histories at the calendar's two ends too (see test_rule_properties): nothing may overflow.
ENDS = [dt.datetime.max.replace(tzinfo=dt.UTC) - SPAN, dt.datetime.min.replace(tzinfo=dt.UTC)]
hours = st.builds(
    lambda base, h: base + dt.timedelta(hours=h),
    st.shared(st.sampled_from([BASE, *ENDS]), key="base"),
    st.integers(0, SPAN // dt.timedelta(hours=1)),
)
policies = st.builds(PersonPolicy, st.integers(0, 20), st.integers(1, 3), st.integers(0, 20))
operations = st.lists(
    st.one_of(
        st.tuples(st.just("touch"), hours),
        st.tuples(st.just("untouch"), st.integers(0, 50)),
        st.tuples(st.just("retouch"), st.integers(0, 50), hours),
        st.tuples(st.just("ask"), hours),
        st.tuples(st.just("unask"), st.integers(0, 50)),
        st.tuples(st.just("move"), st.integers(0, 50), hours),
        st.tuples(st.just("accept"), st.none() | hours),
    ),
    max_size=40,
)


def _change(history: History, op: tuple, next_id: int) -> History | None:
    touches, asks = history.touches, history.asks
    if op[0] == "touch":
        return history.with_touch(None, op[1])
    if op[0] in ("untouch", "retouch") and touches:
        old = touches[op[1] % len(touches)]
        return history.with_touch(old, None if op[0] == "untouch" else op[2])
    if op[0] == "ask":
        return history.with_ask(None, Ask(op[1], next_id))
    if op[0] in ("unask", "move") and asks:
        old = asks[op[1] % len(asks)]
        return history.with_ask(old, None if op[0] == "unask" else Ask(op[2], old.post_id))
    if op[0] == "accept":
        return History(op[1], touches, asks)
    return None


@settings(max_examples=300, deadline=None)
@given(policy=policies, ops=operations)
def test_guarded_changes_never_uncover_an_ask(policy, ops):
    """Applying only the changes the guard lets through keeps every ask fair, always."""
    history = History(None)
    for next_id, op in enumerate(ops):
        proposed = _change(history, op, next_id)
        if proposed is None:
            continue
        if not introduced(violations(history, policy), violations(proposed, policy)):
            history = proposed
        assert violations(history, policy) == []


@settings(max_examples=300, deadline=None)
@given(
    policy=policies,
    accepted=st.none() | hours,
    touches=st.lists(hours, max_size=8),
    asks=st.lists(hours, max_size=3),
    at=hours,
)
def test_an_ask_moved_to_the_latest_satisfied_on_date_passes(policy, accepted, touches, asks, at):
    """Every date the guard offers is a real way out, unless another ask lies in between."""
    history = History(accepted, touches, [Ask(a, i) for i, a in enumerate(asks)])
    found = unmet(history, policy, at)
    if not found or any(u.satisfied_on is None for u in found):
        return
    moved = max(u.satisfied_on for u in found)
    if any(at < a.at <= moved for a in history.asks):
        return
    assert unmet(history, policy, moved) == []
    assert all(u.satisfied_on > at for u in found)
