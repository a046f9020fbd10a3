"""Bad input gets a 422 problem naming the field and the reason, and writes nothing."""

import datetime as dt
import re

import pytest

from app.problems import from_domain_error
from core.errors import Conflict, on_field
from tests.helpers import make_audience

AUDIENCE_ERRORS = [
    ({"name": None}, "name"),
    ({"name": ""}, "name"),
    ({"name": "x" * 201}, "name"),
    ({"name": "\u200b"}, "name"),  # a zero-width space shows nothing: blank
    ({"name": " \u2060\ufeff\u3164 "}, "name"),  # word joiner, BOM, Hangul filler
    ({"description": "x" * 5001}, "description"),
    ({"keywords": "pricing"}, "keywords"),
    ({"keywords": [""]}, "keywords.0"),
    ({"keywords": ["\u200b\u200d"]}, "keywords"),
    ({"exclude_keywords": [1]}, "exclude_keywords.0"),
    ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
    # Zone files that name no place: the server's own zone, tzdata's "not set", copies.
    ({"timezone": "localtime"}, "timezone"),
    ({"timezone": "Factory"}, "timezone"),
    ({"timezone": "posixrules"}, "timezone"),
    ({"timezone": "posix/Europe/Berlin"}, "timezone"),
    ({"timezone": "right/UTC"}, "timezone"),
    ({"cadence": {"frequency": "daily"}}, "cadence.frequency"),
    ({"cadence": {"frequency": "monthly", "week": 5, "weekday": "TU"}}, "cadence.week"),
    ({"cadence": {"frequency": "monthly", "week": 2, "weekday": "XX"}}, "cadence.weekday"),
    ({"cadence": {"frequency": "monthly", "day": 31}}, "cadence.day"),
    ({"cadence": {"frequency": "quarterly", "day": 1, "month_of_quarter": 4}},
     "cadence.month_of_quarter"),
    ({"cadence": {"frequency": "monthly", "day": 1, "time": "25:00"}}, "cadence.time"),
    ({"cadence": {"frequency": "monthly", "day": 1, "time": "09:00:30"}}, "cadence.time"),
    ({"cadence": {"rrule": "FREQ=DAILY"}}, "cadence.rrule"),
    ({"cadence": {"rrule": "FREQ=WEEKLY;BYDAY=MO,TH"}}, "cadence.rrule"),
    ({"cadence": {"rrule": "NOT A RULE"}}, "cadence.rrule"),
    ({"policy": {"preset": "always-be-closing"}}, "policy.preset"),
    ({"policy": {"gives_per_ask": 0}}, "policy.gives_per_ask"),
    ({"policy": {"min_days_between_asks": -1}}, "policy.min_days_between_asks"),
    ({"policy": {"preset": "80-20", "gives_per_ask": 2}}, "policy.gives_per_ask"),
    ({"colour": "blue"}, "colour"),
]  # fmt: skip


def fields_of(response):
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["type"].endswith("validation-error")
    assert body["detail"]
    return [error["field"] for error in body["errors"]]


@pytest.mark.parametrize(("change", "field"), AUDIENCE_ERRORS)
def test_each_audience_field_is_validated(rep, change, field):
    body = {"name": "CFOs", **change}
    if body["name"] is None:
        del body["name"]
    assert field in fields_of(rep.post("/api/v1/audiences", json=body))
    assert rep.get("/api/v1/audiences").get_json()["total"] == 0


@pytest.mark.parametrize(("change", "field"), AUDIENCE_ERRORS[1:])
def test_each_audience_field_is_validated_on_patch(rep, change, field):
    audience = make_audience(rep)
    url = f"/api/v1/audiences/{audience['id']}"
    assert field in fields_of(rep.patch(url, json=change))
    assert rep.get(url).get_json() == audience


POST_ERRORS = [
    ({"kind": "gift"}, "kind"),
    ({"kind": None}, "kind"),
    ({"type": "meeting_request"}, "type"),
    ({"type": "webinar"}, "type"),
    ({"title": ""}, "title"),
    ({"title": "x" * 301}, "title"),
    ({"title": "\u200b"}, "title"),
    ({"title": "\u200e\u00ad "}, "title"),  # a direction mark and a soft hyphen
    ({"body": "x" * 20_001}, "body"),
    ({"url": "javascript:alert(1)"}, "url"),
    ({"url": "not a url"}, "url"),
    ({"scheduled_at": "next tuesday-ish"}, "scheduled_at"),
    # Not ISO 8601, so a guess would store another time: a day-month order, a zone
    # abbreviation (ignored).
    ({"scheduled_at": "01/02/2027 11:00"}, "scheduled_at"),
    ({"scheduled_at": "2027-02-01T11:00:00 EST"}, "scheduled_at"),
    ({"scheduled_at": None, "status": "scheduled"}, "scheduled_at"),
    ({"status": "sent"}, "status"),
    ({"audience_id": 7}, "audience_id"),
]


