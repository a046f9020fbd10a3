"""A rep's day in Debian's chromium, driven by Playwright against a live server on 127.0.0.1.

Every page visited is checked with axe-core (from tests/js/node_modules) for serious or
critical accessibility violations. Each test leaves a screenshot of its last page in
artifacts/screenshots/. SQLite only: the browser sees the same pages on either database, and
the PostgreSQL half of the web behaviour is covered by test_pages.py.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest

from core import accounts_db, passwords_db
from core.models import Workspace
from tests.helpers import PASSWORD, give, make_audience
from tests.web.browser import (
    BROWSER_MARKS,
    SUGGESTED,
    assert_accessible,
    assert_fits_phone,
    button,
    open_page,
    sign_in,
    snapshot,
)

pytestmark = BROWSER_MARKS


def fill_next_open_slot(page, url: str, title: str) -> str:
    """Plan a value post in the audience's next open slot; returns the slot's local date."""
    page.goto(url + "/")
    page.get_by_role("link", name=re.compile("Fill the next open slot")).click()
    assert page.get_by_label("Value post (give)").is_checked()
    date = page.get_by_label("Date").input_value()
    assert date and page.get_by_label("Time").input_value() == "09:00"
    page.get_by_label("Title").fill(title)
    page.get_by_role("button", name="Save").click()
    page.get_by_text(f"Scheduled “{title}”").wait_for()
    return date


def schedule_a_suggestion(page, url: str) -> str:
    """Dismiss and restore one suggestion, then schedule the best one into the next open slot;
    returns that slot's local date."""
    page.goto(url + "/")
    slot = page.get_by_role("link", name=re.compile("Fill the next open slot"))
    first = re.search(r"at=(\d{4}-\d{2}-\d{2})", slot.get_attribute("href"))[1]
    page.get_by_role("link", name=re.compile("Suggestions")).click()
    best, other = (title for title, _ in SUGGESTED)
    card = page.locator(".suggestions > li", has_text=best)
    assert "Title mentions pricing" in card.inner_text()
    assert "1 day old" in card.inner_text()
    assert "From CFO Weekly" in card.inner_text()
    assert_accessible(page)

    page.get_by_role("button", name=button("Dismiss", other)).click()
    page.get_by_text(f"Dismissed “{other}”.").wait_for()
    assert page.locator(".suggestions > li", has_text=other).count() == 0
    assert_accessible(page)
    page.get_by_role("button", name=re.compile("^Undo")).click()
    page.get_by_text(f"“{other}” is back among the suggestions.").wait_for()
    assert page.locator(".suggestions > li", has_text=other).is_visible()
    snapshot(page, "suggestions")

    page.get_by_role("button", name=button("Schedule in next open slot", best)).click()
    page.get_by_text(f"Scheduled “{best}”").wait_for()
    assert page.locator(".item.give", has_text=best).is_visible()
    return first


def test_rep_gives_first_is_coached_on_an_early_ask_then_asks_and_exports(page, planner):
    url = planner["url"]
    sign_in(page, url)
    assert page.get_by_role("heading", name="Your audiences").is_visible()
    assert page.locator("meter").get_attribute("value") == "0"
    assert_accessible(page)

    first = schedule_a_suggestion(page, url)
    assert_accessible(page)  # the month view

    # An ask the day after the first give: refused, explained, and nothing typed is lost.
    page.goto(url + "/")
    page.get_by_role("link", name=re.compile("Plan an ask")).click()
    page.get_by_label("Title").fill("Invite: a 20-minute pricing review")
    page.get_by_label("Text").fill("You read the working-capital series; want a short call?")
    ask_day = dt.date.fromisoformat(first) + dt.timedelta(days=1)
    page.get_by_label("Date").fill(ask_day.isoformat())
    page.get_by_label("Time").fill("10:00")
    page.get_by_role("button", name="Save").click()
    explanation = page.get_by_role("alert")
    explanation.wait_for()
    assert (
        "Share 2 more value posts with CFOs first "
        "(only value posts from the 365 days before an ask count)."
    ) in explanation.inner_text()
    assert page.get_by_label("Title").input_value() == "Invite: a 20-minute pricing review"
    assert "working-capital series" in page.get_by_label("Text").input_value()
    assert page.get_by_label("Ask: a meeting").is_checked()
    assert page.get_by_label("Date").input_value() == ask_day.isoformat()
    assert_accessible(page)
    snapshot(page, "coached-ask")

    fill_next_open_slot(page, url, "A cash-flow checklist for the board")
    third = fill_next_open_slot(page, url, "What repricing in an inflation spike taught us")
    page.goto(url + "/")
    assert page.locator("meter").get_attribute("value") == "3"
    assert "enough value shared for a fair ask" in page.locator(".ratio-text").inner_text()

    page.get_by_role("link", name=re.compile("Plan an ask")).click()
    page.get_by_label("Title").fill("Invite: a 20-minute pricing review")
    ask_day = dt.date.fromisoformat(third) + dt.timedelta(days=1)
    page.get_by_label("Date").fill(ask_day.isoformat())
    page.get_by_label("Time").fill("10:00")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Scheduled “Invite: a 20-minute pricing review”").wait_for()
    assert page.locator(".item.ask").is_visible()
    snapshot(page, "month-with-ask")

    page.get_by_role("link", name="Quarter").click()
    assert page.get_by_role("heading", name=re.compile(r"^Q\d \d{4}$")).is_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Calendar", exact=True).click()
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Every audience (.ics)").click()
    ics = Path(download.value.path()).read_bytes()
    summaries = {str(e["SUMMARY"]) for e in icalendar.Calendar.from_ical(ics).walk("VEVENT")}
    for title in (
        SUGGESTED[0][0],
        "A cash-flow checklist for the board",
        "What repricing in an inflation spike taught us",
        "Invite: a 20-minute pricing review",
    ):
        assert any(title in summary for summary in summaries), (title, summaries)

    page.get_by_role("button", name="Create a subscription link").click()
    link = page.get_by_label("Subscription link").input_value()
    assert re.fullmatch(re.escape(url) + r"/ics/\d+\.[0-9a-f]+\.ics", link)
    assert page.get_by_role("button", name="Copy link").is_visible()  # web.js ran under CSP
    assert_accessible(page)


