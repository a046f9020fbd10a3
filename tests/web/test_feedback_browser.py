"""A rep tells the suggestions what was useful, in Debian's chromium (see test_browser)."""

from __future__ import annotations

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
