"""The contact page through Flask's test client, when a colleague already knows the person
(a warm introduction)."""

from __future__ import annotations

from tests.web.helpers import known_by_colleague, page_text


def test_the_contact_page_says_who_on_the_team_knows_the_person_and_nothing_more(
    app, rep, colleague, browser
):
    known_by_colleague(colleague)

    added = browser.post(
        "/contacts/new",
        {"name": "Dana Whitfield", "profile_url": "http://linkedin.com/in/dana-whitfield",
         "relationship": "none"},
    )  # fmt: skip
    assert added.status_code == 303, page_text(added)
    page = page_text(browser.get(added.headers["Location"]))

    assert "Known on your team" in page
    assert "A colleague already knows Dana: ask for a warm introduction" in page
    assert "sam@acme.example: Connected" in page
    assert "Owes me a favour" not in page

    alone = browser.post("/contacts/new", {"name": "Lee Ng", "relationship": "none"})
    assert "Known on your team" not in page_text(browser.get(alone.headers["Location"]))
