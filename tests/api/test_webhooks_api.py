"""Managing webhook endpoints: admins only, URLs vetted like feeds', secrets shown once and
rotated with a day's overlap, deliveries listed, a ping on demand."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from pytest_httpserver import HTTPServer
from standardwebhooks import Webhook

from core.db import utcnow
from schedules.webhooks import signing
from schedules.webhooks.models import WebhookEndpoint
from tests.webhooks import add_endpoint, deliver, make_receiver

pytestmark = pytest.mark.options(FEEDS_ALLOW_PRIVATE=True)


@pytest.fixture
def receiver(httpserver: HTTPServer):
    return make_receiver(httpserver)


def test_a_rep_cannot_manage_webhooks_and_is_told_who_can(rep, colleague, receiver):
    endpoint = add_endpoint(rep, receiver)
    for response in (
        colleague.get("/api/v1/webhooks"),
        colleague.post("/api/v1/webhooks", json={"url": receiver.url}),
        colleague.get(f"/api/v1/webhooks/{endpoint['id']}/deliveries"),
        colleague.post(f"/api/v1/webhooks/{endpoint['id']}/rotate-secret"),
    ):
        assert response.status_code == 403
        assert response.get_json()["admins"] == ["rep@acme.example"]


def test_another_workspace_s_webhook_is_not_found(rep, outsider, receiver):
    endpoint = add_endpoint(rep, receiver)
    assert outsider.get(f"/api/v1/webhooks/{endpoint['id']}").status_code == 404
    assert outsider.delete(f"/api/v1/webhooks/{endpoint['id']}").status_code == 404


def test_the_secret_is_shown_on_create_only_and_the_endpoint_can_be_changed(rep, receiver):
    created = add_endpoint(rep, receiver, events=["post.due"], description="Buffer")
    assert created["secret"].startswith("whsec_")
    assert (created["events"], created["enabled"]) == (["post.due"], True)
    shown = rep.get(f"/api/v1/webhooks/{created['id']}").get_json()
    listed = rep.get("/api/v1/webhooks").get_json()
    assert "secret" not in shown and "secret" not in listed["items"][0]
    changed = rep.patch(
        f"/api/v1/webhooks/{created['id']}",
        json={"events": ["post.scheduled", "post.due"], "description": "Zapier"},
    ).get_json()
    assert (changed["events"], changed["description"]) == (["post.scheduled", "post.due"], "Zapier")
    assert rep.delete(f"/api/v1/webhooks/{created['id']}").status_code == 204
    assert rep.get("/api/v1/webhooks").get_json() == {"items": [], "total": 0}


def test_bad_input_is_a_422_naming_the_field(rep, receiver):
    unknown = rep.post("/api/v1/webhooks", json={"url": receiver.url, "events": ["post.eaten"]})
    assert unknown.status_code == 422
    assert "events" in unknown.get_json()["errors"][0]["field"]
    ftp = rep.post("/api/v1/webhooks", json={"url": "ftp://hooks.example/in"})
    assert ftp.status_code == 422
    assert ftp.get_json()["errors"][0]["field"] == "url"


def test_a_url_carrying_credentials_is_refused_as_they_would_be_listed_back(rep, receiver):
    """Deliveries prove themselves by their signature; a password in the URL would be shown to
    every admin listing endpoints and written to logs."""
    with_password = receiver.url.replace("http://", "http://user:s3cret@")
    refused = rep.post("/api/v1/webhooks", json={"url": with_password})
    assert refused.status_code == 422
    [error] = refused.get_json()["errors"]
    assert (error["field"], error["location"]) == ("url", "json")
    assert "s3cret" not in refused.get_data(as_text=True)
    assert "signature" in error["message"]
    endpoint = add_endpoint(rep, receiver)
    changed = rep.patch(f"/api/v1/webhooks/{endpoint['id']}", json={"url": with_password})
    assert changed.status_code == 422
    assert [e["url"] for e in rep.get("/api/v1/webhooks").get_json()["items"]] == [receiver.url]


def stored_with_credentials(app, rep, url: str) -> WebhookEndpoint:
    """An endpoint whose URL carries a password, as stored before such URLs were refused."""
    with app.extensions["planner_db"].writer() as session:
        endpoint = WebhookEndpoint(
            workspace_id=rep.workspace_id, url=url, events=["ping"], secret=signing.new_secret()
        )
        session.add(endpoint)
        session.commit()
        return endpoint


def test_a_url_stored_with_credentials_is_shown_masked_and_still_delivered_to(app, rep, receiver):
    with_password = receiver.url.replace("http://", "http://user:s3cret@")
    masked = receiver.url.replace("http://", "http://***@")
    endpoint = stored_with_credentials(app, rep, with_password)
    receiver.secrets = [endpoint.secret]
    url = f"/api/v1/webhooks/{endpoint.id}"
    answers = [
        rep.get("/api/v1/webhooks"),
        rep.get(url),
        rep.patch(url, json={"description": "Legacy CRM"}),
        rep.post(f"{url}/rotate-secret"),
        rep.post(f"{url}/test"),
    ]
    for answer in answers:
        assert answer.status_code in (200, 202), answer.get_json()
        assert "s3cret" not in answer.get_data(as_text=True)
        assert "user:" not in answer.get_data(as_text=True)
    assert answers[0].get_json()["items"][0]["url"] == masked
    assert {answer.get_json()["url"] for answer in answers[1:]} == {masked}
    # What is stored, and where it is delivered, are unchanged.
    receiver.secrets = [answers[3].get_json()["secret"]]
    deliver(app)
    assert receiver.types() == ["ping"]
    with app.extensions["planner_db"].writer() as session:
        assert session.get(WebhookEndpoint, endpoint.id).url == with_password


def test_failures_to_a_url_with_credentials_name_it_masked(app, rep, caplog):
    """Each failure names the URL, and three days of them disable the endpoint, saying the last."""
    caplog.set_level(logging.INFO, logger="app.webhook_jobs")
    endpoint = stored_with_credentials(app, rep, "http://user:s3cret@127.0.0.1:9/hooks")
    url = f"/api/v1/webhooks/{endpoint.id}"
    assert rep.post(f"{url}/test").status_code == 202
    now = utcnow()
    while True:  # retried until given up, as in test_webhooks
        deliver(app, now)
        deliveries = rep.get(f"{url}/deliveries")
        [delivery] = deliveries.get_json()["items"]
        assert "s3cret" not in deliveries.get_data(as_text=True)
        if delivery["next_try_at"] is None:
            break
        now = dt.datetime.fromisoformat(delivery["next_try_at"])
    assert delivery["last_error"].startswith("Could not reach http://***@127.0.0.1:9/hooks")
    shown = rep.get(url)
    assert "Could not reach http://***@127.0.0.1:9/hooks" in shown.get_json()["disabled_reason"]
    assert "s3cret" not in shown.get_data(as_text=True)
    assert "failed" in caplog.text and "s3cret" not in caplog.text


def test_deliveries_name_themselves_as_webhooks_not_as_the_feed_fetcher(
    app, rep, receiver, httpserver
):
    endpoint = add_endpoint(rep, receiver)
    rep.post(f"/api/v1/webhooks/{endpoint['id']}/test")
    deliver(app)
    [(request, _response)] = httpserver.log
    assert "webhooks" in request.headers["User-Agent"]
    assert "feed fetcher" not in request.headers["User-Agent"]


@pytest.mark.options(FEEDS_ALLOW_PRIVATE=False)
@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "10.0.0.7", "[::1]"])
def test_a_loopback_or_private_url_is_refused_unless_allowed(rep, host):
    response = rep.post("/api/v1/webhooks", json={"url": f"http://{host}:8080/hooks"})
    assert response.status_code == 422, response.get_json()
    [error] = response.get_json()["errors"]
    assert error["field"] == "url"
    assert error["message"].startswith(f"Refusing to deliver to {host.strip('[]')}: ")
    assert "PLANNER_FEEDS_ALLOWLIST" in error["message"]


def test_a_url_allowed_when_created_is_refused_at_delivery_once_no_longer_allowed(
    app, rep, receiver
):
    """The worker vets the address at every connection, as the feeds' fetcher does."""
    endpoint = add_endpoint(rep, receiver)
    app.config["FEEDS_ALLOW_PRIVATE"] = False  # the worker's settings (tests.webhooks.deliver)
    rep.post(f"/api/v1/webhooks/{endpoint['id']}/test")
    deliver(app)
    assert receiver.messages == []
    [delivery] = rep.get(f"/api/v1/webhooks/{endpoint['id']}/deliveries").get_json()["items"]
    assert delivery["last_status"] is None
    assert delivery["last_error"].startswith("Refusing to deliver to localhost: it resolves to")


