"""Ids no row can have are validation errors, not database overflows."""

import pytest

HUGE = 2**40


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("get", f"/api/v1/contacts?audience_id={HUGE}", None),
        ("post", "/api/v1/contacts", {"name": "Dana", "audience_id": HUGE}),
    ],
)
def test_out_of_range_ids_are_422(rep, method, url, body):
    response = getattr(rep, method)(url, json=body) if body else getattr(rep, method)(url)
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "audience_id"
