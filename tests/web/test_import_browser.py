"""A new rep brings in their LinkedIn connections from the contacts page, in Debian's chromium
(see tests/web/browser.py)."""

from __future__ import annotations

import pytest

from tests.web.browser import BROWSER_MARKS, assert_accessible, sign_in, snapshot

pytestmark = BROWSER_MARKS
expect = pytest.importorskip("playwright.sync_api", reason="pip install -e '.[test]'").expect

CONNECTIONS = (
    "\ufeffNotes:\n"
    '"When exporting your connection data, you may notice that some of the email addresses '
    'are missing."\n\n'
    "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
    "Dana,Whitfield,https://www.linkedin.com/in/dana-whitfield,,Initech,CFO,03 Jan 2025\n"
    'Lars,Øberg,https://www.linkedin.com/in/lars-oberg,,"Nordlys, AS",VP Finance,14 Nov 2024\n'
    "Mia,Keller,,,Umbrella,Controller,01 Nov 2024\n"
).encode()


def test_a_rep_uploads_linkedins_connections_and_sees_them_listed(page, planner):
    url = planner["url"]
    sign_in(page, url)
    page.get_by_role("link", name="Contacts", exact=True).click()
    page.get_by_role("link", name="Import from LinkedIn").click()
    expect(page.get_by_role("heading", name="Import contacts")).to_be_visible()
    assert_accessible(page)

    # A file that is not a CSV: refused on the file input, the summary focused.
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "Connections.pdf", "mimeType": "application/pdf", "buffer": b"%PDF\x00"}]
    )
    page.get_by_role("button", name="Import").click()
    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(page.locator("#file-error")).to_contain_text("Not a text file.")
    expect(page.get_by_label("CSV file")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)

    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "Connections.csv", "mimeType": "text/csv", "buffer": CONNECTIONS}]
    )
    page.get_by_label("Audience of the new contacts").select_option(label="CFOs")
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_role("status")).to_have_text(
        "Imported Connections.csv: 2 added, 0 already yours (0 updated), 1 skipped."
    )
    expect(page.get_by_role("table", name="Skipped, with why")).to_contain_text("No profile URL")
    assert_accessible(page)
    snapshot(page, "contacts-imported")

    page.get_by_role("link", name="See your contacts").click()
    names = page.locator("a.contact-name")
    expect(names).to_have_text(["Dana Whitfield", "Lars Øberg"])
    expect(page.get_by_role("row", name="Dana Whitfield")).to_contain_text("CFOs")
