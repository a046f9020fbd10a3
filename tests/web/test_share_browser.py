"""Share on LinkedIn and Copy text in Debian's chromium (see test_browser): a new tab with
LinkedIn's share box for the UTM-tagged link, the text on the clipboard, then published; on
the post's page and beside the give on the audience's calendar, at desktop and phone width."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from tests.api.helpers import ARTICLE, iso
from tests.helpers import give
from tests.web.browser import BROWSER_MARKS, assert_accessible, assert_fits_phone, sign_in, snapshot
from tests.web.helpers import SOON

pytestmark = BROWSER_MARKS


def _tagged_give(page, planner, rep, **fields) -> dict:
    """A scheduled give with a link on a UTM-tagging audience, the rep signed in, LinkedIn
    answered locally and the clipboard allowed."""
    audience = planner["audience"]
    rep.patch(f"/api/v1/audiences/{audience['id']}", json={"utm": {"enabled": True}})
    post = give(rep, audience["id"], f"{SOON}T09:00", url=ARTICLE, body="Worth a read.", **fields)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.context.route("https://www.linkedin.com/**", lambda route: route.fulfill(body="share box"))
    sign_in(page, planner["url"])
    return post


def _shared_in_a_new_tab(page, share) -> str:
    """Click Share on LinkedIn: the article's address in the share-offsite tab it opened."""
    assert share.get_attribute("target") == "_blank"
    assert share.get_attribute("rel") == "noopener"
    with page.context.expect_page() as opened:
        share.click()
    tab = opened.value
    tab.wait_for_load_state()
    assert tab.url.startswith("https://www.linkedin.com/sharing/share-offsite/?url=")
    link = parse_qs(urlsplit(tab.url).query)["url"][0]
    tab.close()
    return link


def test_in_chromium_share_opens_linkedin_in_a_new_tab_and_copy_text_copies(page, planner, rep):
    post = _tagged_give(page, planner, rep)
    page.goto(f"{planner['url']}/posts/{post['id']}/edit")
    link = _shared_in_a_new_tab(page, page.get_by_role("link", name="Share on LinkedIn"))
    assert link.startswith(ARTICLE + "&utm_source=linkedin")
    assert parse_qs(urlsplit(link).query)["utm_campaign"] == ["CFOs"]

    page.get_by_role("button", name="Copy text").click()
    page.get_by_text("Text copied.").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == f"Worth a read.\n\n{link}"
    assert_accessible(page)

    page.get_by_role("button", name="Mark as published").click()
    page.get_by_text("Marked as published:").wait_for()
    assert rep.get(f"/api/v1/posts/{post['id']}").get_json()["status"] == "published"


def test_in_chromium_the_calendar_shares_a_give_and_marks_it_published(page, phone, planner, rep):
    post = _tagged_give(page, planner, rep, title="Q4 memo")
    calendar = f"/audiences/{planner['audience']['id']}?start={SOON[:7]}"
    page.goto(planner["url"] + calendar)
    actions = page.get_by_role("group", name="Publish “Q4 memo”")
    link = _shared_in_a_new_tab(page, actions.get_by_role("link", name="Share on LinkedIn"))
    assert link == (
        f"{ARTICLE}&utm_source=linkedin&utm_medium=social&utm_campaign=CFOs"
        f"&utm_content=post-{post['id']}"
    )
    assert page.url == planner["url"] + calendar  # the calendar stays where it was

    actions.get_by_role("button", name="Copy text").click()
    actions.get_by_text("Text copied.").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == f"Worth a read.\n\n{link}"
    assert_accessible(page)

    # An overdue give with a link: the home page offers the same three actions.
    late = give(rep, planner["audience"]["id"], iso(hours=-1 / 60), url=ARTICLE, title="Late")
    sign_in(phone, planner["url"])
    assert_fits_phone(phone, planner["url"], [calendar, "/"])
    assert phone.get_by_role("group", name="Publish “Late”").count() == 1
    assert phone.locator(f"#share-{late['id']}").is_visible()
    snapshot(phone, "home-share-phone")
    phone.goto(planner["url"] + calendar)
    snapshot(phone, "calendar-share-phone")
    snapshot(page, "calendar-share")

    actions.get_by_role("button", name="Mark as published").click()
    page.get_by_text("Marked as published: “Q4 memo”.").wait_for()
    assert page.url == planner["url"] + calendar
    page.reload()
    assert page.get_by_role("group", name="Publish “Q4 memo”").count() == 0
    assert page.get_by_role("link", name="Q4 memo (published)").count() == 1
    published = rep.get(f"/api/v1/posts/{post['id']}").get_json()
    assert published["status"] == "published"
