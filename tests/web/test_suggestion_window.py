"""The suggestions page's window: an empty page says why and offers to look further back."""

from __future__ import annotations

from tests.articles import add_article, add_feed
from tests.helpers import make_audience
from tests.web.helpers import page_text


def text_of(response) -> str:
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_no_feeds_then_nothing_in_the_window_with_a_link_further_back(app, rep, browser):
    audience = make_audience(rep)
    page = f"/audiences/{audience['id']}/suggestions"
    assert "The workspace follows no feeds yet" in text_of(browser.get(page))

    with app.extensions["planner_db"].writer() as session:
        feed = add_feed(session, rep.workspace_id, "SaaStr")
        add_article(session, feed, "Pricing pages, a season ago", days_old=100)
        session.commit()

    html = text_of(browser.get(page))
    assert "No unused article since" in html and "1 older one does" in html
    assert f'href="{page}?days=180"' in html and "Look further back" in html
    assert '<option value="60" selected>' in html  # a news audience's default window

    widened = text_of(browser.get(f"{page}?days=180"))
    assert "Pricing pages, a season ago" in widened
    assert '<option value="180" selected>' in widened
    assert "Look further back" not in widened
    # A value the selector does not offer falls back to the default window.
    assert "Look further back" in text_of(browser.get(f"{page}?days=abc"))


def test_an_audience_without_keywords_is_told_to_add_some(rep, browser):
    audience = make_audience(rep, keywords=[])
    html = text_of(browser.get(f"/audiences/{audience['id']}/suggestions"))
    assert "This audience has no keywords" in html


def pricing_articles(app, rep, *titles: str, days_old: int = 400) -> list[int]:
    """Articles the keyword "pricing" finds, by default older than a news audience's 60 days."""
    with app.extensions["planner_db"].writer() as session:
        feed = add_feed(session, rep.workspace_id, "SaaStr")
        ids = [
            add_article(session, feed, title, days_old=days_old, summary="Pricing lessons.").id
            for title in titles
        ]
        session.commit()
    return ids


def test_a_stale_notice_id_leaves_the_page_showing(app, rep, outsider, browser):
    """An Undo link from before the article was deleted, or another workspace's id: no notice,
    and nothing of the other workspace's article."""
    [mine] = pricing_articles(app, rep, "Pricing this week", days_old=1)
    [theirs] = pricing_articles(app, outsider, "Pricing for Globex", days_old=1)
    audience = make_audience(rep)
    base = f"/audiences/{audience['id']}/suggestions"
    for query in (f"dismissed={theirs}", "dismissed=99999", f"judged={theirs}", f"judged={2**63}"):
        response = browser.get(f"{base}?{query}")
        assert response.status_code == 200, query
        page = page_text(response)
        assert "Pricing this week" in page
        assert "Globex" not in page and "Dismissed “" not in page and "Marked “" not in page
    assert f'action="{base}/{mine}/dismiss"' in page
