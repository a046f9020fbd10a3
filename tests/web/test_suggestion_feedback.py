"""Useful / Not useful on the suggestions page, through Flask's test client: the pressed state,
taking a verdict back, CSRF, and other workspaces' ids."""

from __future__ import annotations

import re

import pytest

from tests.helpers import make_audience
from tests.web.helpers import page_text, seed, text_of


@pytest.fixture
def audience(rep) -> dict:
    return make_audience(rep)


def pressed(page: str) -> dict[str, str]:
    """Each pressed verdict button's visible label, by the article title it names."""
    buttons = re.findall(
        r'aria-pressed="true">(?:<span aria-hidden="true">✓ </span>)?([^<]+)'
        r'<span class="visually-hidden">: ([^<]+)</span>',
        page,
    )
    return {title: label for label, title in buttons}


def verdicts(rep, audience_id: int) -> dict[int, str]:
    response = rep.get(f"/api/v1/audiences/{audience_id}/feedback")
    assert response.status_code == 200, response.get_json()
    return {item["article_id"]: item["verdict"] for item in response.get_json()["items"]}


def test_useful_is_recorded_shown_pressed_and_undone_from_the_notice(app, rep, browser, audience):
    article, other = seed(app, rep.workspace_id, "Pricing for CFOs", "Usage-based pricing")
    base = f"/audiences/{audience['id']}/suggestions"
    page = text_of(browser.get(base))
    assert pressed(page) == {}
    assert page.count('aria-pressed="false"') == 4  # two buttons on each of two cards

    response = browser.post(f"{base}/{article}/feedback", {"verdict": "useful"})

    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"{base}?judged={article}#article-{article}")
    page = page_text(browser.get(response.headers["Location"]))
    assert "Marked “Pricing for CFOs” useful for CFOs." in page
    assert pressed(page) == {"Pricing for CFOs": "Useful"}
    assert verdicts(rep, audience["id"]) == {article: "useful"}
    assert f'action="{base}/{article}/feedback/undo"' in page  # the notice's Undo and the button
    assert f'action="{base}/{other}/feedback/undo"' not in page

    response = browser.post(f"{base}/{article}/feedback/undo")
    assert response.status_code == 303
    page = page_text(browser.get(response.headers["Location"]))
    assert "Took back your verdict on “Pricing for CFOs”." in page
    assert pressed(page) == {}
    assert verdicts(rep, audience["id"]) == {}


def test_not_useful_keeps_the_article_listed_and_switching_replaces_the_verdict(
    app, rep, browser, audience
):
    [article] = seed(app, rep.workspace_id, "Pricing for CFOs")
    base = f"/audiences/{audience['id']}/suggestions"

    response = browser.post(f"{base}/{article}/feedback", {"verdict": "not_useful"})
    page = page_text(browser.get(response.headers["Location"]))
    assert "Marked “Pricing for CFOs” not useful for CFOs." in page
    assert pressed(page) == {"Pricing for CFOs": "Not useful"}  # still listed, unlike Dismiss

    browser.post(f"{base}/{article}/feedback", {"verdict": "useful"})
    assert pressed(text_of(browser.get(base))) == {"Pricing for CFOs": "Useful"}
    assert verdicts(rep, audience["id"]) == {article: "useful"}


def test_pressed_buttons_post_to_undo_so_pressing_again_takes_the_verdict_back(
    app, rep, browser, audience
):
    [article] = seed(app, rep.workspace_id, "Pricing for CFOs")
    base = f"/audiences/{audience['id']}/suggestions"
    browser.post(f"{base}/{article}/feedback", {"verdict": "useful"})

    card = text_of(browser.get(base)).split(f'id="article-{article}"')[1]
    form = r'<form method="post" action="([^"]+)">(?:(?!</form>).)*✓ </span>Useful'
    useful_form = re.search(form, card, re.S)
    assert useful_form and useful_form[1] == f"{base}/{article}/feedback/undo"

    assert browser.post(useful_form[1]).status_code == 303
    assert browser.post(useful_form[1]).status_code == 303  # harmless twice
    assert verdicts(rep, audience["id"]) == {}


def test_an_unknown_verdict_or_a_missing_csrf_token_changes_nothing(app, rep, browser, audience):
    [article] = seed(app, rep.workspace_id, "Pricing for CFOs")
    base = f"/audiences/{audience['id']}/suggestions/{article}"

    assert browser.post(f"{base}/feedback", {"verdict": "meh"}).status_code == 422
    assert browser.post(f"{base}/feedback", {"verdict": "useful"}, csrf=False).status_code == 400
    browser.post(f"{base}/feedback", {"verdict": "useful"})
    assert browser.post(f"{base}/feedback/undo", csrf=False).status_code == 400
    assert verdicts(rep, audience["id"]) == {article: "useful"}


def test_another_workspaces_audience_or_article_answers_404(
    app, rep, outsider, browser, stranger, audience
):
    [article] = seed(app, rep.workspace_id, "Pricing secrets")
    [theirs] = seed(app, outsider.workspace_id, "Pricing for Globex")
    ours = f"/audiences/{audience['id']}/suggestions"
    browser.post(f"{ours}/{article}/feedback", {"verdict": "useful"})

    assert stranger.post(f"{ours}/{article}/feedback", {"verdict": "not_useful"}).status_code == 404
    assert stranger.post(f"{ours}/{article}/feedback/undo").status_code == 404
    assert browser.post(f"{ours}/{theirs}/feedback", {"verdict": "useful"}).status_code == 404
    assert browser.post(f"{ours}/{theirs}/feedback/undo").status_code == 404
    assert browser.post(f"{ours}/{2**63}/feedback", {"verdict": "useful"}).status_code == 404
    assert verdicts(rep, audience["id"]) == {article: "useful"}
