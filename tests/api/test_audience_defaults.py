"""Audience input a rep would type: short forms take the documented defaults, and refusals say
what may go there instead of "_schema: Invalid input type"."""

from __future__ import annotations

import pytest

from tests.helpers import make_audience

SECOND_TUESDAY = {"frequency": "monthly", "week": 2, "weekday": "TU", "time": "09:00"}


def refusal(caller, body: dict, path: str = "/api/v1/audiences", method: str = "post"):
    response = getattr(caller, method)(path, json=body)
    assert response.status_code == 422, response.get_json()
    [error] = response.get_json()["errors"]
    return error["field"], error["message"]


@pytest.mark.parametrize(
    ("cadence", "expected"),
    [
        ({"frequency": "monthly"}, SECOND_TUESDAY),
        ({"frequency": "quarterly"}, {**SECOND_TUESDAY, "frequency": "quarterly",
                                      "month_of_quarter": 1}),
        ({"frequency": "monthly", "day": 15}, {"frequency": "monthly", "day": 15, "time": "09:00"}),
        ({}, SECOND_TUESDAY),
    ],
)  # fmt: skip
def test_a_cadence_with_only_a_frequency_takes_the_default_day_and_time(rep, cadence, expected):
    assert make_audience(rep, cadence=cadence)["cadence"] == expected


@pytest.mark.parametrize(
    ("cadence", "field", "hints"),
    [
        ({"frequency": "monthly", "weekday": "MO"}, "cadence.week", ("weekday", "day", "rrule")),
        ({"frequency": "monthly", "week": 3}, "cadence.weekday", ("week", "day", "rrule")),
        ({"frequency": "custom"}, "cadence.rrule", ("FREQ=WEEKLY",)),
        ({"frequency": "weekly"}, "cadence.frequency", ("rrule", "FREQ=WEEKLY", "custom")),
    ],
)
def test_a_missing_or_unknown_part_says_what_may_go_there(rep, cadence, field, hints):
    got_field, message = refusal(rep, {"name": "CFOs", "cadence": cadence})
    assert got_field == field
    assert all(hint in message for hint in hints), message


def test_custom_is_documented_where_it_is_offered(app):
    cadence = app.extensions["planner_api"].spec.to_dict()["components"]["schemas"]["Cadence"]
    assert "custom" in cadence["properties"]["frequency"]["enum"]
    assert "custom" in cadence["properties"]["frequency"]["description"]
    assert "rrule" in cadence["properties"]["frequency"]["description"]


def test_a_policy_preset_by_name_is_shorthand_for_the_preset(rep):
    audience = make_audience(rep, policy="80-20")
    assert audience["policy"]["preset"] == "80-20"
    assert audience["policy"]["gives_per_ask"] == 4
    field, message = refusal(rep, {"name": "CTOs", "policy": "90-10"})
    assert field == "policy.preset" and "80-20" in message


@pytest.mark.parametrize(
    ("body", "field", "shape"),
    [
        ({"name": "CFOs", "cadence": "monthly"}, "cadence", "frequency"),
        ({"name": "CFOs", "policy": 4}, "policy", "gives_per_ask"),
        ({"name": "CFOs", "cadence": ["monthly"]}, "cadence", "weekday"),
    ],
)
def test_a_string_where_an_object_belongs_names_the_field_and_the_shape(rep, body, field, shape):
    got_field, message = refusal(rep, body)
    assert (got_field, "object" in message, shape in message) == (field, True, True), message


def test_an_integer_field_refuses_a_fraction(rep):
    field, _ = refusal(rep, {"name": "CFOs", "policy": {"gives_per_ask": 2.5}})
    assert field == "policy.gives_per_ask"


@pytest.mark.parametrize(
    ("patch", "expected"),
    [
        ({"frequency": "monthly", "week": 2, "weekday": "MO"},
         {"frequency": "monthly", "week": 2, "weekday": "MO", "time": "09:00"}),
        ({"frequency": "monthly", "week": 3, "weekday": "WE", "day": None, "time": "10:30"},
         {"frequency": "monthly", "week": 3, "weekday": "WE", "time": "10:30"}),
        ({"rrule": "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO", "time": "10:30"},
         {"frequency": "custom", "rrule": "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO", "time": "10:30",
          "starts_on": "2024-01-01"}),
        (None, SECOND_TUESDAY),
    ],
)  # fmt: skip
def test_a_cadence_in_a_patch_replaces_the_cadence_whatever_its_form(rep, patch, expected):
    audience = make_audience(rep, cadence={"frequency": "monthly", "day": 10, "time": "10:30"})
    response = rep.patch(f"/api/v1/audiences/{audience['id']}", json={"cadence": patch})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["cadence"] == expected
    assert rep.get(f"/api/v1/audiences/{audience['id']}").get_json()["cadence"] == expected


def test_every_cadence_field_in_an_answer_is_documented(rep, app):
    schemas = app.extensions["planner_api"].spec.to_dict()["components"]["schemas"]
    documented = schemas["Cadence"]["properties"]
    audience = make_audience(rep, cadence={"rrule": "FREQ=MONTHLY;BYDAY=1WE"})
    assert set(audience["cadence"]) <= set(documented)
    assert all(documented[name].get("description") for name in audience["cadence"])
    assert "replaces" in schemas["AudiencePatch"]["properties"]["cadence"]["description"]


@pytest.mark.parametrize("until", ["99991231T000000Z", "20300101T000000Z"])
def test_an_until_in_utc_says_to_give_it_on_the_audiences_clock(rep, until):
    """dateutil blamed "UNTIL values must be specified in UTC" on a time that was in UTC: the
    rule runs on the audience's wall clock, so its end is given there, without the Z."""
    rule = f"FREQ=WEEKLY;BYDAY=MO;UNTIL={until}"
    field, message = refusal(rep, {"name": "CFOs", "cadence": {"rrule": rule}})
    assert field == "cadence.rrule"
    assert "must be specified in UTC" not in message
    assert f"UNTIL={until}" in message and f"UNTIL={until[:-1]}" in message, message
    local = make_audience(rep, cadence={"rrule": f"FREQ=WEEKLY;BYDAY=MO;UNTIL={until[:-1]}"})
    assert local["cadence"]["rrule"].endswith(f"UNTIL={until[:-1]}")
