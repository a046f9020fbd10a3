"""What the chromium tests share: the browser and axe-core they need, and what a test does
with a page (sign in, check accessibility and phone width, take a picture).

Their fixtures (chromium, page, phone, planner) are in tests/web/conftest.py, which pytest
finds for every module here.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.helpers import PASSWORD

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

NEEDS_CHROMIUM = pytest.mark.skipif(
    not os.access(CHROMIUM, os.X_OK),
    reason=f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)",
)
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
# Chromium, axe-core and SQLite: the marks of every test checked with axe-core.
BROWSER_MARKS = [
    NEEDS_CHROMIUM,
    pytest.mark.skipif(not AXE.exists(), reason="axe-core missing: run npm ci --prefix tests/js"),
    SQLITE_ONLY,
]


def open_page(chromium, request, **options):
    """A page in a context of its own; its screenshot is taken when the test ends."""
    context = chromium.new_context(accept_downloads=True, locale="en-GB", **options)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^\w.-]+", "_", request.node.name)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    context.close()


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


def sign_in(page, url: str, email: str = "rep@acme.example") -> None:
    """Sign in through the form; by default as the workspace's first user, its admin."""
    page.goto(url + "/")
    assert "/signin" in page.url
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    page.wait_for_url(url + "/")


def assert_fits_phone(phone, url: str, paths) -> None:
    """Each page at phone width: no sideways scrolling, every input labelled, axe-core clean."""
    for path in paths:
        phone.goto(url + path)
        width = phone.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], f"{path} scrolls sideways at phone width: {width}"
        unlabelled = phone.evaluate(
            """() => [...document.querySelectorAll("input:not([type=hidden]), select, textarea")]
                 .filter(el => !el.labels || el.labels.length === 0).map(el => el.name)"""
        )
        assert unlabelled == [], f"{path}: inputs without a label: {unlabelled}"
        assert_accessible(phone)


def button(label: str, title: str) -> re.Pattern:
    """A button named for one suggestion: its label, then the title hidden for screen readers."""
    return re.compile(rf"^{re.escape(label)}\W+{re.escape(title)}$")
