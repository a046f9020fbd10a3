"""The suggestions page through Flask's test client, when a colleague shares a suggested
article with the audience (staggering)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from core.db import utcnow
from tests.articles import add_article, add_feed
from tests.helpers import give, make_audience
from tests.web.helpers import page_text


def seed(app, workspace_id: int, *titles: str) -> list[int]:
    with app.extensions["planner_db"].writer() as session:
        feed = add_feed(session, workspace_id, "SaaStr")
        found = [
            add_article(session, feed, title, days_old=1 + i, summary="Pricing lessons.").id
            for i, title in enumerate(titles)
        ]
        session.commit()
    return found


def test_the_suggestions_page_says_a_colleague_shares_an_article_and_lists_it_last(
    app, rep, colleague, browser
):
    audience = make_audience(rep)
    best, _ = seed(app, rep.workspace_id, "Pricing pages that convert CFOs", "Pricing notes")
    tomorrow = (utcnow() + dt.timedelta(days=1)).replace(microsecond=0)
    give(colleague, audience["id"], tomorrow.isoformat(), article_id=best)

    page = page_text(browser.get(f"/audiences/{audience['id']}/suggestions"))

    assert page.index("Pricing notes") < page.index("Pricing pages that convert CFOs")
    assert "sam@acme.example shares this " in page
    assert "listed after the others until" in page


def test_planning_a_quarter_says_when_a_slot_shares_a_colleagues_article(
    app, rep, colleague, browser
):
    audience = make_audience(rep)  # second Tuesday, 09:00 Berlin
    [article] = seed(app, rep.workspace_id, "Pricing pages that convert CFOs")
    today = utcnow().astimezone(ZoneInfo("Europe/Berlin")).date()
    quarter = today.year * 4 + (today.month - 1) // 3 + 1
    first = dt.date(quarter // 4, quarter % 4 * 3 + 1, 1)
    tuesday = first + dt.timedelta(days=(1 - first.weekday()) % 7 + 7)  # the second Tuesday
    give(colleague, audience["id"], f"{tuesday}T12:00", article_id=article)

    page = page_text(browser.post(f"/audiences/{audience['id']}/plan"))

    assert "Drafted 1 value post" in page
    assert "No other article was left: a colleague posts this one within a week" in page
    assert "sam@acme.example" in page
