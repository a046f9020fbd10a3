"""Share on LinkedIn and Copy text in Debian's chromium (see test_browser): a new tab with
LinkedIn's share box for the UTM-tagged link, the text on the clipboard, then published."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from tests.helpers import give
from tests.web.browser import BROWSER_MARKS, assert_accessible, sign_in
from tests.web.test_share_pages import ARTICLE, SOON

pytestmark = BROWSER_MARKS


def test_in_chromium_share_opens_linkedin_in_a_new_tab_and_copy_text_copies(page, planner, rep):
    audience = planner["audience"]
    rep.patch(f"/api/v1/audiences/{audience['id']}", json={"utm": {"enabled": True}})
    post = give(rep, audience["id"], f"{SOON}T09:00", url=ARTICLE, body="Worth a read.")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.context.route("https://www.linkedin.com/**", lambda route: route.fulfill(body="share box"))
    sign_in(page, planner["url"])
    page.goto(f"{planner['url']}/posts/{post['id']}/edit")
    share = page.get_by_role("link", name="Share on LinkedIn")
    assert share.get_attribute("target") == "_blank"
    assert share.get_attribute("rel") == "noopener"
    with page.context.expect_page() as opened:
        share.click()
    tab = opened.value
    tab.wait_for_load_state()
    link = parse_qs(urlsplit(tab.url).query)["url"][0]
    assert tab.url.startswith("https://www.linkedin.com/sharing/share-offsite/?url=")
    assert link.startswith(ARTICLE + "&utm_source=linkedin")
    assert parse_qs(urlsplit(link).query)["utm_campaign"] == ["CFOs"]
    tab.close()

    page.get_by_role("button", name="Copy text").click()
    page.get_by_text("Text copied.").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == f"Worth a read.\n\n{link}"
    assert_accessible(page)

    page.get_by_role("button", name="Mark as published").click()
    page.get_by_text("Marked as published:").wait_for()
    assert rep.get(f"/api/v1/posts/{post['id']}").get_json()["status"] == "published"
