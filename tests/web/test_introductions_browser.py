"""A warm introduction in Debian's chromium: a rep adds a person a colleague already knows."""

from __future__ import annotations

from tests.web.browser import BROWSER_MARKS, assert_accessible, sign_in
from tests.web.helpers import known_by_colleague

pytestmark = BROWSER_MARKS


def test_adding_a_contact_a_colleague_knows_offers_a_warm_introduction(page, planner, colleague):
    known_by_colleague(colleague)
    sign_in(page, planner["url"])
    page.get_by_role("link", name="Contacts", exact=True).click()
    page.get_by_role("link", name="Add a contact").click()
    page.get_by_label("Name").fill("Dana Whitfield")
    page.get_by_label("Profile link").fill("http://linkedin.com/in/Dana-Whitfield?trk=people")
    page.get_by_role("button", name="Add contact").click()
    page.get_by_text("Saved Dana Whitfield.").wait_for()

    introduction = page.get_by_role("region", name="Known on your team")
    assert introduction.is_visible()
    assert "sam@acme.example: Connected" in introduction.inner_text()
    assert "Owes me a favour" not in page.content()
    assert_accessible(page)
