"""The suggestions page through Flask's test client: schedule, dismiss and undo, plan a quarter."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest

from core.db import utcnow
from tests.helpers import give, make_audience
from tests.web.conftest import sign_in
from tests.web.helpers import items, page_text, seed, text_of


@pytest.fixture
def audience(rep) -> dict:
    return make_audience(rep)


def posts_of(rep, audience_id: int, status: str = "scheduled") -> list[dict]:
    return items(rep, f"/api/v1/audiences/{audience_id}/posts?status={status}")


def next_quarter_bounds(timezone: str) -> tuple[dt.datetime, dt.datetime]:
    today = utcnow().astimezone(ZoneInfo(timezone)).date()
    index = today.year * 4 + (today.month - 1) // 3 + 1
    first = dt.date(index // 4, index % 4 * 3 + 1, 1)
    index += 1
    end = dt.date(index // 4, index % 4 * 3 + 1, 1)
    zone = ZoneInfo(timezone)
    return dt.datetime.combine(first, dt.time(), zone), dt.datetime.combine(end, dt.time(), zone)


def test_each_suggestion_shows_its_reasons_and_schedules_into_the_next_open_slot(
    app, rep, browser, audience
):
    [article] = seed(app, rep.workspace_id, "Pricing pages that convert CFOs")
    page = text_of(browser.get(f"/audiences/{audience['id']}/suggestions"))
    assert "Pricing pages that convert CFOs" in page
    for reason in ("Title mentions pricing", "1 day old", "From SaaStr"):
        assert reason in page
    assert f"/audiences/{audience['id']}/suggestions" in text_of(browser.get("/"))
    assert "Suggestions" in text_of(browser.get(f"/audiences/{audience['id']}"))

    now = utcnow()
    slots = rep.get(
        f"/api/v1/audiences/{audience['id']}/slots",
        query_string={"from": now.isoformat(), "to": (now + dt.timedelta(days=62)).isoformat()},
    ).get_json()["items"]
    response = browser.post(f"/audiences/{audience['id']}/suggestions/{article}/schedule")
    assert response.status_code == 303
    assert response.headers["Location"].startswith(f"/audiences/{audience['id']}?start=")

    [post] = posts_of(rep, audience["id"])
    assert post["kind"] == "give" and post["status"] == "scheduled"
    assert post["title"] == "Pricing pages that convert CFOs"
    assert post["scheduled_at"] == slots[0]["at"]
    landed = page_text(browser.get(response.headers["Location"]))
    assert "Scheduled “Pricing pages that convert CFOs”" in landed
    # Shared now, so no longer suggested.
    assert "convert CFOs" not in text_of(browser.get(f"/audiences/{audience['id']}/suggestions"))


def test_a_terse_audience_is_told_what_would_sharpen_its_suggestions(app, rep, second_rep, browser):
    """Two words and no description leave the sense to chance; the page says what helps, with
    a link for the admin who can change the audience, and stops once the audience says more."""
    terse = make_audience(rep, keywords=["pricing", "churn"])
    seed(app, rep.workspace_id, "Pricing pages that convert CFOs")
    path = f"/audiences/{terse['id']}/suggestions"
    page = page_text(browser.get(path))
    assert "CFOs has 2 keywords and no description." in page
    assert "Marking a few suggestions Useful or Not useful teaches the ranking at once." in page
    assert re.search(rf'<a href="/audiences/{terse["id"]}/settings">add to them</a>', page)
    seller = page_text(sign_in(app, second_rep, "second@acme.example").get(path))
    assert "an admin can add to them." in seller and "add to them</a>" not in seller

    job = (
        "Finance chiefs at mid-size SaaS firms who own pricing, billing and the forecast, "
        "and answer to the board for net revenue."
    )
    described = {"description": job}
    assert rep.patch(f"/api/v1/audiences/{terse['id']}", json=described).status_code == 200
    assert 'id="terse"' not in browser.get(path).get_data(as_text=True)
    many = make_audience(rep, name="RevOps", keywords=["pricing", "churn", "billing", "ARR", "NRR"])
    assert 'id="terse"' not in browser.get(f"/audiences/{many['id']}/suggestions").get_data(
        as_text=True
    )


def test_scheduling_a_suggestion_again_says_where_it_is_and_adds_no_second_post(
    app, rep, browser, audience
):
    [article] = seed(app, rep.workspace_id, "Pricing pages that convert CFOs")
    url = f"/audiences/{audience['id']}/suggestions/{article}/schedule"
    first = browser.post(url)
    [post] = posts_of(rep, audience["id"])
    scheduled = page_text(browser.get(first.headers["Location"]))
    slot = re.search(r"Scheduled “Pricing pages that convert CFOs” for ([^.]+)\.", scheduled)[1]

    again = browser.post(url)  # Back and the button again, or a retried request

    assert again.status_code == 303
    assert again.headers["Location"] == first.headers["Location"]
    landed = page_text(browser.get(again.headers["Location"]))
    assert (
        f"“Pricing pages that convert CFOs” is already scheduled for {slot}: nothing was added."
        in landed
    )
    assert posts_of(rep, audience["id"]) == [post]


def test_scheduling_with_no_open_slot_left_explains_and_writes_nothing(app, rep, browser):
    quarterly = {"frequency": "quarterly", "day": 15, "time": "09:00"}
    audience = make_audience(rep, cadence=quarterly)
    now = utcnow()
    slots = rep.get(
        f"/api/v1/audiences/{audience['id']}/slots",
        query_string={"from": now.isoformat(), "to": (now + dt.timedelta(days=367)).isoformat()},
    ).get_json()["items"]
    for slot in slots:
        give(rep, audience["id"], slot["at"])
    [article] = seed(app, rep.workspace_id, "Pricing in a downturn")

    schedule = f"/audiences/{audience['id']}/suggestions/{article}/schedule?days=3650"
    response = browser.post(schedule)  # from the 10-year list
    assert response.status_code == 422
    assert "no open slot in the next year" in text_of(response)
    assert '<option value="3650" selected>' in text_of(response)  # the same list, explained
    assert "Pricing in a downturn" in text_of(response)  # still suggested
    assert len(posts_of(rep, audience["id"])) == len(slots)


def test_dismiss_removes_a_suggestion_and_undo_brings_it_back(app, rep, browser, audience):
    kept, dismissed = seed(app, rep.workspace_id, "Pricing for CFOs", "Usage-based pricing")
    base = f"/audiences/{audience['id']}/suggestions"
    response = browser.post(f"{base}/{dismissed}/dismiss")
    assert response.status_code == 303
    page = page_text(browser.get(response.headers["Location"]))
    assert "Dismissed “Usage-based pricing”." in page
    assert "Undo" in page
    assert f'action="{base}/{dismissed}/dismiss"' not in page  # off the list itself
    assert f'action="{base}/{kept}/dismiss"' in page

    response = browser.post(f"{base}/{dismissed}/undismiss")
    assert response.status_code == 303
    page = page_text(browser.get(response.headers["Location"]))
    assert "“Usage-based pricing” is back among the suggestions." in page
    assert f'action="{base}/{dismissed}/dismiss"' in page


def test_plan_next_quarter_shows_the_drafts_it_made_and_the_slots_it_could_not_fill(
    app, rep, browser, audience
):
    seed(app, rep.workspace_id, "Pricing reviews for the board")
    response = browser.post(f"/audiences/{audience['id']}/plan")
    assert response.status_code == 200
    page = text_of(response)
    start, end = next_quarter_bounds(audience["timezone"])
    assert f"Planned Q{(start.month - 1) // 3 + 1} {start.year}" in page
    # Second Tuesday of each month: three slots, one article to fill them with.
    assert "Drafted 1 value post." in page
    assert "Pricing reviews for the board" in page
    assert "Could not fill 2 slots" in page
    assert "No unused suggestion left" in page
    [draft] = posts_of(rep, audience["id"], "draft")
    at = dt.datetime.fromisoformat(draft["scheduled_at"])
    assert start <= at < end
    # Planning again adds nothing.
    again = text_of(browser.post(f"/audiences/{audience['id']}/plan"))
    assert "Drafted" not in again
    assert len(posts_of(rep, audience["id"], "draft")) == 1


def test_every_button_refuses_a_form_without_the_csrf_token(app, rep, browser, audience):
    [article] = seed(app, rep.workspace_id, "Pricing teardown")
    base = f"/audiences/{audience['id']}"
    for path in (
        f"{base}/suggestions/{article}/schedule",
        f"{base}/suggestions/{article}/dismiss",
        f"{base}/suggestions/{article}/undismiss",
        f"{base}/plan",
    ):
        assert browser.post(path, csrf=False).status_code == 400, path
    assert posts_of(rep, audience["id"]) == []
    assert posts_of(rep, audience["id"], "draft") == []
    assert "Pricing teardown" in text_of(browser.get(f"{base}/suggestions"))


def test_another_workspaces_suggestions_answer_404(app, rep, outsider, browser, stranger, audience):
    [article] = seed(app, rep.workspace_id, "Pricing secrets")
    [theirs] = seed(app, outsider.workspace_id, "Pricing for Globex")
    base = f"/audiences/{audience['id']}"
    assert stranger.get(f"{base}/suggestions").status_code == 404
    for path in (
        f"{base}/suggestions/{article}/schedule",
        f"{base}/suggestions/{article}/dismiss",
        f"{base}/suggestions/{article}/undismiss",
        f"{base}/plan",
    ):
        assert stranger.post(path).status_code == 404, path
    # Our audience with their article.
    for path in (f"{base}/suggestions/{theirs}/schedule", f"{base}/suggestions/{theirs}/dismiss"):
        assert browser.post(path).status_code == 404, path
    assert posts_of(rep, audience["id"]) == []
    assert posts_of(rep, audience["id"], "draft") == []


def test_ids_beyond_any_row_answer_404(browser, audience):
    huge = 2**63
    base = f"/audiences/{audience['id']}/suggestions"
    assert browser.get(f"/audiences/{huge}/suggestions").status_code == 404
    for action in ("schedule", "dismiss", "undismiss"):
        assert browser.post(f"{base}/{huge}/{action}").status_code == 404, action
    assert browser.post(f"/audiences/{huge}/plan").status_code == 404
