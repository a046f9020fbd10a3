"""Publishing a scheduled give from its page, and beside it wherever a page lists it (the
audience's calendar, the home page's overdue posts): LinkedIn's share box with the link
UTM-tagged as the audience says, the text to paste, and marking it published at the rep's time."""

from __future__ import annotations

import datetime as dt
import html
import re
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from tests.api.helpers import ARTICLE, iso
from tests.helpers import give, make_audience
from tests.web.helpers import SOON, page_text


def _share_hrefs(page_html: str) -> dict[int, str]:
    """Each Share on LinkedIn link on the page, by its post's id."""
    found = re.findall(r'id="share-(\d+)" href="([^"]+)" target="_blank" rel="noopener"', page_html)
    return {int(post_id): html.unescape(href) for post_id, href in found}


def _share_href(page_html: str, post_id: int) -> str:
    hrefs = _share_hrefs(page_html)
    assert post_id in hrefs, f"no Share on LinkedIn link for post {post_id}"
    return hrefs[post_id]


def _shared_link(page_html: str, post_id: int) -> str:
    """The article's address inside LinkedIn's share-offsite link."""
    href = _share_href(page_html, post_id)
    assert href.startswith("https://www.linkedin.com/sharing/share-offsite/?url=")
    return parse_qs(urlsplit(href).query)["url"][0]


def test_a_scheduled_give_with_a_link_offers_share_copy_and_mark_published(browser, rep):
    audience = make_audience(rep, utm={"enabled": True, "campaign": "{audience}-q4"})
    post = give(rep, audience["id"], f"{SOON}T09:00", url=ARTICLE, body="Worth a read.")
    page = browser.get(f"/posts/{post['id']}/edit").get_data(as_text=True)
    shared = _shared_link(page, post["id"])
    assert shared.startswith(ARTICLE + "&utm_source=linkedin&utm_medium=social")
    assert parse_qs(urlsplit(shared).query)["utm_campaign"] == ["CFOs-q4"]
    assert f"utm_content=post-{post['id']}" in shared
    assert html.escape(f"Worth a read.\n\n{shared}") in page

    # Yesterday on the audience's clock: a post cannot have gone out later than now.
    yesterday = (dt.datetime.now(ZoneInfo(audience["timezone"])) - dt.timedelta(days=1)).date()
    done = browser.post(
        f"/posts/{post['id']}/publish", {"date": yesterday.isoformat(), "time": "08:15"}
    )
    assert done.status_code == 303
    published = rep.get(f"/api/v1/posts/{post['id']}").get_json()
    assert published["status"] == "published"
    assert published["scheduled_at_local"].startswith(f"{yesterday.isoformat()}T08:15")
    # Published: nothing left to share.
    assert _share_hrefs(browser.get(f"/posts/{post['id']}/edit").get_data(as_text=True)) == {}


def test_without_tagging_the_share_link_carries_the_link_as_it_is(browser, rep):
    audience = make_audience(rep)
    post = give(rep, audience["id"], f"{SOON}T09:00", url=ARTICLE)
    page = browser.get(f"/posts/{post['id']}/edit").get_data(as_text=True)
    assert _shared_link(page, post["id"]) == ARTICLE
    ask_or_linkless = give(rep, audience["id"], f"{SOON}T10:00")
    page = browser.get(f"/posts/{ask_or_linkless['id']}/edit").get_data(as_text=True)
    assert "Share on LinkedIn" not in page


def test_a_bad_publish_time_is_shown_on_the_form_and_changes_nothing(browser, rep):
    audience = make_audience(rep)
    post = give(rep, audience["id"], f"{SOON}T09:00", url=ARTICLE)
    answer = browser.post(f"/posts/{post['id']}/publish", {"date": "2026-13-45", "time": "25:00"})
    assert answer.status_code == 422
    assert "scheduled_at" in answer.get_data(as_text=True)
    assert rep.get(f"/api/v1/posts/{post['id']}").get_json()["status"] == "scheduled"


