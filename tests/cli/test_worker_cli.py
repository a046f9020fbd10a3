"""``planner worker --once`` refreshes due feeds, sends due webhook deliveries and forgets old
form keys in one run."""

from __future__ import annotations

import datetime as dt

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import select
from werkzeug import Request, Response

from core.db import utcnow
from core.models import SentForm, User
from tests.helpers import PlannerRunner

pytestmark = pytest.mark.options(FEEDS_ALLOW_PRIVATE=True)
RSS = (
    b'<?xml version="1.0"?><rss version="2.0"><channel><title>Finance</title><item>'
    b"<guid>1</guid><title>Pricing</title><link>https://news.example/1</link></item>"
    b"</channel></rss>"
)


def test_one_worker_run_refreshes_feeds_and_delivers_webhooks(app, rep, httpserver: HTTPServer):
    delivered: list[str] = []

    def hook(request: Request) -> Response:
        delivered.append(request.get_json()["type"])
        return Response("ok")

    feed_xml = httpserver.expect_request("/feed.xml")
    feed_xml.respond_with_data(RSS, content_type="application/rss+xml")
    httpserver.expect_request("/hooks", method="POST").respond_with_handler(hook)
    feed = rep.post("/api/v1/feeds", json={"url": httpserver.url_for("/feed.xml")})
    assert feed.status_code == 201, feed.get_json()
    webhook = rep.post("/api/v1/webhooks", json={"url": httpserver.url_for("/hooks")})
    rep.post(f"/api/v1/webhooks/{webhook.get_json()['id']}/test")
    result = PlannerRunner(app).invoke(["worker", "--once", "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "Refreshed 1 feed" in result.output
    assert "Sent 1 webhook deliveries." in result.output
    assert delivered == ["ping"]
    assert rep.get("/api/v1/articles").get_json()["total"] == 1


def test_a_worker_run_forgets_form_keys_sent_in_web_sessions_that_have_ended(app, rep):
    """A user's keys are otherwise forgotten only when they send their next form."""
    now = utcnow()
    with app.extensions["planner_db"].writer() as session:
        user = session.scalar(select(User).where(User.email == "rep@acme.example"))
        for key, days in (("old-form-key-0001", 32), ("fresh-form-key-01", 1)):
            sent_at = now - dt.timedelta(days=days)
            session.add(SentForm(user_id=user.id, form_key=key, inputs="x", sent_at=sent_at))
        session.commit()
    result = PlannerRunner(app).invoke(["worker", "--once", "--workers", "1"])
    assert result.exit_code == 0, result.output
    with app.extensions["planner_db"].writer() as session:
        assert list(session.scalars(select(SentForm.form_key))) == ["fresh-form-key-01"]
