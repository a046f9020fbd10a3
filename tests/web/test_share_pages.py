"""Publishing a scheduled give from its page: LinkedIn's share box with the link UTM-tagged
as the audience says, the text to paste, and marking it published at the rep's time."""

from __future__ import annotations

import datetime as dt
import html
import re
from urllib.parse import parse_qs, urlsplit

from tests.helpers import give, make_audience

ARTICLE = "https://cfo.example/pricing?ref=weekly"
SOON = (dt.date.today() + dt.timedelta(days=3)).isoformat()


def _share_href(page_html: str) -> str:
    found = re.search(
        r'id="share-linkedin" href="([^"]+)" target="_blank" rel="noopener"', page_html
    )
    assert found, "no Share on LinkedIn link"
    return html.unescape(found[1])


def test_a_scheduled_give_with_a_link_offers_share_copy_and_mark_published(browser, rep):
    audience = make_audience(rep, utm={"enabled": True, "campaign": "{audience}-q4"})
    post = give(rep, audience["id"], f"{SOON}T09:00", url=ARTICLE, body="Worth a read.")
    page = browser.get(f"/posts/{post['id']}/edit").get_data(as_text=True)
    shared = parse_qs(urlsplit(_share_href(page)).query)["url"][0]
    assert shared.startswith(ARTICLE + "&utm_source=linkedin&utm_medium=social")
    assert parse_qs(urlsplit(shared).query)["utm_campaign"] == ["CFOs-q4"]
    assert f"utm_content=post-{post['id']}" in shared
    assert html.escape(f"Worth a read.\n\n{shared}") in page

    done = browser.post(
        f"/posts/{post['id']}/publish",
        {"date": dt.date.today().isoformat(), "time": "08:15"},
    )
    assert done.status_code == 303
    published = rep.get(f"/api/v1/posts/{post['id']}").get_json()
    assert published["status"] == "published"
    assert published["scheduled_at"].startswith(dt.date.today().isoformat())
    # Published: nothing left to share.
    assert 'id="share-linkedin"' not in browser.get(f"/posts/{post['id']}/edit").get_data(
        as_text=True
    )


def test_without_tagging_the_share_link_carries_the_link_as_it_is(browser, rep):
    audience = make_audience(rep)
    post = give(rep, audience["id"], f"{SOON}T09:00", url=ARTICLE)
    page = browser.get(f"/posts/{post['id']}/edit").get_data(as_text=True)
    assert parse_qs(urlsplit(_share_href(page)).query)["url"] == [ARTICLE]
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
