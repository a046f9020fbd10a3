"""Ids no row can have (past the INTEGER columns' range, or written in other digits than 0-9):
a 404 in a path, a 422 naming the field in a query or a body, never a 500."""

from __future__ import annotations

import pytest

from tests.api.helpers import add_contact
from tests.hardening.test_hostile_input import assert_problem
from tests.helpers import give, make_audience
from tests.web.conftest import sign_in

PAST_INT4 = "2147483648"  # one past PostgreSQL's INTEGER
PAST_INT64 = "99999999999999999999999"  # past SQLite's INTEGER too
ARABIC_ONE = "%D9%A1"  # U+0661: str.isdigit() and int() take it as 1


@pytest.mark.parametrize("user_id", [PAST_INT4, PAST_INT64, ARABIC_ONE])
def test_a_subscription_address_with_an_id_no_user_has_is_404(app, rep, user_id):
    """The address needs no token, so anyone could fill the error log with 500s."""
    rep.post("/api/v1/calendar/subscription")
    response = app.test_client().get(f"/ics/{user_id}.abc.ics")
    assert assert_problem(response, 404)["detail"].startswith("No calendar at this address")


@pytest.mark.parametrize("spelled", [ARABIC_ONE, "%EF%BC%91", "%C2%B9"])  # and fullwidth 1, ¹
def test_an_id_in_other_digits_than_0_to_9_is_404_in_the_api_and_on_pages(app, rep, spelled):
    audience = make_audience(rep)
    assert audience["id"] == 1
    for path in (f"/api/v1/audiences/{spelled}", f"/api/v1/audiences/{spelled}/ratio"):
        assert_problem(rep.get(path), 404)
    page = sign_in(app, rep, "rep@acme.example").get(f"/audiences/{spelled}")
    assert page.status_code == 404
    assert rep.get("/api/v1/audiences/1").status_code == 200


@pytest.mark.parametrize("huge", [PAST_INT4, PAST_INT64])
def test_ids_past_the_columns_in_queries_and_bodies_are_422_naming_the_field(rep, huge):
    audience = make_audience(rep)
    contact = add_contact(rep, audience)
    for path, field in (
        (f"/api/v1/contacts?audience_id={huge}", "audience_id"),
        (f"/api/v1/contacts?owner={huge}", "owner"),
        (f"/api/v1/audiences/{audience['id']}/posts?owner={huge}", "owner"),
        (f"/api/v1/articles?feed={huge}", "feed"),
    ):
        [error] = assert_problem(rep.get(path), 422)["errors"]
        assert error["field"] == field, path
    touch = {"kind": "commented", "at": "2026-01-05T09:00:00Z", "post_id": int(huge)}
    answer = rep.post(f"/api/v1/contacts/{contact['id']}/touches", json=touch)
    assert assert_problem(answer, 422)["errors"][0]["field"] == "post_id"
    planned = give(rep, audience["id"], "2061-01-06T09:00")
    answer = rep.patch(f"/api/v1/posts/{planned['id']}", json={"article_id": int(huge)})
    assert assert_problem(answer, 422)["errors"][0]["field"] == "article_id"


def test_an_id_in_other_digits_than_0_to_9_in_a_query_is_422(rep):
    audience = make_audience(rep)
    add_contact(rep, audience)
    for path, field in (
        ("/api/v1/contacts?audience_id=\u0661", "audience_id"),
        (f"/api/v1/audiences/{audience['id']}/posts?owner=\u00b2", "owner"),
        (f"/api/v1/audiences/{audience['id']}/posts?owner=\u0661", "owner"),
    ):
        [error] = assert_problem(rep.get(path), 422)["errors"]
        assert error["field"] == field, path