@pytest.mark.parametrize(("change", "field"), POST_ERRORS)
def test_each_post_field_is_validated(rep, change, field):
    audience = make_audience(rep)
    body = {"kind": "give", "type": "tip", "title": "A tip", "scheduled_at": "2025-01-06T09:00"}
    body = {k: v for k, v in {**body, **change}.items() if not (k == "kind" and v is None)}
    response = rep.post(f"/api/v1/audiences/{audience['id']}/posts", json=body)
    assert field in fields_of(response)
    assert rep.get(f"/api/v1/audiences/{audience['id']}/posts").get_json()["total"] == 0


def test_a_type_of_the_other_kind_is_refused_in_a_grammatical_sentence(rep):
    audience = make_audience(rep)
    body = {"kind": "ask", "type": "tip", "title": "20 minutes?", "status": "draft"}
    response = rep.post(f"/api/v1/audiences/{audience['id']}/posts", json=body)
    assert response.status_code == 422
    [error] = response.get_json()["errors"]
    assert error["field"] == "type"
    assert error["message"].startswith("An ask post's type is one of: meeting_request, ")
    body = {**body, "kind": "give", "type": "offer"}
    response = rep.post(f"/api/v1/audiences/{audience['id']}/posts", json=body)
    assert response.get_json()["errors"][0]["message"].startswith("A give post's type is")


@pytest.mark.parametrize(
    "query",
    [
        "limit=0",
        "limit=201",
        "limit=abc",
        "offset=-1",
        "kind=gift",
        "status=x",
        "from=soon",
        "from=01/02/2027",
        "from=2027-02-03&to=2027-02-01",
    ],
)
def test_list_query_parameters_are_validated(rep, query):
    audience = make_audience(rep)
    response = rep.get(f"/api/v1/audiences/{audience['id']}/posts?{query}")
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"


def test_many_errors_are_answered_in_a_bounded_list(rep):
    body = {"name": "CFOs", **{f"field_{i}": 1 for i in range(500)}}
    response = rep.post("/api/v1/audiences", json=body)
    assert len(fields_of(response)) == 20
    assert "480 more not listed" in response.get_json()["detail"]
    assert len(response.data) < 5_000
    assert rep.get("/api/v1/audiences").get_json()["total"] == 0


def test_a_duplicate_audience_name_is_a_conflict_on_the_name(rep):
    make_audience(rep, name="CFOs")
    response = rep.post("/api/v1/audiences", json={"name": "CFOs"})
    assert response.status_code == 409
    assert response.get_json()["errors"][0]["field"] == "name"


@pytest.mark.parametrize("zone", ["localtime", "Factory", "posix/Europe/Berlin", "Nowhere"])
def test_a_workspace_clock_is_an_iana_place(rep, zone):
    before = rep.get("/api/v1/workspace").get_json()
    response = rep.patch("/api/v1/workspace", json={"timezone": zone})
    assert fields_of(response) == ["timezone"]
    assert "Unknown IANA time zone" in response.get_json()["errors"][0]["message"]
    assert rep.get("/api/v1/workspace").get_json() == before
    assert rep.patch("/api/v1/workspace", json={"timezone": "US/Eastern"}).status_code == 200


OFFSET_WITH_SECONDS = re.compile(r"[+-]\d\d:\d\d:\d\d$")


@pytest.mark.parametrize(
    ("zone", "when", "local"),
    [
        # Local mean time: New York's -04:56:02 until 1883, Monrovia's -00:44:30 until 1972.
        ("America/New_York", "0001-01-01T00:00", "0001-01-01T00:00:02-04:56"),
        ("Africa/Monrovia", "1960-06-01T12:00", "1960-06-01T12:00:30-00:44"),
        # Montevideo's -03:44:51 rounded to -03:45 would put this instant in year 0 (a 500).
        ("America/Montevideo", "0001-01-01T00:00:05", "0001-01-01T00:00:56-03:44"),
        ("Europe/Berlin", "2053-06-01T12:00", "2053-06-01T12:00:00+02:00"),
    ],
)
def test_local_times_have_offsets_in_whole_minutes_naming_the_same_instant(rep, zone, when, local):
    audience = make_audience(rep, timezone=zone)
    body = {"kind": "give", "type": "tip", "title": "A tip", "status": "draft",
            "scheduled_at": when}  # fmt: skip
    response = rep.post(f"/api/v1/audiences/{audience['id']}/posts", json=body)
    assert response.status_code == 201, response.get_json()
    made = response.get_json()
    assert made["scheduled_at_local"] == local
    instant = dt.datetime.fromisoformat(made["scheduled_at"])
    assert dt.datetime.fromisoformat(local) == instant
    start = f"{when[:7]}-01"
    listed = rep.get(f"/api/v1/audiences/{audience['id']}/posts?from={start}").get_json()
    assert [p["scheduled_at_local"] for p in listed["items"]] == [local]
    assert not OFFSET_WITH_SECONDS.search(local)


