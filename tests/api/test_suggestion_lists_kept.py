"""Each process keeps the suggestion lists it ranked (PLANNER_SUGGESTIONS_CACHE_SECONDS): a list
asked for again is not ranked again, and every change it was ranked from shows in the very next
answer, whichever process made it.

The feed is served by a local HTTP server and stored by the real refresh, as the worker does.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from email.utils import format_datetime

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy.orm import Session
from werkzeug import Response

from feeds import refresh_db
from feeds.fetch_policy import FetchPolicy
from feeds.models import Feed
from tests.api.helpers import suggestions
from tests.helpers import make_audience, statements_run

pytestmark = pytest.mark.options(FEEDS_ALLOW_PRIVATE=True)

NOW = dt.datetime.now(dt.UTC)
FIRST = {
    "a": ("Pricing pages that cut churn", "How SaaS pricing pages keep customers."),
    "b": ("Churn benchmarks for 2026", "What pricing teams measure."),
}
ARTICLES = re.compile(r"\barticles\b")


class Feedsite:
    """An RSS feed whose items the test may change between refreshes."""

    def __init__(self, httpserver: HTTPServer) -> None:
        self.items = dict(FIRST)
        httpserver.expect_request("/feed.xml").respond_with_handler(
            lambda request: Response(self.rss(), content_type="application/rss+xml")
        )
        self.url = httpserver.url_for("/feed.xml")

    def rss(self) -> str:
        items = "".join(
            f"<item><guid>{key}</guid><title>{title}</title><description>{text}</description>"
            f"<link>https://news.example/{key}</link>"
            f"<pubDate>{format_datetime(NOW - dt.timedelta(hours=i + 1))}</pubDate></item>"
            for i, (key, (title, text)) in enumerate(self.items.items())
        )
        return f"<rss version='2.0'><channel><title>SaaS Weekly</title>{items}</channel></rss>"


@pytest.fixture
def site(httpserver: HTTPServer) -> Feedsite:
    return Feedsite(httpserver)


@pytest.fixture
def listed(rep, site):
    """The rep's audience, its feed refreshed once, and its list asked for once (so kept)."""
    feed = rep.post("/api/v1/feeds", json={"url": site.url}).get_json()
    assert rep.post(f"/api/v1/feeds/{feed['id']}/refresh").status_code == 200
    audience = make_audience(rep, keywords=["pricing", "churn"])
    first = suggestions(rep, audience["id"])
    assert titles(first) == [FIRST["a"][0], FIRST["b"][0]]
    return audience["id"], feed["id"], {item["title"]: item["article_id"] for item in first}


def titles(items) -> list[str]:
    return [item["title"] for item in items]


def reads_articles(app, ask) -> bool:
    with statements_run(app.extensions["planner_db"].engine) as statements:
        ask()
    return any(ARTICLES.search(statement) for statement in statements)


def test_a_list_asked_for_again_is_not_ranked_again(app, rep, listed):
    audience_id, _, _ = listed
    again: list = []
    assert not reads_articles(app, lambda: again.extend(suggestions(rep, audience_id)))
    assert titles(again) == [FIRST["a"][0], FIRST["b"][0]]
    # Another request is another key: ranked, then kept in its turn.
    assert reads_articles(app, lambda: suggestions(rep, audience_id, limit=1))
    assert not reads_articles(app, lambda: suggestions(rep, audience_id, limit=1))


def test_each_rep_has_their_own_list(app, rep, colleague, listed):
    audience_id, _, ids = listed
    rep.post(f"/api/v1/audiences/{audience_id}/suggestions/{ids[FIRST['a'][0]]}/dismiss")
    assert titles(suggestions(rep, audience_id)) == [FIRST["b"][0]]
    assert titles(suggestions(colleague, audience_id)) == [FIRST["a"][0], FIRST["b"][0]]


def refreshed_by_the_app(rep, site, feed_id, writer) -> None:
    site.items["c"] = ("Usage pricing, a year on", "Churn fell.")
    assert rep.post(f"/api/v1/feeds/{feed_id}/refresh").get_json()["new_articles"] == 1


def refreshed_by_the_worker(rep, site, feed_id, writer) -> None:
    """In a session of its own, as the worker process stores what it fetched."""
    site.items["c"] = ("Usage pricing, a year on", "Churn fell.")
    session: Session
    with writer() as session:
        feed = session.get(Feed, feed_id)
        assert refresh_db.refresh_feed(session, feed, FetchPolicy(allow_private=True)).new_articles
        session.commit()


def edited_at_the_source(rep, site, feed_id, writer) -> None:
    site.items["a"] = ("Usage pricing, a year on", FIRST["a"][1])
    assert rep.post(f"/api/v1/feeds/{feed_id}/refresh").get_json()["updated"] == 1


@pytest.mark.parametrize(
    "change", [refreshed_by_the_app, refreshed_by_the_worker, edited_at_the_source]
)
def test_a_refresh_that_stored_articles_shows_in_the_next_list(rep, site, writer, listed, change):
    audience_id, feed_id, _ = listed
    change(rep, site, feed_id, writer)
    assert "Usage pricing, a year on" in titles(suggestions(rep, audience_id))


