"""Staggering: colleagues' posts of an article to an audience show on each other's
suggestions and hold the article back for a week around them; planning prefers articles no
colleague posts near the slot."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.api.helpers import suggestions
from tests.articles import add_article, add_feed
from tests.helpers import give, make_audience

KEYWORDS = ["pricing", "SaaS", "churn"]


@pytest.fixture
def articles(writer_session, rep):
    """Two matching articles: ``best`` outranks ``other`` when nobody has planned either."""
    saas = add_feed(writer_session, rep.workspace_id, "SaaS Weekly")
    finance = add_feed(writer_session, rep.workspace_id, "Finance Daily")
    best = add_article(writer_session, saas, "SaaS pricing that cuts churn", days_old=1)
    other = add_article(writer_session, finance, "A note on pricing", days_old=3)
    writer_session.commit()
    return best, other


@pytest.fixture
def audience(rep):
    return make_audience(rep, keywords=KEYWORDS)  # second Tuesday monthly, 09:00 Berlin


def user_id(caller) -> int:
    return caller.get("/api/v1/me").get_json()["id"]


def ids(items):
    return [item["article_id"] for item in items]


def iso(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="seconds")


def test_a_colleagues_plan_shows_and_holds_the_article_back_for_a_week(
    rep, colleague, articles, audience
):
    best, other = articles
    assert ids(suggestions(rep, audience["id"])) == [best.id, other.id]
    in_two_days = (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).replace(microsecond=0)
    give(colleague, audience["id"], iso(in_two_days), article_id=best.id)

    items = suggestions(rep, audience["id"])

    assert ids(items) == [other.id, best.id]
    held = items[1]
    assert held["planned_by"] == [
        {"user_id": user_id(colleague), "email": "sam@acme.example", "at": iso(in_two_days),
         "status": "scheduled"}
    ]  # fmt: skip
    assert held["staggered_until"] == iso(in_two_days + dt.timedelta(days=7))
    note = held["reasons"][-1]
    assert note.startswith("sam@acme.example shares this ")
    assert "listed after the others until" in note
    assert items[0]["planned_by"] == [] and items[0]["staggered_until"] is None
    # Held back, not hidden: a list of one still fills with the unplanned article first.
    assert ids(suggestions(rep, audience["id"], limit=1)) == [other.id]
    # The colleague's own post keeps excluding the article from their own list, as before.
    assert ids(suggestions(colleague, audience["id"])) == [other.id]


def test_after_the_week_the_article_ranks_as_before_and_still_says_who_shared_it(
    rep, colleague, articles, audience
):
    best, other = articles
    ten_days_ago = (dt.datetime.now(dt.UTC) - dt.timedelta(days=10)).replace(microsecond=0)
    give(colleague, audience["id"], iso(ten_days_ago), article_id=best.id, status="published")

    items = suggestions(rep, audience["id"])

    assert ids(items) == [best.id, other.id]
    assert items[0]["staggered_until"] is None
    assert [p["status"] for p in items[0]["planned_by"]] == ["published"]
    assert items[0]["reasons"][-1].startswith("sam@acme.example shared this ")
    assert "listed after" not in items[0]["reasons"][-1]


def test_a_colleagues_draft_counts_but_a_deactivated_colleagues_plan_does_not(
    rep, colleague, articles, audience
):
    best, other = articles
    tomorrow = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).replace(microsecond=0)
    give(colleague, audience["id"], iso(tomorrow), article_id=best.id, status="draft")
    items = suggestions(rep, audience["id"])
    assert ids(items) == [other.id, best.id]
    assert "has drafted this for" in items[1]["reasons"][-1]

    deactivated = rep.post(f"/api/v1/users/{user_id(colleague)}/deactivate")
    assert deactivated.status_code == 200, deactivated.get_json()

    # Their draft will not go out unless an admin hands it to someone.
    items = suggestions(rep, audience["id"])
    assert ids(items) == [best.id, other.id]
    assert items[0]["planned_by"] == []


def test_planning_prefers_articles_no_colleague_posts_near_the_slot(
    rep, colleague, articles, audience
):
    best, other = articles
    # Sam shares the best article the day after the rep's January slot (8 January, 09:00).
    give(colleague, audience["id"], "2030-01-09T09:00", article_id=best.id)

    plan = rep.post(
        f"/api/v1/audiences/{audience['id']}/plan", json={"from": "2030-01-01", "to": "2030-03-01"}
    ).get_json()

    picked = [
        (f["slot"], f["post"]["article_id"], f["planned_by"], f["note"]) for f in plan["filled"]
    ]
    assert picked == [
        ("2030-01-08T08:00:00+00:00", other.id, [], None),
        ("2030-02-12T08:00:00+00:00", best.id, [], None),
    ]
    assert plan["unfilled"] == []


def test_planning_uses_a_colleagues_article_when_nothing_else_is_left_and_says_so(
    rep, colleague, articles, audience
):
    best, other = articles
    dismissed = rep.post(f"/api/v1/audiences/{audience['id']}/suggestions/{other.id}/dismiss")
    assert dismissed.status_code == 204
    give(colleague, audience["id"], "2030-01-09T09:00", article_id=best.id)

    plan = rep.post(
        f"/api/v1/audiences/{audience['id']}/plan", json={"from": "2030-01-01", "to": "2030-02-01"}
    ).get_json()

    [filled] = plan["filled"]
    assert filled["post"]["article_id"] == best.id
    assert [(p["email"], p["at"]) for p in filled["planned_by"]] == [
        ("sam@acme.example", "2030-01-09T08:00:00+00:00")
    ]
    assert filled["note"] == (
        "No other article was left: a colleague posts this one within a week "
        "(sam@acme.example, Wed 9 January 2030, 09:00)."
    )


def test_another_workspaces_posts_never_stagger(rep, outsider, writer_session, articles, audience):
    best, other = articles
    theirs = make_audience(outsider, keywords=KEYWORDS)
    feed = add_feed(writer_session, outsider.workspace_id, "SaaS Weekly")
    copy = add_article(writer_session, feed, "SaaS pricing that cuts churn", days_old=1)
    writer_session.commit()
    tomorrow = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).replace(microsecond=0)
    give(outsider, theirs["id"], iso(tomorrow), article_id=copy.id)

    items = suggestions(rep, audience["id"])

    assert ids(items) == [best.id, other.id]
    assert all(item["planned_by"] == [] for item in items)