def test_every_page_works_at_phone_width_with_the_keyboard_alone(phone, planner, app):
    url = planner["url"]
    phone.goto(url + "/signin")
    phone.keyboard.press("Tab")  # the skip link comes first
    assert phone.evaluate("document.activeElement.textContent") == "Skip to content"
    outline = phone.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # focus is visible
    phone.keyboard.press("Tab")
    phone.keyboard.press("Tab")
    assert phone.evaluate("document.activeElement.id") == "email"
    phone.keyboard.type("rep@acme.example")
    phone.keyboard.press("Tab")
    phone.keyboard.type(PASSWORD)
    phone.keyboard.press("Enter")
    phone.wait_for_url(url + "/")

    audience = planner["audience"]["id"]
    pages = [
        "/",
        f"/audiences/{audience}",
        f"/audiences/{audience}?view=quarter",
        f"/audiences/{audience}/posts/new",
        f"/audiences/{audience}/suggestions",
        "/calendar",
        "/feeds",
        "/settings",
    ]
    assert_fits_phone(phone, url, pages)

    # Keyboard only: plan next quarter from the suggestions page and read what it did.
    phone.goto(url + f"/audiences/{audience}/suggestions")
    phone.get_by_role("button", name="Plan next quarter").focus()
    phone.keyboard.press("Enter")
    result = phone.get_by_role("region", name=re.compile(r"^Planned Q\d \d{4}$"))
    result.wait_for()
    # Three monthly slots and two matching articles: two drafts, one slot left open.
    assert "Drafted 2 value posts." in result.inner_text()
    assert SUGGESTED[0][0] in result.inner_text()
    assert "Could not fill 1 slot:" in result.inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(phone)
    snapshot(phone, "planned-quarter")

    # Keyboard only: reach "Fill the next open slot" from the home page and plan a give.
    phone.goto(url + "/")
    for _ in range(30):
        phone.keyboard.press("Tab")
        if "Fill the next open slot" in phone.evaluate("document.activeElement.textContent"):
            break
    phone.keyboard.press("Enter")
    phone.wait_for_url(re.compile(r".*/posts/new\?.*"))
    phone.get_by_label("Title").focus()
    phone.keyboard.type("A one-page cash-flow checklist")
    phone.keyboard.press("Enter")  # submits the form from a text input
    phone.get_by_text("Scheduled “A one-page cash-flow checklist”").wait_for()


def test_pages_have_an_icon_and_read_only_settings_look_read_only(page, planner, app, colleague):
    """A rep of the team (not its admin) sees the workspace's and an audience's settings
    greyed out."""
    url, audience = planner["url"], planner["audience"]["id"]
    with app.extensions["planner_db"].writer() as session:
        passwords_db.set_password(session, "sam@acme.example", PASSWORD)
        session.commit()
    failed: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else 0)
    sign_in(page, url, "sam@acme.example")
    for path in ("/", "/feeds", f"/audiences/{audience}/settings", "/settings"):
        page.goto(url + path)
        icon = page.locator("link[rel=icon]").evaluate("link => link.href")
        assert page.request.get(icon).status == 200
    assert page.request.get(url + "/favicon.ico").status == 200  # asked for by default
    assert failed == []

    for path, label, note in [
        ("/settings", "Workspace time zone", "only a workspace admin can change these"),
        (f"/audiences/{audience}/settings", "Days between asks", "only a workspace admin can"),
    ]:
        page.goto(url + path)
        field = page.get_by_label(label)
        assert field.is_disabled()
        looks = field.evaluate(
            "e => [getComputedStyle(e).backgroundColor, getComputedStyle(e).cursor,"
            " getComputedStyle(e).borderStyle]"
        )
        assert looks == ["rgb(243, 245, 247)", "not-allowed", "dashed"]  # not a white box
        assert page.get_by_text(f"Read only: {note}").is_visible()
        assert page.get_by_role("button", name=re.compile("^Save")).count() == 0
        assert_accessible(page)


