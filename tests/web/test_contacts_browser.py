"""A rep builds a relationship before a one-to-one ask, in Debian's chromium (see test_browser)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from tests.api.helpers import upload
from tests.helpers import give
from tests.web.browser import BROWSER_MARKS, assert_accessible, assert_fits_phone, sign_in, snapshot
from tests.web.helpers import BERLIN

pytestmark = BROWSER_MARKS


def test_rep_connects_with_a_personal_note_gives_first_then_asks_one_to_one(page, planner, rep):
    url, audience = planner["url"], planner["audience"]
    sign_in(page, url)
    page.get_by_role("link", name="Contacts", exact=True).click()
    assert page.get_by_role("heading", name="Contacts").is_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Add a contact").click()
    page.get_by_label("Name").fill("Dana Whitfield")
    page.get_by_label("Profile link").fill("https://www.linkedin.com/in/dana-whitfield")
    page.get_by_label("Audience").select_option(label="CFOs")
    page.get_by_label("Job title").fill("CFO")
    page.get_by_label("Company").fill("Initech")
    page.get_by_label("Decision maker").check()
    page.get_by_label("How you know them").select_option(label="Met in person")
    assert_accessible(page)
    page.get_by_role("button", name="Add contact").click()
    page.get_by_text("Saved Dana Whitfield.").wait_for()
    assert page.locator(".standing .stage").inner_text() == "New"

    # The network's stock text: refused, the reason shown, the note kept to rewrite.
    stock = "Hi Dana, I'd like to add you to my professional network on LinkedIn."
    page.get_by_label("Personal note for the connection request").fill(stock)
    page.get_by_role("button", name="Record the request").click()
    error = page.locator("#note-error")
    error.wait_for()
    assert "stock invitation text" in error.inner_text()
    assert "reads as mass outreach" in error.inner_text()
    assert page.get_by_label("Personal note for the connection request").input_value() == stock
    assert_accessible(page)
    snapshot(page, "contact-stock-note")

    note = "Dana, your talk on rolling forecasts at FinOps Berlin changed how I plan."
    page.get_by_label("Personal note for the connection request").fill(note)
    page.get_by_role("button", name="Record the request").click()
    page.get_by_text("Recorded your request to Dana Whitfield.").wait_for()
    assert page.locator(".standing .stage").inner_text() == "Request sent"
    page.get_by_role("button", name="Record acceptance").click()  # now, as the form offers
    page.get_by_text("Dana Whitfield accepted").wait_for()
    assert page.locator(".standing .stage").inner_text() == "Connected"

    # An ask a few hours away: every reason in plain words, the typed text kept. Fixed hours
    # from now, not a wall-clock time, so "less than a day" holds whenever the test runs.
    ask_at = (dt.datetime.now(BERLIN) + dt.timedelta(hours=5)).replace(second=0, microsecond=0)
    ask_date, ask_time = ask_at.date().isoformat(), ask_at.strftime("%H:%M")
    page.get_by_role("link", name="Plan a one-to-one ask").click()
    page.get_by_label("Type").select_option(label="Meeting request")
    page.get_by_label("Title").fill("A 20-minute forecasting review")
    page.get_by_label("Message").fill("Would a short call on your rolling forecast help?")
    page.get_by_label("Date").fill(ask_date)
    page.get_by_label("Time").fill(ask_time)
    page.get_by_role("button", name="Schedule the ask").click()
    why = page.get_by_role("alert")
    why.wait_for()
    text = why.inner_text()
    waits = r"less than a day before this ask; the rule waits 14 days after a connection\."
    assert re.search(rf"Wait until .+: Dana connected {waits}", text), text
    assert "Give Dana 2 more touches first" in text
    assert (
        "Share 3 more value posts with CFOs first "
        "(only value posts from the 365 days before an ask count)."
    ) in text
    assert page.get_by_label("Title").input_value() == "A 20-minute forecasting review"
    assert "rolling forecast" in page.get_by_label("Message").input_value()
    assert page.get_by_label("Date").input_value() == ask_date
    assert page.get_by_label("Time").input_value() == ask_time
    assert_accessible(page)
    snapshot(page, "contact-early-ask")

    # Give: three value posts for the audience, two touches aimed at Dana.
    now = dt.datetime.now(dt.UTC)
    for hours in (3, 2, 1):
        give(rep, audience["id"], (now + dt.timedelta(hours=hours)).isoformat())
    page.get_by_role("link", name="Back to Dana Whitfield").click()
    for kind in ("Commented on their post", "Shared an article with them"):
        page.get_by_label("What you did").select_option(label=kind)
        if kind.startswith("Shared"):
            page.get_by_label("About one of your value posts").select_option(index=1)
        page.get_by_role("button", name="Record touch").click()
        page.get_by_text("Recorded a touch for Dana Whitfield.").wait_for()
    assert page.locator(".touches li").count() == 2
    assert page.locator(".standing .stage").inner_text() == "Engaged"
    assert "Wait until" in page.locator(".standing").inner_text()
    assert_accessible(page)

    # Time is the last thing missing; this audience lets a new connection be asked at once.
    policy = {"policy": {"min_days_after_connect": 0}}
    assert rep.patch(f"/api/v1/audiences/{audience['id']}", json=policy).status_code == 200
    page.reload()
    assert page.locator(".standing .stage").inner_text() == "Ready to ask"
    page.get_by_role("link", name="Plan a one-to-one ask").click()
    page.get_by_label("Title").fill("A 20-minute forecasting review")
    page.get_by_label("Date").fill(ask_date)
    page.get_by_label("Time").fill(ask_time)
    page.get_by_role("button", name="Schedule the ask").click()
    page.get_by_text("Scheduled “A 20-minute forecasting review”").wait_for()
    assert page.locator(".standing .stage").inner_text() == "Asked"
    assert page.get_by_role("link", name="A 20-minute forecasting review").is_visible()
    assert_accessible(page)
    snapshot(page, "contact-asked")

    page.get_by_role("link", name="All contacts").click()
    page.get_by_label("Stage").select_option(label="Asked")
    page.get_by_role("button", name="Show").click()
    assert page.get_by_role("link", name="Dana Whitfield").is_visible()
    assert_accessible(page)
    snapshot(page, "contacts-list")


def test_contact_pages_work_at_phone_width_with_the_keyboard(phone, planner, rep):
    url, audience = planner["url"], planner["audience"]
    contact = rep.post(
        "/api/v1/contacts",
        json={"name": "Dana Whitfield", "audience_id": audience["id"], "company": "Initech",
              "accepted_at": (dt.datetime.now(dt.UTC) - dt.timedelta(days=3)).isoformat()},
    ).get_json()  # fmt: skip
    sign_in(phone, url)
    assert_fits_phone(
        phone,
        url,
        (
            "/contacts",
            "/contacts/new",
            f"/contacts/{contact['id']}",
            f"/contacts/{contact['id']}/edit",
            f"/contacts/{contact['id']}/asks/new",
        ),
    )

    # Keyboard only: from the list to a new contact, saved with Enter from its name.
    phone.goto(url + "/contacts")
    for _ in range(30):
        phone.keyboard.press("Tab")
        if phone.evaluate("document.activeElement.textContent") == "Add a contact":
            break
    phone.keyboard.press("Enter")
    phone.wait_for_url(re.compile(r".*/contacts/new.*"))
    phone.get_by_label("Name").focus()
    phone.keyboard.type("Sam Okafor")
    phone.keyboard.press("Enter")
    phone.get_by_text("Saved Sam Okafor.").wait_for()
    phone.goto(url + "/contacts")
    assert phone.locator(".contacts tbody tr").count() == 2


def test_the_contact_ask_form_opens_with_the_first_date_both_rules_allow(page, planner, rep):
    url, audience = planner["url"], planner["audience"]
    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    contact = rep.post(
        "/api/v1/contacts",
        json={"name": "Dana Whitfield", "audience_id": audience["id"],
              "accepted_at": (now - dt.timedelta(days=20)).isoformat()},
    ).get_json()  # fmt: skip
    for days in (2, 1):
        touched = {"kind": "commented", "at": (now - dt.timedelta(days=days)).isoformat()}
        assert (
            rep.post(f"/api/v1/contacts/{contact['id']}/touches", json=touched).status_code == 201
        )
    for hours in (3, 2, 1):
        give(rep, audience["id"], (now + dt.timedelta(hours=hours)).isoformat())
    sign_in(page, url)
    page.goto(f"{url}/contacts/{contact['id']}")
    page.get_by_role("link", name="Plan a one-to-one ask").click()
    # Dana is ready; the audience allows an ask a minute after its third give.
    earliest = (now + dt.timedelta(hours=3, minutes=1)).astimezone(BERLIN)
    assert page.get_by_label("Date").input_value() == f"{earliest:%Y-%m-%d}"
    assert page.get_by_label("Time").input_value() == f"{earliest:%H:%M}"
    meter = page.locator("#ask-meter")
    assert meter.is_visible() and meter.get_attribute("value") == "3"
    assert_accessible(page)
    snapshot(page, "contact-prefilled-ask")
    page.get_by_label("Title").fill("A 20-minute forecasting review")
    page.get_by_role("button", name="Schedule the ask").click()
    page.get_by_text("Scheduled “A 20-minute forecasting review”").wait_for()


def test_a_rep_downloads_their_contacts_as_a_file_the_import_reads_back(page, planner, rep):
    url, audience = planner["url"], planner["audience"]
    accepted = (dt.datetime.now(dt.UTC) - dt.timedelta(days=3)).isoformat()
    for name, company in (("Dana Whitfield", "Initech"), ("Lars Øberg", "=Nordlys, AS")):
        contact = {"name": name, "audience_id": audience["id"], "company": company,
                   "profile_url": f"https://www.linkedin.com/in/{name.split()[0].lower()}",
                   "accepted_at": accepted}  # fmt: skip
        assert rep.post("/api/v1/contacts", json=contact).status_code == 201
    sign_in(page, url)
    page.get_by_role("link", name="Contacts", exact=True).click()
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as CSV").click()
    assert download.value.suggested_filename == "value-planner-contacts.csv"
    data = Path(download.value.path()).read_bytes()
    assert data.decode().startswith("\ufeffname,profile_url,company,title,email,accepted_at,")
    assert "'=Nordlys, AS" in data.decode()  # text, not a formula, in a spreadsheet
    again = upload(rep, data).get_json()
    assert (again["created"], again["skipped"]) == ([], [])
    assert [row["changed"] for row in again["updated"]] == [[], []]
