"""``planner worker --once`` refreshes due feeds and sends due webhook deliveries in one run."""

from __future__ import annotations

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

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
