"""The suggestions page's window: an empty page says why and offers to look further back, and
the buttons and planning keep the window the rep chose."""

from __future__ import annotations

import re
from html import unescape

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


def action(page: str, path: str) -> str:
    """The action (query included) of the page's form that posts to ``path``."""
    found = re.findall(rf'action="({re.escape(path)}(?:\?[^"#]*)?)"', page)
    assert found, f"no form posts to {path}"
    return unescape(found[0])


def test_every_button_lands_back_on_the_range_the_rep_was_looking_at(app, rep, browser):
    [article] = pricing_articles(app, rep, "Pricing pages, two years on")
    audience = make_audience(rep)
    base = f"/audiences/{audience['id']}/suggestions"
    ten_years = text_of(browser.get(f"{base}?days=3650"))
    assert "Pricing pages, two years on" in ten_years

    # Useful, then the pressed button takes it back: both land on the 10-year list, on the card.
    sent = browser.post(action(ten_years, f"{base}/{article}/feedback"), {"verdict": "useful"})
    assert sent.headers["Location"] == f"{base}?days=3650&judged={article}#article-{article}"
    judged = page_text(browser.get(sent.headers["Location"]))
    assert "Marked “Pricing pages, two years on” useful" in judged
    assert '<option value="3650" selected>' in judged
    assert 'aria-pressed="true"' in judged  # the check mark is on screen
    sent = browser.post(action(judged, f"{base}/{article}/feedback/undo"))
    assert sent.headers["Location"] == f"{base}?days=3650#article-{article}"
    undone = page_text(browser.get(sent.headers["Location"]))
    assert "Took back your verdict" in undone and 'aria-pressed="true"' not in undone

    # Dismiss and its Undo keep the range too.
    sent = browser.post(action(undone, f"{base}/{article}/dismiss"))
    assert sent.headers["Location"] == f"{base}?days=3650&dismissed={article}"
    dismissed = page_text(browser.get(sent.headers["Location"]))
    sent = browser.post(action(dismissed, f"{base}/{article}/undismiss"))
    assert sent.headers["Location"] == f"{base}?days=3650"
    back = page_text(browser.get(sent.headers["Location"]))
    assert "is back among the suggestions" in back
    assert f'action="{base}/{article}/dismiss?days=3650"' in back


def test_a_range_the_selector_does_not_offer_is_not_carried_into_the_buttons(app, rep, browser):
    [article] = pricing_articles(app, rep, "Pricing this week", days_old=1)
    audience = make_audience(rep)
    base = f"/audiences/{audience['id']}/suggestions"
    page = text_of(browser.get(f"{base}?days=9999"))
    assert f'action="{base}/{article}/dismiss"' in page
    sent = browser.post(f"{base}/{article}/dismiss?days=9999")
    assert sent.headers["Location"] == f"{base}?dismissed={article}"


def test_planning_from_the_ten_year_view_drafts_the_older_matches_shown(app, rep, browser):
    pricing_articles(app, rep, "Pricing pages, two years on", "Pricing a renewal, long ago")
    audience = make_audience(rep)  # second Tuesday: three slots a quarter
    base = f"/audiences/{audience['id']}"
    ten_years = text_of(browser.get(f"{base}/suggestions?days=3650"))

    planned = page_text(browser.post(action(ten_years, f"{base}/plan")))

    assert "Drafted 2 value posts" in planned
    assert "Pricing pages, two years on" in planned and "Pricing a renewal, long ago" in planned
    assert "From articles published in the last 10 years." in planned
    assert '<option value="3650" selected>' in planned
    # Choosing another window from the result page shows the suggestions (not the plan address).
    assert f'<form method="get" action="{base}/suggestions"' in planned


def test_planning_from_the_default_view_says_which_window_it_searched(app, rep, browser):
    pricing_articles(app, rep, "Pricing pages, two years on")
    audience = make_audience(rep)
    planned = page_text(browser.post(f"/audiences/{audience['id']}/plan"))
    assert "Could not fill 3 slots" in planned
    assert "From articles published in the last 60 days." in planned


def test_opening_the_plan_address_leads_to_the_suggestions_in_the_same_range(rep, browser):
    audience = make_audience(rep)
    base = f"/audiences/{audience['id']}"
    opened = browser.get(f"{base}/plan?days=3650")  # reloaded, or pasted from the address bar
    assert opened.status_code == 303
    assert opened.headers["Location"] == f"{base}/suggestions?days=3650"
    assert browser.get(f"{base}/plan").headers["Location"] == f"{base}/suggestions"
    assert browser.get("/audiences/999999/plan").status_code == 404


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
