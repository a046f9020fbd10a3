"""A form refused by the server comes back with its error summary focused, so a keyboard or
screen reader user starts from what went wrong, in Debian's chromium (see tests/web/browser.py)."""

from __future__ import annotations

import pytest

from tests.api.helpers import add_contact
from tests.web.browser import BROWSER_MARKS, assert_accessible, sign_in

pytestmark = BROWSER_MARKS
expect = pytest.importorskip("playwright.sync_api", reason="pip install -e '.[test]'").expect


def assert_summary_focused(page, starts: str) -> None:
    """The page's first alert is its summary: document.activeElement once the page is shown."""
    summary = page.locator("[role=alert]").first
    expect(summary).to_be_focused(timeout=3_000)
    expect(summary).to_have_attribute("tabindex", "-1")
    assert summary.inner_text().startswith(starts)


def test_a_refused_sign_in_focuses_its_error(page, planner):
    page.goto(planner["url"] + "/signin")
    page.get_by_label("Email").fill("rep@acme.example")
    page.get_by_label("Password").fill("not the password")
    page.get_by_label("Password").press("Enter")
    assert_summary_focused(page, "That email and password do not match an account.")


def test_a_refused_audience_form_focuses_its_error_summary(page, planner):
    sign_in(page, planner["url"])
    page.goto(planner["url"] + "/audiences/new")
    page.get_by_label("Name", exact=True).fill("Heads of RevOps")
    page.get_by_label("Value posts per ask (your own numbers)").fill("0")
    page.get_by_role("button", name="Create audience").click()
    assert_summary_focused(page, "Please check the fields marked below.")
    assert_accessible(page)
    # From the summary, Tab goes on into the form below it.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.tagName") in ("INPUT", "SELECT", "TEXTAREA")


def test_a_refused_contact_form_focuses_its_error_summary(page, planner, rep):
    contact = add_contact(rep, planner["audience"], name="Dana Whitfield")
    sign_in(page, planner["url"])
    page.goto(f"{planner['url']}/contacts/{contact['id']}")
    stock = "Hi Dana, I'd like to add you to my professional network on LinkedIn."
    page.get_by_label("Personal note for the connection request").fill(stock)
    page.get_by_role("button", name="Record the request").click()
    assert_summary_focused(page, "Nothing was saved")
    assert_accessible(page)


def test_a_refused_team_window_focuses_its_error_summary(page, planner):
    sign_in(page, planner["url"])
    page.goto(planner["url"] + "/team")
    page.get_by_label("From").fill("2030-03-01")
    page.get_by_label("Until (included)").fill("2030-02-28")
    page.get_by_role("button", name="Show").click()
    assert_summary_focused(page, "Please check the fields marked below.")
    expect(page.locator("#until-error")).to_have_text("Must be on or after From.")
    assert_accessible(page)


def test_a_rule_typed_without_choosing_custom_is_refused_in_the_open_section(page, planner):
    sign_in(page, planner["url"])
    page.goto(planner["url"] + "/audiences/new")
    page.get_by_label("Name", exact=True).fill("Heads of RevOps")
    page.locator("summary", has_text="Custom rule (advanced)").click()
    page.get_by_label("Rule", exact=True).fill("FREQ=WEEKLY;BYDAY=MO")
    page.get_by_role("button", name="Create audience").click()
    assert_summary_focused(page, "Please check the fields marked below.")
    rule = page.get_by_label("Rule", exact=True)
    expect(rule).to_be_visible()
    expect(rule).to_have_value("FREQ=WEEKLY;BYDAY=MO")
    expect(page.locator("#cadence_rrule-error")).to_contain_text("How often says Monthly")
    assert_accessible(page)
