"""The feeds page manages subscriptions as the API does: rename, tag, turn off, remove; and
the small things every page shows: its icon, and settings that look read-only when they are."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from feeds.models import Article
from tests.articles import add_article, add_feed
from tests.web.conftest import sign_in
from tests.web.helpers import page_text, text_of


def feed_with_articles(app, workspace_id: int, count: int = 2, error: str | None = None) -> int:
    with app.extensions["planner_db"].writer() as session:
        feed = add_feed(session, workspace_id, "CFO Weekly")
        for n in range(count):
            add_article(session, feed, f"Pricing note {n}")
        feed.last_error, feed.error_count = error, 1 if error else 0
        session.commit()
        return feed.id


def row_of(page: str, feed_id: int) -> str:
    rows = re.findall(r"<tr>.*?</tr>", page, re.S)
    return next(r for r in rows if f"/feeds/{feed_id}/refresh" in r)


def test_each_feed_shows_its_article_count_and_last_error(app, browser):
    feed_id = feed_with_articles(app, browser.api.workspace_id, 2, error="HTTP 503 from server")
    row = row_of(text_of(browser.get("/feeds")), feed_id)
    assert '<td data-label="Articles">2</td>' in row
    assert "HTTP 503 from server" in row and "(1 in a row)" in row


def test_rename_and_tag_a_feed(app, browser):
    feed_id = feed_with_articles(app, browser.api.workspace_id)
    saved = browser.post(f"/feeds/{feed_id}", {"title": "  CFO  Digest ", "tags": "pricing, cash"})
    assert saved.status_code == 303
    page = page_text(browser.get("/feeds"))
    assert "Saved CFO Digest." in page
    assert "Tags: pricing, cash" in row_of(page, feed_id)
    api = browser.api.get(f"/api/v1/feeds/{feed_id}").get_json()
    assert (api["title"], api["tags"]) == ("CFO Digest", ["pricing", "cash"])


def test_a_refused_edit_names_the_field_and_keeps_what_was_typed(app, browser):
    feed_id = feed_with_articles(app, browser.api.workspace_id)
    long_tag = "x" * 200
    refused = browser.post(f"/feeds/{feed_id}", {"title": "Kept title", "tags": long_tag})
    assert refused.status_code == 422
    page = text_of(refused)
    assert re.search(rf'id="tags-{feed_id}-error">Tags are at most \d+ characters', page)
    assert 'value="Kept title"' in page and f'value="{long_tag}"' in page
    assert browser.api.get(f"/api/v1/feeds/{feed_id}").get_json()["title"] == "CFO Weekly"


def test_turn_a_feed_off_and_on(app, browser):
    feed_id = feed_with_articles(app, browser.api.workspace_id)
    assert browser.post(f"/feeds/{feed_id}/enabled", {"enabled": "off"}).status_code == 303
    page = page_text(browser.get("/feeds"))
    assert "Turned CFO Weekly off" in page
    assert '<td data-label="Status">Off</td>' in row_of(page, feed_id)
    assert browser.api.get(f"/api/v1/feeds/{feed_id}").get_json()["enabled"] is False
    assert browser.post(f"/feeds/{feed_id}/enabled", {"enabled": "on"}).status_code == 303
    assert browser.api.get(f"/api/v1/feeds/{feed_id}").get_json()["enabled"] is True


def test_remove_a_feed_keeps_its_articles(app, browser):
    feed_id = feed_with_articles(app, browser.api.workspace_id)
    assert browser.post(f"/feeds/{feed_id}/delete").status_code == 303
    page = page_text(browser.get("/feeds"))
    assert "Unsubscribed from CFO Weekly" in page and "No feeds yet." in page
    assert browser.api.get(f"/api/v1/feeds/{feed_id}").status_code == 404
    with app.extensions["planner_db"].reader() as session:
        assert session.scalar(select(func.count()).select_from(Article)) == 2


def test_feed_forms_need_the_csrf_token_and_another_workspaces_feed_is_404(app, browser, stranger):
    feed_id = feed_with_articles(app, browser.api.workspace_id)
    for path, form in (
        (f"/feeds/{feed_id}/delete", {}),
        (f"/feeds/{feed_id}/enabled", {"enabled": "off"}),
        (f"/feeds/{feed_id}", {"title": "Hijacked", "tags": ""}),
    ):
        assert browser.post(path, form, csrf=False).status_code == 400
        assert stranger.post(path, form).status_code == 404
    api = browser.api.get(f"/api/v1/feeds/{feed_id}").get_json()
    assert (api["title"], api["enabled"]) == ("CFO Weekly", True)


def test_favicon_is_served_and_linked_from_every_page(app, browser):
    signed_out = app.test_client()
    for path in ("/favicon.ico", "/static/favicon.ico"):
        icon = signed_out.get(path)
        assert icon.status_code == 200, path
        assert icon.mimetype in ("image/vnd.microsoft.icon", "image/x-icon")
        assert icon.data[:4] == b"\x00\x00\x01\x00"  # an ICO file's header
    for page in (signed_out.get("/signin"), browser.get("/"), browser.get("/feeds")):
        assert '<link rel="icon" href="/static/favicon.ico"' in text_of(page)


def test_settings_are_read_only_for_reps_with_a_note(app, browser, second_rep):
    page = text_of(sign_in(app, second_rep, "second@acme.example").get("/settings"))
    assert 'id="read-only">Read only: only a workspace admin can change these' in page
    assert page.count('disabled aria-describedby="read-only"') == 2
    assert "Save settings" not in page
    admin_page = text_of(browser.get("/settings"))
    assert "Read only" not in admin_page and "disabled" not in admin_page
    assert "Save settings" in admin_page


def test_a_rep_sees_the_feeds_read_only_and_may_refresh_them(app, browser, second_rep):
    feed_id = feed_with_articles(app, browser.api.workspace_id)
    page = page_text(sign_in(app, second_rep, "second@acme.example").get("/feeds"))
    row = row_of(page, feed_id)  # the list, with Refresh, as the API lets reps refresh
    assert '<td data-label="Articles">2</td>' in row
    assert "only a workspace admin adds, changes or removes them" in page
    for form in ('action="/feeds"', f'action="/feeds/{feed_id}"', "/enabled", "/delete"):
        assert form not in page
    admin_page = text_of(browser.get("/feeds"))
    assert "only a workspace admin" not in admin_page
    for form in ('action="/feeds"', f'action="/feeds/{feed_id}"', "/enabled", "/delete"):
        assert form in admin_page


def test_a_reps_feed_changes_are_refused_naming_the_admins_and_change_nothing(
    app, browser, second_rep
):
    feed_id = feed_with_articles(app, browser.api.workspace_id)
    before = browser.api.get("/api/v1/feeds").get_json()
    rep = sign_in(app, second_rep, "second@acme.example")
    for path, form, doing in (
        ("/feeds", {"url": "https://rep.example/feed.xml"}, "add feeds"),
        (f"/feeds/{feed_id}", {"title": "Hijacked", "tags": "mine"}, "change feeds"),
        (f"/feeds/{feed_id}/enabled", {"enabled": "off"}, "change feeds"),
        (f"/feeds/{feed_id}/delete", {}, "remove feeds"),
    ):
        refused = rep.post(path, form)
        assert refused.status_code == 403, path
        admins = f"Only a workspace admin can {doing}; your admins: rep@acme.example."
        assert admins in page_text(refused)
    assert browser.api.get("/api/v1/feeds").get_json() == before
