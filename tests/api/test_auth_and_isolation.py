"""Tokens guard every route but health and docs; workspaces never see each other."""

import pytest

from tests.helpers import ask, give, make_audience

PROTECTED = [
    ("get", "/api/v1/audiences"),
    ("post", "/api/v1/audiences"),
    ("get", "/api/v1/audiences/1"),
    ("patch", "/api/v1/audiences/1"),
    ("delete", "/api/v1/audiences/1"),
    ("get", "/api/v1/audiences/1/slots"),
    ("get", "/api/v1/audiences/1/ratio"),
    ("get", "/api/v1/audiences/1/posts"),
    ("post", "/api/v1/audiences/1/posts"),
    ("get", "/api/v1/posts/1"),
    ("patch", "/api/v1/posts/1"),
    ("delete", "/api/v1/posts/1"),
    ("get", "/api/v1/users"),
    ("post", "/api/v1/users"),
    ("get", "/api/v1/users/1"),
    ("patch", "/api/v1/users/1"),
    ("post", "/api/v1/users/1/deactivate"),
    ("get", "/api/v1/me"),
]


@pytest.mark.parametrize(("method", "url"), PROTECTED)
@pytest.mark.parametrize(
    "header", [None, "Bearer", "Bearer vp_not-a-real-token", "Basic dXNlcjpwYXNz"]
)
def test_protected_routes_answer_401_problem_without_a_valid_token(client, method, url, header):
    headers = {"Authorization": header} if header else {}
    response = getattr(client, method)(url, headers=headers, json={})
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.get_json()["status"] == 401


@pytest.mark.parametrize(
    ("method", "body", "content_type"),
    [
        ("patch", None, None),  # a PATCH without a body
        ("patch", "x", "text/plain"),  # not JSON
        ("post", "{bad", "application/json"),  # unparseable
        ("post", '{"title": "a\\u0000b"}', "application/json"),  # unstorable text
    ],
)
def test_a_bad_body_without_a_valid_token_is_401_not_a_description_of_the_body(
    client, method, body, content_type
):
    url = "/api/v1/posts/1" if method == "patch" else "/api/v1/audiences/1/posts"
    headers = {"Authorization": "Bearer vp_not-a-real-token"}
    if content_type:
        headers["Content-Type"] = content_type
    response = getattr(client, method)(url, headers=headers, data=body)
    assert response.status_code == 401, response.get_json()
    assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize("url", ["/healthz", "/openapi.json", "/docs"])
def test_health_and_docs_need_no_token(client, url):
    assert client.get(url).status_code == 200


def test_healthz_reports_the_database(client):
    assert client.get("/healthz").get_json() == {
        "status": "ok",
        "database": "reachable",
        "warnings": [],
    }


def test_other_workspaces_ids_answer_404_and_change_nothing(rep, outsider):
    audience = make_audience(rep)
    first = give(rep, audience["id"], "2053-01-06T09:00")
    audience_url = f"/api/v1/audiences/{audience['id']}"
    post_url = f"/api/v1/posts/{first['id']}"
    attempts = [
        outsider.get(audience_url),
        outsider.patch(audience_url, json={"name": "Hijacked"}),
        outsider.delete(audience_url),
        outsider.get(f"{audience_url}/slots"),
        outsider.get(f"{audience_url}/ratio"),
        outsider.get(f"{audience_url}/posts"),
        ask(outsider, audience["id"], "2053-06-01T09:00"),
        outsider.get(post_url),
        outsider.patch(post_url, json={"title": "Hijacked"}),
        outsider.delete(post_url),
    ]
    for response in attempts:
        assert response.status_code == 404, response.request.path
        assert response.mimetype == "application/problem+json"
    assert outsider.get("/api/v1/audiences").get_json() == {"items": [], "total": 0}
    assert rep.get(audience_url).get_json()["name"] == "CFOs"
    assert rep.get(post_url).get_json()["title"] == first["title"]


@pytest.mark.parametrize("url", ["/api/v1/nothing-here", "/api/v1//audiences"])
def test_unknown_route_is_a_problem_document(rep, url):
    response = rep.get(url)  # a doubled slash too: not an HTML redirect
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["title"] == "Not Found"
