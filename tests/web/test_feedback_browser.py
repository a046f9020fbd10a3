"""A rep tells the suggestions what was useful, in Debian's chromium (see test_browser)."""

from __future__ import annotations

import re

from tests.articles import add_article, add_feed
from tests.web.browser import (
    BROWSER_MARKS,
    SUGGESTED,
    assert_accessible,
    button,
    sign_in,
    snapshot,
)

pytestmark = BROWSER_MARKS


def verdicts(rep, audience_id: int) -> dict[str, str]:
    response = rep.get(f"/api/v1/audiences/{audience_id}/feedback")
    assert response.status_code == 200, response.get_json()
    return {item["title"]: item["verdict"] for item in response.get_json()["items"]}


def test_rep_marks_a_suggestion_useful_sees_it_pressed_and_takes_it_back(page, planner, rep):
    url, audience = planner["url"], planner["audience"]
    best, other = (title for title, _ in SUGGESTED)
    sign_in(page, url)
    page.goto(f"{url}/audiences/{audience['id']}/suggestions")
    useful = page.get_by_role("button", name=button("Useful", best))
    assert useful.get_attribute("aria-pressed") == "false"
    assert_accessible(page)

    useful.click()
    page.get_by_text(f"Marked “{best}” useful for CFOs.").wait_for()
    assert useful.get_attribute("aria-pressed") == "true"
    assert "✓" in useful.inner_text()
    not_useful = page.get_by_role("button", name=button("Not useful", best))
    assert not_useful.get_attribute("aria-pressed") == "false"
    assert (
        page.get_by_role("button", name=button("Useful", other)).get_attribute("aria-pressed")
        == "false"
    )
    assert verdicts(rep, audience["id"]) == {best: "useful"}
    assert_accessible(page)
    snapshot(page, "feedback-useful")

    page.get_by_role("button", name=f"Undo marking “{best}” useful").click()
    page.get_by_text(f"Took back your verdict on “{best}”.").wait_for()
    assert useful.get_attribute("aria-pressed") == "false"
    assert verdicts(rep, audience["id"]) == {}

    # Not useful keeps the article listed, pressed; pressing it again takes it back.
    not_useful.click()
    page.get_by_text(f"Marked “{best}” not useful for CFOs.").wait_for()
    assert not_useful.get_attribute("aria-pressed") == "true"
    # By its heading: other cards' reasons may name it ("Like '…', which you found not useful").
    heading = page.get_by_role("heading", name=best)
    assert page.locator(".suggestions > li", has=heading).is_visible()
    not_useful.click()
    page.get_by_text(f"Took back your verdict on “{best}”.").wait_for()
    assert not_useful.get_attribute("aria-pressed") == "false"
    assert verdicts(rep, audience["id"]) == {}
    assert_accessible(page)


def test_feedback_works_at_phone_width_with_the_keyboard(phone, planner, rep):
    url, audience = planner["url"], planner["audience"]
    best = SUGGESTED[0][0]
    sign_in(phone, url)
    phone.goto(f"{url}/audiences/{audience['id']}/suggestions")
    useful = phone.get_by_role("button", name=button("Useful", best))
    useful.focus()
    phone.keyboard.press("Enter")
    phone.get_by_text(f"Marked “{best}” useful for CFOs.").wait_for()
    assert useful.get_attribute("aria-pressed") == "true"
    box = useful.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390  # no sideways scrolling
    assert verdicts(rep, audience["id"]) == {best: "useful"}
    assert_accessible(phone)


def test_rep_judges_and_plans_in_the_ten_year_view_without_losing_it(app, page, planner, rep):
    """Every button, and reloading after planning, comes back to the range the rep chose."""
    url, audience = planner["url"], planner["audience"]
    old = "Pricing lessons from the last downturn"
    with app.extensions["planner_db"].writer() as session:
        add_article(session, add_feed(session, rep.workspace_id, "Archive"), old, days_old=900)
        session.commit()
    sign_in(page, url)
    page.goto(f"{url}/audiences/{audience['id']}/suggestions")
    assert page.get_by_role("heading", name=old).count() == 0  # older than the 60 days shown
    page.get_by_label("Published in the last").select_option(label="10 years")
    page.get_by_role("button", name="Show").click()
    ten_years = page.get_by_label("Published in the last")

    useful = page.get_by_role("button", name=button("Useful", old))
    useful.click()
    page.get_by_text(f"Marked “{old}” useful for CFOs.").wait_for()
    assert useful.get_attribute("aria-pressed") == "true" and useful.is_visible()
    assert ten_years.input_value() == "3650"
    useful.click()  # pressed again: takes the verdict back
    page.get_by_text(f"Took back your verdict on “{old}”.").wait_for()
    assert useful.get_attribute("aria-pressed") == "false"
    assert verdicts(rep, audience["id"]) == {}

    page.get_by_role("button", name=button("Dismiss", old)).click()
    page.get_by_role("button", name=f"Undo dismissing “{old}”").click()
    page.get_by_text(f"“{old}” is back among the suggestions.").wait_for()
    assert ten_years.input_value() == "3650"

    page.get_by_role("button", name="Plan next quarter").click()
    page.get_by_text("From articles published in the last 10 years.").wait_for()
    result = page.get_by_role("region", name=re.compile(r"^Planned Q\d"))
    assert result.get_by_role("link", name=old).count() == 1  # drafted from the older match
    page.goto(page.url)  # the address bar's plan address, opened again
    assert page.url == f"{url}/audiences/{audience['id']}/suggestions?days=3650"
    assert page.get_by_role("heading", name=old).is_visible()
    assert_accessible(page)