def test_a_ping_reaches_only_the_endpoint_tested(app, rep, receiver, httpserver):
    tested = add_endpoint(rep, receiver, events=["post.due"])
    other = rep.post("/api/v1/webhooks", json={"url": receiver.url}).get_json()
    assert rep.post(f"/api/v1/webhooks/{tested['id']}/test").status_code == 202
    deliver(app)
    assert receiver.types() == ["ping"]
    assert receiver.messages[0].data["webhook_id"] == tested["id"]
    assert rep.get(f"/api/v1/webhooks/{other['id']}/deliveries").get_json()["total"] == 0
    [delivery] = rep.get(f"/api/v1/webhooks/{tested['id']}/deliveries").get_json()["items"]
    assert (delivery["event"], delivery["attempts"], delivery["last_status"]) == ("ping", 1, 200)
    assert delivery["response"] == "answered 200"


def test_after_a_rotation_messages_verify_with_the_new_and_for_a_day_the_old_secret(
    app, rep, receiver
):
    endpoint = add_endpoint(rep, receiver)
    old = endpoint["secret"]
    rotated = rep.post(f"/api/v1/webhooks/{endpoint['id']}/rotate-secret").get_json()
    new = rotated["secret"]
    assert new != old and new.startswith("whsec_")
    overlap = dt.datetime.fromisoformat(rotated["secret_rotates_out_at"])
    assert overlap - dt.datetime.now(dt.UTC) == pytest.approx(
        dt.timedelta(hours=24), abs=dt.timedelta(minutes=1)
    )
    receiver.secrets = [old, new]  # the receiver verifies each signature it knows
    rep.post(f"/api/v1/webhooks/{endpoint['id']}/test")
    deliver(app)
    assert len(receiver.messages[0].signatures.split(" ")) == 2
    receiver.secrets = [new]
    rep.post(f"/api/v1/webhooks/{endpoint['id']}/test")
    deliver(app, overlap + dt.timedelta(seconds=1))
    assert len(receiver.messages[1].signatures.split(" ")) == 1
    assert Webhook(new)  # the secret is in the library's own format
