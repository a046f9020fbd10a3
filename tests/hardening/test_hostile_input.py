"""Hostile and broken requests get a 4xx problem naming what is wrong, never a 500, and write
nothing."""

from __future__ import annotations

import gzip
import http.client
import json
import zlib
from urllib.parse import urlsplit

import pytest

from tests.helpers import give, make_audience

ONE_MIB = 1024 * 1024


def assert_problem(response, *statuses: int) -> dict:
    assert response.status_code in statuses, (response.status_code, response.get_data()[:300])
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == response.status_code
    assert body["detail"]
    return body


@pytest.fixture
def audience(rep):
    return make_audience(rep)


def nothing_written(rep, audience) -> None:
    assert rep.get("/api/v1/audiences").get_json()["total"] == 1
    assert rep.get(f"/api/v1/audiences/{audience['id']}/posts").get_json()["total"] == 0


def test_a_body_over_one_mib_is_refused_with_413_before_it_is_read(rep, audience):
    body = json.dumps({"name": "x" * ONE_MIB})
    response = rep.post(
        "/api/v1/audiences", data=body, headers={"Content-Type": "application/json"}
    )
    assert_problem(response, 413)
    nothing_written(rep, audience)


def test_a_chunked_body_over_one_mib_is_refused_with_413(live_server, rep, audience):
    """No Content-Length to check up front: the limit must hold while the body streams in."""
    url = urlsplit(live_server.url())
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    chunks = [b'{"name": "', *([b"x" * 65536] * 17), b'"}']
    connection.request(
        "POST",
        "/api/v1/audiences",
        body=iter(chunks),
        headers={"Authorization": f"Bearer {rep.token}", "Content-Type": "application/json"},
        encode_chunked=True,
    )
    response = connection.getresponse()
    assert response.status == 413
    assert response.getheader("Content-Type") == "application/problem+json"
    connection.close()
    nothing_written(rep, audience)


def test_a_body_just_under_the_limit_is_read_and_validated(rep, audience):
    response = rep.post("/api/v1/audiences", json={"name": "x" * (ONE_MIB - 100)})
    assert assert_problem(response, 422)["errors"][0]["field"] == "name"


LIST_QUERIES = [
    "limit=0",
    "limit=201",
    "limit=-1",
    "limit=abc",
    "limit=1.5",
    "limit=99999999999999999999999",
    "limit=" + "9" * 5000,
    "offset=-1",
    "offset=99999999999999999999999",
    "offset=NaN",
]


@pytest.mark.parametrize("query", LIST_QUERIES)
@pytest.mark.parametrize("path", ["/api/v1/audiences", "/api/v1/audiences/{id}/posts"])
def test_list_endpoints_refuse_bad_paging(rep, audience, path, query):
    response = rep.get(path.format(id=audience["id"]) + "?" + query)
    field = query.split("=")[0]
    assert field in [e["field"] for e in assert_problem(response, 422)["errors"]]


def test_list_endpoints_cap_the_page_size(rep, audience):
    for day in range(1, 4):
        give(rep, audience["id"], f"2053-02-{day:02d}T09:00")
    page = rep.get(f"/api/v1/audiences/{audience['id']}/posts?limit=200&offset=1").get_json()
    assert page["total"] == 3 and len(page["items"]) == 2


@pytest.mark.parametrize(
    "query",
    [
        "from=0000-01-01",
        "from=10000-01-01",
        "to=0001-01-01T00:00:00%2B23:59",
        "from=9999-12-31T23:59:59-23:59",
        "from=2025-13-01",
        "from=2053-01-01T00:00:00%2B99:00",
        "from=" + "1" * 5000,
    ],
)
@pytest.mark.parametrize("path", ["slots", "posts"])
def test_out_of_range_dates_in_queries_are_422(rep, audience, path, query):
    response = rep.get(f"/api/v1/audiences/{audience['id']}/{path}?{query}")
    assert query.split("=")[0] in [e["field"] for e in assert_problem(response, 422)["errors"]]


@pytest.mark.parametrize(
    ("query", "field"), [("from=9999-12-31", "from"), ("from=9999-06-01&to=9999-12-31", "to")]
)
def test_slots_at_the_end_of_the_calendar_are_422_or_listed(rep, audience, query, field):
    response = rep.get(f"/api/v1/audiences/{audience['id']}/slots?{query}")
    if response.status_code == 200:
        assert response.get_json()["items"]
    else:
        assert field in [e["field"] for e in assert_problem(response, 422)["errors"]]


@pytest.mark.parametrize(
    "when",
    [
        "0000-01-01T09:00",
        "10000-01-01T09:00",
        "9999-12-31T23:59:59-23:59",
        "0001-01-01T00:00+14:00",
    ],
)
def test_out_of_range_scheduled_at_is_422(rep, audience, when):
    body = {"kind": "give", "type": "tip", "title": "A tip", "scheduled_at": when}
    response = rep.post(f"/api/v1/audiences/{audience['id']}/posts", json=body)
    assert "scheduled_at" in [e["field"] for e in assert_problem(response, 422)["errors"]]
    nothing_written(rep, audience)