def test_an_admin_demoted_with_the_settings_open_gets_them_back_read_only_with_a_403(
    page, planner, app, colleague
):
    """The refusal is the settings page again, read only and saying why, with the 403 the
    audience forms answer (a rep's change is not a mistake in the form)."""
    url = planner["url"]
    sign_in(page, url, "rep@acme.example")
    page.goto(url + "/settings")
    page.get_by_label("Workspace time zone").select_option("Asia/Tokyo")
    with app.extensions["planner_db"].writer() as session:
        sam, me = (
            accounts_db.find_user(session, e) for e in ("sam@acme.example", "rep@acme.example")
        )
        accounts_db.change_role(session, me.workspace_id, sam.id, "admin")
        accounts_db.change_role(session, me.workspace_id, me.id, "rep")
        session.commit()
    with page.expect_response(lambda r: r.request.method == "POST") as sent:
        page.get_by_role("button", name="Save settings").click()
    assert sent.value.status == 403
    alert = page.get_by_role("alert").inner_text()
    assert alert == "Only a workspace admin can change these settings."
    assert page.get_by_text("Read only: only a workspace admin can change these").is_visible()
    assert page.get_by_label("Workspace time zone").is_disabled()
    assert page.get_by_role("button", name="Save settings").count() == 0
    with app.extensions["planner_db"].reader() as session:
        assert session.get(Workspace, me.workspace_id).timezone != "Asia/Tokyo"
    assert_accessible(page)


def test_the_ask_form_opens_with_the_earliest_allowed_date_and_the_meter(page, planner, rep):
    url, audience = planner["url"], planner["audience"]
    start = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    for day in (1, 2, 3):
        give(rep, audience["id"], (start + dt.timedelta(days=day)).isoformat())
    sign_in(page, url)
    page.get_by_role("link", name=re.compile("Plan an ask")).click()
    assert page.get_by_label("Ask: a meeting").is_checked()
    earliest = (start + dt.timedelta(days=3, minutes=1)).astimezone(ZoneInfo("Europe/Berlin"))
    assert page.get_by_label("Date").input_value() == f"{earliest:%Y-%m-%d}"
    assert page.get_by_label("Time").input_value() == f"{earliest:%H:%M}"
    meter = page.locator("#ask-meter")
    assert meter.is_visible() and meter.get_attribute("value") == "3"
    assert "3 of 3" in page.locator(".ratio-text").inner_text()
    assert_accessible(page)
    snapshot(page, "prefilled-ask")
    page.get_by_label("Title").fill("Invite: a 20-minute pricing review")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Scheduled “Invite: a 20-minute pricing review”").wait_for()


def test_an_admin_copies_their_own_and_the_team_s_subscription_links_apart(
    page, planner, colleague
):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    sign_in(page, planner["url"])
    page.goto(planner["url"] + "/calendar")
    page.get_by_role("button", name="Create a team subscription link").click()
    page.get_by_role("button", name="Create a subscription link").click()
    team = page.get_by_label("Team subscription link").input_value()
    own = page.get_by_label("Subscription link", exact=True).input_value()
    assert team != own
    for region, link, other in (("Subscribe", own, "The team's calendar"),
                                ("The team's calendar", team, "Subscribe")):  # fmt: skip
        page.get_by_role("region", name=region).get_by_role("button", name="Copy link").click()
        page.get_by_role("region", name=region).get_by_text("Link copied.").wait_for()
        assert page.evaluate("navigator.clipboard.readText()") == link
        assert page.get_by_role("region", name=other).get_by_text("Link copied.").count() == 0
        page.reload()
    assert_accessible(page)


@pytest.fixture
def no_script(chromium, request):
    yield from open_page(chromium, request, java_script_enabled=False)


def test_deleting_a_post_asks_first_and_keeps_it_until_confirmed_without_script(
    no_script, planner, rep
):
    page, url, audience = no_script, planner["url"], planner["audience"]
    post = give(rep, audience["id"], f"{dt.date.today().year + 1}-03-02T09:00", title="Checklist")
    sign_in(page, url)
    page.goto(f"{url}/posts/{post['id']}/edit")
    page.get_by_role("link", name="Delete this post…").click()
    page.get_by_role("heading", name="Delete the post “Checklist”?").wait_for()
    page.get_by_role("link", name="Keep it").click()
    page.get_by_role("heading", name=re.compile("Edit post")).wait_for()
    assert rep.get(f"/api/v1/posts/{post['id']}").status_code == 200

    page.get_by_role("link", name="Delete this post…").click()
    page.get_by_role("button", name="Delete “Checklist”").click()
    page.get_by_text("Deleted “Checklist”.").wait_for()
    assert rep.get(f"/api/v1/posts/{post['id']}").status_code == 404


def test_a_calendar_download_is_saved_under_the_audience_s_own_name(page, planner, rep):
    url = planner["url"]
    make_audience(rep, name="مديرو المشتريات")
    sign_in(page, url)
    page.goto(url + "/calendar")
    with page.expect_download() as download:
        page.get_by_role("link", name="مديرو المشتريات (.ics)").click()
    assert download.value.suggested_filename == "مديرو-المشتريات.ics"
