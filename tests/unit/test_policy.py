"""An audience policy from the API's preset or numbers (no database)."""

from __future__ import annotations

import pytest

from core.errors import InvalidValue
from schedules.policy import resolve_policy


def test_a_preset_sets_gives_per_ask_and_defaults_fill_the_rest():
    columns = resolve_policy({"preset": "80-20"})
    assert columns["policy_preset"] == "80-20" and columns["gives_per_ask"] == 4
    assert columns["min_days_between_asks"] == 30 and columns["touches_per_ask"] == 2


def test_a_preset_contradicted_by_explicit_numbers_is_refused():
    with pytest.raises(InvalidValue) as raised:
        resolve_policy({"preset": "80-20", "gives_per_ask": 3})
    assert raised.value.field == "policy.gives_per_ask"