RAW_BODIES = [
    # (raw body, content type, status)
    (b'{"name": "CFOs"', "application/json", 400),  # truncated
    (b"\xff\xfe\x00n\x00a", "application/json", 400),  # not UTF-8
    (b'{"name": "caf\xe9"}', "application/json", 400),  # Latin-1, not UTF-8
    (b"[" * 100_000 + b"]" * 100_000, "application/json", 400),  # nesting past the stack
    (b'{"name": ' + b"1" * 5000 + b"}", "application/json", 400),  # past int conversion
    (b'{"name": "CFOs"}', "text/plain", 415),
    (b"name=CFOs", "application/x-www-form-urlencoded", 415),
    (b"\x00\x01\x02binary junk", "application/octet-stream", 415),
]


@pytest.mark.parametrize(("raw", "content_type", "status"), RAW_BODIES)
@pytest.mark.parametrize("method", ["post", "patch"])
def test_unreadable_bodies_are_4xx_problems(rep, audience, raw, content_type, status, method):
    url = "/api/v1/audiences" if method == "post" else f"/api/v1/audiences/{audience['id']}"
    response = getattr(rep, method)(url, data=raw, headers={"Content-Type": content_type})
    assert_problem(response, status)
    assert rep.get(f"/api/v1/audiences/{audience['id']}").get_json() == audience
    assert rep.get("/api/v1/audiences").get_json()["total"] == 1


UNSTORABLE = [
    ({"name": "CF\x00Os"}, "name"),
    ({"name": "CFOs", "keywords": ["ok", "pri\x00cing"]}, "keywords.1"),
    ({"name": "\ud800"}, "name"),
    ({"name": "CFOs", "cadence": {"frequency": "monthly", "day": 1, "\x00": 1}}, "cadence.\x00"),
]


@pytest.mark.parametrize(("body", "field"), UNSTORABLE)
def test_text_no_database_can_store_is_422_naming_the_field(rep, audience, body, field):
    raw = json.dumps(body)  # escapes NUL and the lone surrogate as \u0000 and \ud800
    response = rep.post("/api/v1/audiences", data=raw, headers={"Content-Type": "application/json"})
    assert [e["field"] for e in assert_problem(response, 422)["errors"]] == [field]
    nothing_written(rep, audience)


def test_an_encoded_slash_in_a_path_is_404_not_another_route(rep, audience):
    """The server decodes the path before routing: "1%2Fratio" reached the "1/ratio" route."""
    base = f"/api/v1/audiences/{audience['id']}"
    assert rep.get(f"{base}/ratio").status_code == 200
    for path in (f"{base}%2Fratio", f"{base}%2fratio", f"{base}/posts%2F"):
        problem = assert_problem(rep.get(path), 404)
        assert "%2F" in problem["detail"]
    # In the query it is an ordinary character, left to the parameter's own validation.
    assert assert_problem(rep.get(f"{base}/posts?kind=give%2F"), 422)["errors"][0]["field"] == (
        "kind"
    )


def test_nul_in_a_query_parameter_is_422(rep, audience):
    response = rep.get(f"/api/v1/audiences/{audience['id']}/posts?kind=give%00")
    assert assert_problem(response, 422)["errors"][0]["field"] == "kind"


@pytest.mark.parametrize(
    "change",
    [
        {"policy": {"gives_per_ask": 10**30}},
        {"policy": {"min_days_between_asks": -(10**30)}},
        {"policy": {"gives_per_ask": 1e308}},
        {"cadence": {"frequency": "monthly", "day": 10**30}},
        {"cadence": {"frequency": "monthly", "week": 10**30, "weekday": "TU"}},
        {"cadence": {"frequency": "quarterly", "day": 1, "month_of_quarter": 10**30}},
        {"keywords": ["x"] * 10_000},
    ],
)
def test_huge_numbers_and_lists_are_422(rep, audience, change):
    response = rep.patch(f"/api/v1/audiences/{audience['id']}", json=change)
    assert_problem(response, 422)
    assert rep.get(f"/api/v1/audiences/{audience['id']}").get_json() == audience


@pytest.mark.parametrize(
    "path", ["/api/v1/audiences/99999999999999999999", "/api/v1/posts/2147483648"]
)
def test_ids_beyond_any_row_are_404(rep, path):
    assert_problem(rep.get(path), 404)
    assert_problem(rep.patch(path, json={"title": "x"}), 404)
    assert_problem(rep.delete(path), 404)


# ------------------------------------------- what a body says comes after who asks and where