def test_an_instant_in_year_0_on_the_audiences_clock_is_refused_not_a_500(rep):
    audience = make_audience(rep, timezone="America/New_York")
    body = {"kind": "give", "type": "tip", "title": "A tip", "status": "draft",
            "scheduled_at": "0001-01-01T00:00:00Z"}  # fmt: skip
    response = rep.post(f"/api/v1/audiences/{audience['id']}/posts", json=body)
    assert fields_of(response) == ["scheduled_at"]
    assert rep.get(f"/api/v1/audiences/{audience['id']}/posts").get_json()["total"] == 0


def test_an_audience_name_is_one_name_however_its_accents_were_typed(rep):
    composed, decomposed = "Caf\u00e9 owners", "Cafe\u0301 owners"
    made = make_audience(rep, name=decomposed)
    assert made["name"] == composed  # stored and shown in NFC
    response = rep.post("/api/v1/audiences", json={"name": composed})
    assert response.status_code == 409
    assert response.get_json()["errors"][0]["field"] == "name"
    other = make_audience(rep, name="COOs")
    renamed = rep.patch(f"/api/v1/audiences/{other['id']}", json={"name": decomposed})
    assert renamed.status_code == 409
    assert [a["name"] for a in rep.get("/api/v1/audiences").get_json()["items"]] == [
        "COOs",
        composed,
    ]


def test_a_contact_name_of_invisible_characters_is_refused_like_a_blank_one(rep):
    for name in (" ", "\u200b", "\u200c\u200d"):
        response = rep.post("/api/v1/contacts", json={"name": name})
        assert fields_of(response) == ["name"]
        assert "needs a name" in response.get_json()["errors"][0]["message"]
    response = rep.post("/api/v1/contacts", json={"name": "Zoe\u0308 Lin"})
    assert response.status_code == 201 and response.get_json()["name"] == "Zo\u00eb Lin"


@pytest.mark.parametrize(
    "body", ['\ufeff{"name": "CFOs"}'.encode(), '{"name": "CFOs"}'.encode("utf-16")]
)
def test_json_that_is_not_utf_8_is_invalid_json(rep, body):
    response = rep.post(
        "/api/v1/audiences", data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.get_json()["type"].endswith("invalid-json")
    assert "UTF-8" in response.get_json()["detail"]
    assert rep.get("/api/v1/audiences").get_json()["total"] == 0


def test_a_body_that_is_not_json_is_a_4xx_problem(rep):
    response = rep.post(
        "/api/v1/audiences", data="{not json", headers={"Content-Type": "application/json"}
    )
    assert 400 <= response.status_code < 500
    assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('{"name": "CFOs", "name": "CTOs"}', "name"),
        ('{"name": "CFOs", "keywords": ["ifrs"], "ranking": "news", "keywords": []}', "keywords"),
    ],
)
def test_a_field_sent_twice_is_refused_not_read_last_one_wins(rep, body, field):
    """Parsers disagree on which of two equal keys counts (RFC 8259 leaves it open), so a
    client and the service could each believe a different value was stored."""
    response = rep.post(
        "/api/v1/audiences", data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.get_json()["errors"] == [
        {"field": field, "location": "json", "message": "Sent twice: send each field once."}
    ]
    assert rep.get("/api/v1/audiences").get_json()["total"] == 0


@pytest.mark.parametrize(
    ("body", "location"),
    [({"owner_id": 7}, "json"), ({"name": "Dana"}, None)],
)
def test_a_refusal_says_where_its_field_was_only_when_the_request_sent_it(app, body, location):
    """A 409 can name a field a concurrent change moved (a contact handed to another rep while
    an ask was made): the request never sent it, so no part of the request is named."""
    with app.test_request_context("/api/v1/contacts/1", method="PATCH", json=body):
        answer = from_domain_error(
            Conflict("Handed meanwhile.", errors=on_field("owner_id", "Moved."))
        )
    [error] = answer.get_json()["errors"]
    assert error.get("location") == location
    assert error["field"] == "owner_id"


def test_a_post_at_a_time_the_audiences_clock_skips_is_a_422_not_moved_an_hour(rep):
    audience = make_audience(rep)  # Europe/Berlin, which springs forward on 2027-03-28
    response = rep.post(f"/api/v1/audiences/{audience['id']}/posts", json={
        "kind": "give", "type": "shared_article", "title": "Q1 close", "status": "draft",
        "scheduled_at": "2027-03-28T02:30",
    })  # fmt: skip
    assert response.status_code == 422
    [error] = response.get_json()["errors"]
    assert (error["field"], error["location"]) == ("scheduled_at", "json")
    assert "Did you mean 03:30?" in error["message"]
    assert rep.get(f"/api/v1/audiences/{audience['id']}/posts").get_json()["total"] == 0
