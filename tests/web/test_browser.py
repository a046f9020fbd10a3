"""A rep's day in Debian's chromium, driven by Playwright against a live server on 127.0.0.1.

Every page visited is checked with axe-core (from tests/js/node_modules) for serious or
critical accessibility violations. Each test leaves a screenshot of its last page in
artifacts/screenshots/. SQLite only: the browser sees the same pages on either database, and
the PostgreSQL half of the web behaviour is covered by test_pages.py.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest

from core import passwords_db
from tests.articles import add_article, add_feed
from tests.helpers import give, make_audience
from tests.web.conftest import PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "tests" / "js" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}
# (title, days old): the fresher one ranks first.
SUGGESTED = [("Five pricing moves that free working capital", 1), ("Pricing in a downturn", 3)]

pytestmark = [
    pytest.mark.skipif(
        not os.access(CHROMIUM, os.X_OK),
        reason=f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)",
    ),
    pytest.mark.skipif(not AXE.exists(), reason="axe-core missing: run npm ci --prefix tests/js"),
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="pip install -e '.[test]'")


@pytest.fixture(scope="module")
def chromium() -> Iterator:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _page(chromium, request, **options):
    context = chromium.new_context(accept_downloads=True, locale="en-GB", **options)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^\w.-]+", "_", request.node.name)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    context.close()


@pytest.fixture
def page(chromium, request):
    yield from _page(chromium, request, viewport={"width": 1280, "height": 900})


@pytest.fixture
def phone(chromium, request):
    yield from _page(chromium, request, viewport=PHONE, is_mobile=True, has_touch=True)


@pytest.fixture
def planner(app, rep, live_server) -> dict:
    """A rep with a password and one audience (second Tuesday, 09:00 Berlin, keyword
    "pricing"), and two articles from a followed feed that match it, over HTTP."""
    with app.extensions["planner_db"].writer() as session:
        passwords_db.set_password(session, "rep@acme.example", PASSWORD)
        feed = add_feed(session, rep.workspace_id, "CFO Weekly")
        for title, days_old in SUGGESTED:
            add_article(session, feed, title, days_old=days_old, summary="What pricing taught us.")
        session.commit()
    return {"url": live_server.url(), "audience": make_audience(rep, name="CFOs")}


def snapshot(page, name: str) -> None:
    """A mid-test picture, beside the last-page one the fixture takes."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"browser-{name}.png"), full_page=True)


def assert_accessible(page) -> None:
    """axe-core's verdict on the page as shown; evaluated over DevTools, so the page's CSP
    (which forbids inline script) stays on."""
    page.evaluate(AXE.read_text())
    found = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
             .map(v => ({id: v.id, impact: v.impact, help: v.help,
                         nodes: v.nodes.map(n => n.target.join(" ")).slice(0, 3)}))"""
    )
    bad = [v for v in found if v["impact"] in ("serious", "critical")]
    assert not bad, f"{page.url}: {bad}"


def sign_in(page, url: str) -> None:
    page.goto(url + "/")
    assert "/signin" in page.url
    page.get_by_label("Email").fill("rep@acme.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    page.wait_for_url(url + "/")


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


def button(label: str, title: str) -> re.Pattern:
    """A button named for one suggestion: its label, then the title hidden for screen readers."""
    return re.compile(rf"^{re.escape(label)}\W+{re.escape(title)}$")


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
    for path in pages:
        phone.goto(url + path)
        width = phone.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], f"{path} scrolls sideways at phone width: {width}"
        unlabelled = phone.evaluate(
            """() => [...document.querySelectorAll("input:not([type=hidden]), select, textarea")]
                 .filter(el => !el.labels || el.labels.length === 0).map(el => el.name)"""
        )
        assert unlabelled == [], f"{path}: inputs without a label: {unlabelled}"
        assert_accessible(phone)

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


def test_pages_have_an_icon_and_read_only_settings_look_read_only(page, planner):
    url = planner["url"]
    failed: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else 0)
    sign_in(page, url)
    for path in ("/", "/feeds", "/settings"):
        page.goto(url + path)
        icon = page.locator("link[rel=icon]").evaluate("link => link.href")
        assert page.request.get(icon).status == 200
    assert page.request.get(url + "/favicon.ico").status == 200  # asked for by default
    assert failed == []

    zone = page.get_by_label("Workspace time zone")
    assert zone.is_disabled()
    looks = zone.evaluate(
        "e => [getComputedStyle(e).backgroundColor, getComputedStyle(e).cursor,"
        " getComputedStyle(e).borderStyle]"
    )
    assert looks == ["rgb(243, 245, 247)", "not-allowed", "dashed"]  # not an editable white box
    assert page.get_by_text("Read only: only a workspace admin can change these").is_visible()
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