def test_the_calendar_offers_the_three_actions_beside_each_scheduled_give_with_a_link(browser, rep):
    audience = make_audience(rep, utm={"enabled": True})
    tagged = give(rep, audience["id"], f"{SOON}T09:00", url=ARTICLE, body="Worth a read.")
    # A link the rep tagged already is shared as it is: never tagged twice.
    own = "https://cfo.example/q4?utm_campaign=mine&page=2"
    kept = give(rep, audience["id"], f"{SOON}T10:00", url=own)
    linkless = give(rep, audience["id"], f"{SOON}T11:00")
    draft = give(rep, audience["id"], f"{SOON}T12:00", url=ARTICLE, status="draft")
    month = SOON[:7]
    for view in ("month", "quarter"):
        page = browser.get(f"/audiences/{audience['id']}?view={view}&start={month}").get_data(
            as_text=True
        )
        assert set(_share_hrefs(page)) == {tagged["id"], kept["id"]}, view
        shared = _shared_link(page, tagged["id"])
        assert shared == (
            f"{ARTICLE}&utm_source=linkedin&utm_medium=social&utm_campaign=CFOs"
            f"&utm_content=post-{tagged['id']}"
        )
        assert _shared_link(page, kept["id"]) == own
        assert html.escape(f"Worth a read.\n\n{shared}") in page
        assert f'action="/posts/{tagged["id"]}/publish"' in page
        assert f'action="/posts/{linkless["id"]}/publish"' not in page
        assert f'action="/posts/{draft["id"]}/publish"' not in page


def test_mark_as_published_from_the_calendar_returns_there_published_now(browser, rep):
    audience = make_audience(rep)
    post = give(rep, audience["id"], f"{SOON}T09:00", url=ARTICLE)
    calendar = f"/audiences/{audience['id']}?start={SOON[:7]}"
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    done = browser.post(f"/posts/{post['id']}/publish", {"date": "", "time": "", "back": calendar})
    assert done.status_code == 303
    assert done.headers["Location"] == calendar
    published = rep.get(f"/api/v1/posts/{post['id']}").get_json()
    assert published["status"] == "published"
    at = dt.datetime.fromisoformat(published["scheduled_at"])
    assert before - dt.timedelta(seconds=1) <= at <= dt.datetime.now(dt.UTC)
    page = page_text(browser.get(calendar))
    assert "Marked as published: “give at" in page
    assert _share_hrefs(page) == {}


def test_publish_never_redirects_off_the_site(browser, rep):
    audience = make_audience(rep)
    post = give(rep, audience["id"], f"{SOON}T09:00", url=ARTICLE)
    done = browser.post(f"/posts/{post['id']}/publish", {"back": "//evil.example/x"})
    assert done.status_code == 303
    assert done.headers["Location"] == f"/audiences/{audience['id']}"


def test_an_overdue_give_on_the_home_page_offers_share_and_mark_published(browser, rep):
    audience = make_audience(rep)
    late = give(rep, audience["id"], iso(hours=-1 / 60), url=ARTICLE, title="The checklist post")
    page = browser.get("/").get_data(as_text=True)
    assert _shared_link(page, late["id"]) == ARTICLE
    assert 'name="back" value="/"' in page
    done = browser.post(
        f"/posts/{late['id']}/publish",
        {
            "date": (dt.date.today() - dt.timedelta(days=1)).isoformat(),
            "time": "17:05",
            "back": "/",
        },
    )
    assert done.headers["Location"] == "/"
    assert rep.get(f"/api/v1/posts/{late['id']}").get_json()["status"] == "published"
    assert "Overdue:" not in browser.get("/").get_data(as_text=True)


def test_the_home_page_tags_each_overdue_give_as_its_own_audience_says(browser, rep):
    """One page, two audiences: the settings read once a request are each audience's own."""
    tagged = make_audience(rep, utm={"enabled": True})
    untagged = make_audience(rep, name="CIOs")
    first = give(rep, tagged["id"], iso(hours=-2 / 60), url=ARTICLE)
    second = give(rep, untagged["id"], iso(hours=-1 / 60), url=ARTICLE)
    page = browser.get("/").get_data(as_text=True)
    assert _shared_link(page, first["id"]).startswith(ARTICLE + "&utm_source=linkedin")
    assert _shared_link(page, second["id"]) == ARTICLE
