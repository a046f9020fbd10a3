"""The contact page through Flask's test client, when a colleague already knows the person
(a warm introduction)."""

from __future__ import annotations

import html


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def known_by_colleague(colleague) -> None:
    """Dana, a connection of the colleague's, with notes only the colleague may read."""
    known = colleague.post(
        "/api/v1/contacts",
        json={"name": "Dana Whitfield", "profile_url": "https://www.linkedin.com/in/dana-whitfield/",
              "notes": "Owes me a favour", "accepted_at": "2026-11-02T10:00"},
    )  # fmt: skip
    assert known.status_code == 201


def test_the_contact_page_says_who_on_the_team_knows_the_person_and_nothing_more(
    app, rep, colleague, browser
):
    known_by_colleague(colleague)

    added = browser.post(
        "/contacts/new",
        {"name": "Dana Whitfield", "profile_url": "http://linkedin.com/in/dana-whitfield",
         "relationship": "none"},
    )  # fmt: skip
    assert added.status_code == 303, text_of(added)
    page = text_of(browser.get(added.headers["Location"]))

    assert "Known on your team" in page
    assert "A colleague already knows Dana: ask for a warm introduction" in page
    assert "sam@acme.example: Connected" in page
    assert "Owes me a favour" not in page

    alone = browser.post("/contacts/new", {"name": "Lee Ng", "relationship": "none"})
    assert "Known on your team" not in text_of(browser.get(alone.headers["Location"]))
