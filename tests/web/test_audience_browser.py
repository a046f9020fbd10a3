"""An admin sets up an audience in Debian's chromium: the form, a refusal, the list, and every
audience page at phone width, each checked with axe-core (see tests/web/browser.py)."""

from __future__ import annotations

import re

from tests.web.browser import (
    BROWSER_MARKS,
    assert_accessible,
    assert_fits_phone,
    sign_in,
    snapshot,
)

pytestmark = BROWSER_MARKS


def test_an_admin_creates_an_audience_in_the_form_and_sees_it_listed(page, phone, planner):
    url = planner["url"]
    sign_in(page, url)  # the workspace's first user: its admin
    page.get_by_role("link", name="Audiences").click()
    page.get_by_role("link", name="New audience").click()
    assert page.get_by_label("Time zone (slots and dates are on this clock)").input_value() == "UTC"
    assert_accessible(page)

    # A refused form keeps what was typed and says why by the field, in the API's words.
    page.get_by_label("Name", exact=True).fill("Heads of RevOps")
    page.get_by_label("Keywords (comma or line separated)", exact=True).fill("pricing, forecasting")
    page.get_by_label("Value posts per ask (your own numbers)").fill("0")
    page.get_by_role("button", name="Create audience").click()
    message = page.locator("#policy_gives_per_ask-error")
    message.wait_for()
    assert "greater than or equal to 1" in message.inner_text()
    assert page.get_by_label("Name", exact=True).input_value() == "Heads of RevOps"
    assert_accessible(page)
    snapshot(page, "audience-refused")

    page.get_by_label("Value posts per ask (your own numbers)").fill("4")
    page.get_by_label("How often").select_option("quarterly")
    page.get_by_label("A day of the month").check()
    page.get_by_label("Day of the month", exact=True).select_option(label="Last day")
    page.get_by_label("Time", exact=True).fill("08:30")
    page.get_by_label("Time zone (slots and dates are on this clock)").select_option(
        "Europe/Berlin"
    )
    page.get_by_role("button", name="Create audience").click()
    page.get_by_text("Saved the audience “Heads of RevOps”.").wait_for()
    assert_accessible(page)

    page.get_by_role("link", name="Audiences").click()
    card = page.locator(".card", has_text="Heads of RevOps")
    assert "Quarterly, in the first month of each quarter, on the last day, at 08:30" in (
        card.inner_text()
    )
    assert "4 value posts before each ask" in card.inner_text()
    assert page.locator(".card", has_text="CFOs").is_visible()
    assert_accessible(page)

    card.get_by_role("link", name=re.compile("^Delete")).click()
    page.get_by_role("heading", name="Delete the audience “Heads of RevOps”?").wait_for()
    assert_accessible(page)
    created = re.search(r"/audiences/(\d+)/delete", page.url)[1]

    sign_in(phone, url)
    paths = [
        "/audiences",
        "/audiences/new",
        f"/audiences/{created}/settings",
        f"/audiences/{created}/delete",
    ]
    assert_fits_phone(phone, url, paths)
    phone.goto(url + f"/audiences/{created}/settings")
    snapshot(phone, "audience-settings-phone")

    page.get_by_role("button", name="Delete “Heads of RevOps”").click()
    page.get_by_text("Deleted the audience “Heads of RevOps” and its posts.").wait_for()
    assert page.locator(".card", has_text="Heads of RevOps").count() == 0