def test_a_patch_without_a_body_is_answered_as_the_route_and_token_say(client, rep, audience):
    """The body's rules are for a route and method that exist and a caller who may use them:
    no body is no reason to answer 422 before 401, 404 or 405."""
    assert_problem(client.patch(f"/api/v1/audiences/{audience['id']}"), 401)
    # /api/v1/me takes no PATCH: the same 405 as with {}, token or not.
    assert assert_problem(client.patch("/api/v1/me"), 405) == assert_problem(
        client.patch("/api/v1/me", json={}), 405
    )
    assert_problem(rep.patch("/api/v1/me"), 405)
    assert_problem(rep.patch("/api/v1/nonexistent"), 404)
    for path in ("/api/v1/team", "/api/v1/audiences"):
        response = rep.patch(path)
        assert_problem(response, 405)
        assert "PATCH" not in response.headers["Allow"]
    not_json = {"Content-Type": "text/plain"}
    assert_problem(rep.patch("/api/v1/nonexistent", data="x", headers=not_json), 404)
    assert_problem(rep.post("/api/v1/team", data="x", headers=not_json), 405)
    # On a route that takes PATCH, the body rules still hold.
    assert_problem(rep.patch(f"/api/v1/audiences/{audience['id']}"), 422)
    nothing_written(rep, audience)


ENCODED_BODIES = [
    pytest.param("gzip", gzip.compress(b'{"name": "CFOs"}'), id="gzip"),
    pytest.param("deflate", zlib.compress(b'{"name": "CFOs"}'), id="deflate"),
    pytest.param("br", b'{"name": "CFOs"}', id="br-sent-plain"),
    pytest.param("X-GZIP", b'{"name": "CFOs"}', id="x-gzip-sent-plain"),
    pytest.param("identity, gzip", gzip.compress(b'{"name": "CFOs"}'), id="identity-then-gzip"),
]


@pytest.mark.parametrize(("encoding", "raw"), ENCODED_BODIES)
@pytest.mark.parametrize("method", ["post", "patch"])
def test_a_compressed_body_is_415_asking_for_it_uncompressed(rep, audience, encoding, raw, method):
    """Not decompressed: the size limits hold for the bytes read, and a small gzip can expand
    a thousandfold."""
    url = "/api/v1/audiences" if method == "post" else f"/api/v1/audiences/{audience['id']}"
    headers = {"Content-Type": "application/json", "Content-Encoding": encoding}
    response = getattr(rep, method)(url, data=raw, headers=headers)
    detail = assert_problem(response, 415)["detail"]
    assert "Content-Encoding" in detail and "uncompressed" in detail
    assert response.headers["Accept-Encoding"] == "identity"
    assert rep.get(f"/api/v1/audiences/{audience['id']}").get_json() == audience
    nothing_written(rep, audience)


def test_content_encoding_identity_is_a_plain_body(rep, audience):
    headers = {"Content-Type": "application/json", "Content-Encoding": "identity"}
    url = f"/api/v1/audiences/{audience['id']}"
    response = rep.patch(url, data=b'{"name": "CFOs in Europe"}', headers=headers)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["name"] == "CFOs in Europe"


def test_a_compressed_body_without_a_valid_token_is_401(client, audience):
    headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
    raw = gzip.compress(b'{"name": "CFOs"}')
    assert_problem(client.post("/api/v1/audiences", data=raw, headers=headers), 401)


@pytest.mark.parametrize("digits", ["1" * 4301, "-" + "9" * 5000])
def test_an_over_long_integer_is_400_saying_what_to_send(rep, audience, digits):
    raw = '{"name": "CFOs", "policy": {"gives_per_ask": ' + digits + "}}"
    response = rep.post("/api/v1/audiences", data=raw, headers={"Content-Type": "application/json"})
    detail = assert_problem(response, 400)["detail"]
    assert detail == "A number in the body has more than 4300 digits."
    assert "sys." not in response.get_data(as_text=True)
    nothing_written(rep, audience)


# ------------------------------------------------ machine routes never answer an HTML page

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
MACHINE_ROUTES = [
    ("post", "/healthz", 405),
    ("delete", "/healthz", 405),
    ("delete", "/ics/1.abc.ics", 405),
    ("put", "/ics/1.abc.ics", 405),
    ("get", "/ics/1.abc.ics", 404),  # no such calendar
    ("get", "/ics/not-a-calendar", 404),  # no route: the address is under /ics/
    ("post", "/metrics", 405),
    ("post", "/openapi.json", 405),
    ("post", "/docs", 405),
    ("post", "/api/v1/me", 405),
    ("delete", "/api/v1/team", 405),
    ("get", "/api/v1/nothing", 404),
]


@pytest.mark.parametrize("accept", ["text/html", BROWSER_ACCEPT])
@pytest.mark.parametrize(("method", "path", "status"), MACHINE_ROUTES)
def test_machine_routes_answer_problems_whatever_accept_says(rep, method, path, status, accept):
    response = getattr(rep, method)(path, headers={"Accept": accept})
    assert_problem(response, status)


@pytest.mark.parametrize(("method", "path"), [("get", "/signout"), ("post", "/audiences")])
def test_a_page_address_still_answers_a_browser_with_a_page(client, method, path):
    response = getattr(client, method)(path, headers={"Accept": BROWSER_ACCEPT})
    assert response.status_code == 405
    assert response.mimetype == "text/html"
    assert getattr(client, method)(path).mimetype == "application/problem+json"
