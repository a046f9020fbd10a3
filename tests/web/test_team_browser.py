"""An admin looks at a rep's calendar and plans a post for them, in chromium."""

from __future__ import annotations

import re

from tests.api.helpers import iso
from tests.helpers import give
from tests.web.browser import BROWSER_MARKS, assert_accessible, sign_in

pytestmark = BROWSER_MARKS


def test_an_admin_picks_a_rep_and_plans_a_post_on_their_calendar(page, planner, colleague):
    url, audience = planner["url"], planner["audience"]["id"]
    for day in (1, 2, 3):
        give(colleague, audience, iso(day), title=f"Sam's give {day}")
    sam = colleague.get("/api/v1/me").get_json()["id"]
    sign_in(page, url)
    assert page.get_by_text("0 of 3").first.is_visible()

    page.get_by_label("Rep").select_option(label="sam@acme.example")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(rf"\?rep={sam}$"))
    assert page.get_by_text("Showing sam@acme.example").is_visible()
    assert page.get_by_text("3 of 3").first.is_visible()
    assert_accessible(page)

    page.get_by_role("link", name="CFOs", exact=True).click()  # the link keeps the rep
    assert f"rep={sam}" in page.url
    assert page.get_by_text("Sam's give 1").is_visible()
    page.get_by_role("link", name="New value post").click()
    assert page.get_by_label("Owner (whose calendar)").input_value() == str(sam)
    assert_accessible(page)
    page.get_by_label("Title").fill("Planned for Sam by the manager")
    page.get_by_label("Date").fill(iso(5)[:10])
    page.get_by_label("Time").fill("10:00")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(rf"/audiences/{audience}\?.*rep={sam}"))
    posts = colleague.get(f"/api/v1/audiences/{audience}/posts").get_json()["items"]
    assert "Planned for Sam by the manager" in [p["title"] for p in posts]