def test_a_refresh_that_stored_nothing_keeps_the_list(app, rep, listed):
    audience_id, feed_id, _ = listed
    assert rep.post(f"/api/v1/feeds/{feed_id}/refresh").get_json()["new_articles"] == 0
    assert not reads_articles(app, lambda: suggestions(rep, audience_id))


def test_dismissals_verdicts_and_their_undoing_show_at_once(app, rep, listed):
    audience_id, _, ids = listed
    path = f"/api/v1/audiences/{audience_id}/suggestions/{ids[FIRST['a'][0]]}"
    assert rep.post(f"{path}/dismiss").status_code == 204
    assert titles(suggestions(rep, audience_id)) == [FIRST["b"][0]]
    assert rep.delete(f"{path}/dismiss").status_code == 204
    assert titles(suggestions(rep, audience_id)) == [FIRST["a"][0], FIRST["b"][0]]

    def verdicts() -> dict[str, str | None]:
        return {item["title"]: item["feedback"] for item in suggestions(rep, audience_id)}

    assert rep.post(f"{path}/feedback", json={"verdict": "not_useful"}).status_code == 200
    assert verdicts() == {FIRST["a"][0]: "not_useful", FIRST["b"][0]: None}
    assert rep.post(f"{path}/feedback", json={"verdict": "useful"}).status_code == 200
    assert verdicts() == {FIRST["a"][0]: "useful", FIRST["b"][0]: None}
    # The same verdict again changes nothing, so the list kept still holds.
    assert rep.post(f"{path}/feedback", json={"verdict": "useful"}).status_code == 200
    assert not reads_articles(app, verdicts)
    assert rep.delete(f"{path}/feedback").status_code == 204
    assert verdicts() == {FIRST["a"][0]: None, FIRST["b"][0]: None}


def test_audience_edits_posts_and_feed_edits_show_at_once(rep, listed):
    audience_id, feed_id, ids = listed
    patched = rep.patch(f"/api/v1/audiences/{audience_id}", json={"keywords": ["benchmarks"]})
    assert patched.status_code == 200, patched.get_json()
    assert titles(suggestions(rep, audience_id)) == [FIRST["b"][0]]
    rep.patch(f"/api/v1/audiences/{audience_id}", json={"keywords": ["pricing", "churn"]})

    shared = rep.post(
        f"/api/v1/audiences/{audience_id}/posts",
        json={"kind": "give", "article_id": ids[FIRST["a"][0]], "scheduled_at": "2030-01-08T09:00"},
    )
    assert shared.status_code == 201, shared.get_json()
    assert titles(suggestions(rep, audience_id)) == [FIRST["b"][0]]

    renamed = rep.patch(f"/api/v1/feeds/{feed_id}", json={"title": "SaaS Weekly (renamed)"})
    assert renamed.status_code == 200, renamed.get_json()
    assert [i["feed"]["title"] for i in suggestions(rep, audience_id)] == ["SaaS Weekly (renamed)"]


def test_an_empty_list_says_why_as_its_feeds_come_and_go(rep):
    audience = make_audience(rep, keywords=["pricing"])
    answer = rep.get(f"/api/v1/audiences/{audience['id']}/suggestions").get_json()
    assert answer["empty"]["code"] == "no_feeds"
    feed = rep.post("/api/v1/feeds", json={"url": "https://feeds.example/rss"}).get_json()
    answer = rep.get(f"/api/v1/audiences/{audience['id']}/suggestions").get_json()
    assert answer["empty"]["code"] == "nothing_in_window"
    assert rep.delete(f"/api/v1/feeds/{feed['id']}").status_code == 204
    answer = rep.get(f"/api/v1/audiences/{audience['id']}/suggestions").get_json()
    assert answer["empty"]["code"] == "no_feeds"


@pytest.mark.options(SUGGESTIONS_CACHE_SECONDS=1)
def test_a_list_is_kept_no_longer_than_the_setting(app, rep, listed):
    audience_id, _, _ = listed
    assert not reads_articles(app, lambda: suggestions(rep, audience_id))
    time.sleep(1.1)
    assert reads_articles(app, lambda: suggestions(rep, audience_id))


@pytest.mark.options(SUGGESTIONS_CACHE_SECONDS=0)
def test_zero_keeps_no_list(app, rep, listed):
    audience_id, _, _ = listed
    assert reads_articles(app, lambda: suggestions(rep, audience_id))


def test_a_colleague_deactivated_stops_holding_back_what_they_planned(rep, colleague, listed):
    audience_id, _, ids = listed
    at = (NOW + dt.timedelta(days=2)).isoformat()
    shared = colleague.post(
        f"/api/v1/audiences/{audience_id}/posts",
        json={"kind": "give", "article_id": ids[FIRST["a"][0]], "scheduled_at": at},
    )
    assert shared.status_code == 201, shared.get_json()

    def planners() -> dict[str, list[str]]:
        items = suggestions(rep, audience_id)
        return {i["title"]: [p["email"] for p in i["planned_by"]] for i in items}

    assert planners() == {FIRST["b"][0]: [], FIRST["a"][0]: ["sam@acme.example"]}
    sam = colleague.get("/api/v1/me").get_json()["id"]
    assert rep.post(f"/api/v1/users/{sam}/deactivate").status_code == 200
    assert planners() == {FIRST["a"][0]: [], FIRST["b"][0]: []}
