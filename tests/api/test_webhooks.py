"""Outbound webhooks end to end: changes made through the API reach a real receiver on
127.0.0.1, signed the Standard Webhooks way and verified with its library."""

from __future__ import annotations

import datetime as dt

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import func, select

from app import settings
from core.db import utcnow
from schedules.models import AskRefusal, Contact
from schedules.webhooks.models import WebhookEvent
from tests.api.helpers import (
    CONNECT_POLICY,
    CONNECTIONS,
    add_contact,
    direct_ask,
    iso,
    touch,
    upload,
)
from tests.helpers import ask, give, make_audience, statements_run
from tests.web.conftest import sign_in
from tests.webhooks import add_endpoint, deliver, make_receiver

pytestmark = pytest.mark.options(FEEDS_ALLOW_PRIVATE=True)
LATER = "2030-01-08T09:00"


@pytest.fixture
def receiver(httpserver: HTTPServer):
    return make_receiver(httpserver)


def test_each_post_event_reaches_the_receiver_signed_with_the_post_rep_audience_and_link(
    app, rep, receiver
):
    add_endpoint(rep, receiver)
    audience = make_audience(rep)
    post = give(rep, audience["id"], LATER, status="scheduled")
    assert (
        rep.patch(f"/api/v1/posts/{post['id']}", json={"title": "Pricing, plainly"}).status_code
        == 200
    )
    assert rep.patch(f"/api/v1/posts/{post['id']}", json={"status": "cancelled"}).status_code == 200
    assert rep.delete(f"/api/v1/posts/{post['id']}").status_code == 204
    deliver(app)
    assert receiver.types() == ["post.scheduled", "post.updated", "post.cancelled", "post.deleted"]
    scheduled = receiver.messages[0].data
    assert scheduled["post"] == {**post, "updated_at": scheduled["post"]["updated_at"]}
    assert scheduled["rep"] == {"id": post["owner_id"], "email": "rep@acme.example"}
    assert scheduled["audience"] == {"id": audience["id"], "name": "CFOs",
                                     "timezone": "Europe/Berlin"}  # fmt: skip
    assert scheduled["link"] == f"/api/v1/posts/{post['id']}"  # as first shipped
    # PLANNER_PUBLIC_URL, unset here: where make run serves (http://localhost:5000).
    base = settings.public_url()
    assert scheduled["links"] == {
        "api": f"{base}/api/v1/posts/{post['id']}",
        "web": f"{base}/posts/{post['id']}/edit",
    }
    assert receiver.messages[1].data["post"]["title"] == "Pricing, plainly"
    assert len({m.id for m in receiver.messages}) == 4


def test_a_draft_is_silent_until_it_is_scheduled(app, rep, receiver):
    add_endpoint(rep, receiver)
    audience = make_audience(rep)
    draft = give(rep, audience["id"], LATER, status="draft")
    assert (
        rep.patch(f"/api/v1/posts/{draft['id']}", json={"title": "Still thinking"}).status_code
        == 200
    )
    assert (
        rep.patch(f"/api/v1/posts/{draft['id']}", json={"status": "scheduled"}).status_code == 200
    )
    deliver(app)
    assert receiver.types() == ["post.scheduled"]


def test_deleting_a_draft_receivers_never_heard_of_sends_nothing(app, rep, receiver):
    add_endpoint(rep, receiver, events=["post.deleted"])
    audience = make_audience(rep)
    kept_quiet = give(rep, audience["id"], LATER, status="draft", title="Half an idea")
    unscheduled = give(rep, audience["id"], LATER, status="scheduled")
    assert (
        rep.patch(f"/api/v1/posts/{unscheduled['id']}", json={"status": "draft"}).status_code == 200
    )
    for post in (kept_quiet, unscheduled):
        assert rep.delete(f"/api/v1/posts/{post['id']}").status_code == 204
    other = make_audience(rep, name="CTOs")
    give(rep, other["id"], LATER, status="draft")
    assert rep.delete(f"/api/v1/audiences/{other['id']}").status_code == 204
    deliver(app)
    # Only the draft that had been scheduled once is news to a receiver.
    assert [m.data["post"]["id"] for m in receiver.of("post.deleted")] == [unscheduled["id"]]


def test_cancelling_a_draft_receivers_never_heard_of_sends_nothing(app, rep, receiver):
    add_endpoint(rep, receiver)
    audience = make_audience(rep)
    kept_quiet = give(rep, audience["id"], LATER, status="draft", title="Half an idea")
    unscheduled = give(rep, audience["id"], LATER, status="scheduled", title="Said once")
    for post, steps in (
        (kept_quiet, ({"status": "cancelled"}, {"title": "Quarter of an idea"},
                      {"status": "draft"}, {"status": "cancelled"})),
        (unscheduled, ({"status": "draft"}, {"status": "cancelled"})),
    ):  # fmt: skip
        for change in steps:
            assert rep.patch(f"/api/v1/posts/{post['id']}", json=change).status_code == 200
        assert rep.delete(f"/api/v1/posts/{post['id']}").status_code == 204
    deliver(app)
    # Only the post that had been scheduled once is news to a receiver, to the end.
    assert {m.data["post"]["id"] for m in receiver.messages} == {unscheduled["id"]}
    assert receiver.types() == ["post.scheduled", "post.updated", "post.cancelled",
                                "post.deleted"]  # fmt: skip
    assert "Half an idea" not in str([m.data for m in receiver.messages])


def test_editing_a_cancelled_post_is_news_to_no_one(app, rep, receiver):
    # A receiver told of the cancellation got post.updated for each later edit, though the
    # event is for scheduled and published posts.
    add_endpoint(rep, receiver)
    post = give(rep, make_audience(rep)["id"], LATER, status="scheduled", title="Said once")
    for change in (
        {"status": "cancelled"},
        {"title": "Said twice"},
        {"scheduled_at": "2030-01-10T09:00"},
    ):
        assert rep.patch(f"/api/v1/posts/{post['id']}", json=change).status_code == 200
    deliver(app)
    assert receiver.types() == ["post.scheduled", "post.cancelled"]


def test_post_due_fires_once_at_the_time_and_again_after_a_move(app, rep, receiver):
    add_endpoint(rep, receiver, events=["post.due"])
    audience = make_audience(rep)
    post = give(rep, audience["id"], LATER, status="scheduled")
    at = dt.datetime.fromisoformat(post["scheduled_at"])
    deliver(app, at - dt.timedelta(seconds=1))
    assert receiver.types() == []
    deliver(app, at)
    deliver(app, at + dt.timedelta(minutes=1))
    assert receiver.types() == ["post.due"]
    assert receiver.messages[0].data["post"]["id"] == post["id"]
    moved = rep.patch(f"/api/v1/posts/{post['id']}", json={"scheduled_at": "2030-01-09T09:00"})
    assert moved.status_code == 200, moved.get_json()
    new_at = dt.datetime.fromisoformat(moved.get_json()["scheduled_at"])
    deliver(app, new_at - dt.timedelta(seconds=1))
    assert receiver.types() == ["post.due"]
    deliver(app, new_at)
    deliver(app, new_at + dt.timedelta(hours=1))
    assert receiver.types() == ["post.due", "post.due"]
    assert receiver.messages[1].data["post"]["scheduled_at"] == moved.get_json()["scheduled_at"]


def test_cancelling_or_deleting_a_post_disarms_its_post_due(app, rep, receiver):
    add_endpoint(rep, receiver, events=["post.due"])
    audience = make_audience(rep)
    cancelled = give(rep, audience["id"], LATER, status="scheduled")
    deleted = give(rep, audience["id"], "2030-01-10T09:00", status="scheduled")
    kept = give(rep, audience["id"], "2030-01-11T09:00", status="scheduled")
    assert (
        rep.patch(f"/api/v1/posts/{cancelled['id']}", json={"status": "cancelled"}).status_code
        == 200
    )
    assert rep.delete(f"/api/v1/posts/{deleted['id']}").status_code == 204
    assert (
        rep.patch(f"/api/v1/posts/{kept['id']}", json={"title": "Sharper title"}).status_code == 200
    )
    deliver(app, dt.datetime(2030, 2, 1, tzinfo=dt.UTC))
    assert [m.data["post"]["id"] for m in receiver.messages] == [kept["id"]]
    assert receiver.messages[0].data["post"]["title"] == "Sharper title"


def test_deleting_an_audience_reports_its_posts_deleted_and_disarms_their_post_due(
    app, rep, receiver
):
    add_endpoint(rep, receiver, events=["post.deleted", "post.due"])
    audience = make_audience(rep)
    post = give(rep, audience["id"], LATER, status="scheduled")
    assert rep.delete(f"/api/v1/audiences/{audience['id']}").status_code == 204
    deliver(app, dt.datetime(2030, 2, 1, tzinfo=dt.UTC))
    assert receiver.types() == ["post.deleted"]
    data = receiver.messages[0].data
    assert data["post"]["id"] == post["id"]
    # The audience's calendar went with it: the link is to the list of audiences, which opens.
    page = data["links"]["web"].removeprefix(settings.public_url())
    assert sign_in(app, rep, "rep@acme.example").get(page).status_code == 200


def test_deleting_a_contact_reports_its_asks_deleted_and_disarms_their_post_due(app, rep, receiver):
    add_endpoint(rep, receiver, events=["post.deleted", "post.due"])
    audience = make_audience(rep, policy=CONNECT_POLICY)
    give(rep, audience["id"], iso(days=-1), status="published")
    contact = add_contact(rep, audience, accepted_at=iso(days=-30))
    touch(rep, contact, iso(days=-3))
    touch(rep, contact, iso(days=-2))
    asked = direct_ask(rep, contact, iso(hours=1))
    assert asked.status_code == 201, asked.get_json()
    assert rep.delete(f"/api/v1/contacts/{contact['id']}").status_code == 204
    deliver(app, utcnow() + dt.timedelta(days=1))
    assert receiver.types() == ["post.deleted"]
    assert receiver.messages[0].data["post"]["id"] == asked.get_json()["id"]


def test_a_contact_stage_change_is_an_event_with_the_previous_stage(app, rep, receiver):
    add_endpoint(rep, receiver, events=["contact.stage_changed"])
    audience = make_audience(rep)
    contact = rep.post("/api/v1/contacts", json={"name": "Dana", "audience_id": audience["id"]})
    contact_id = contact.get_json()["id"]
    assert (
        rep.patch(f"/api/v1/contacts/{contact_id}", json={"notes": "Met at the summit"}).status_code
        == 200
    )
    requested = rep.post(
        f"/api/v1/contacts/{contact_id}/connection-request",
        json={"note": "Good to meet you at the CFO breakfast yesterday"},
    )
    assert requested.status_code == 200, requested.get_json()
    deliver(app)
    assert receiver.types() == ["contact.stage_changed"]
    data = receiver.messages[0].data
    assert (data["previous_stage"], data["contact"]["stage"]) == ("new", "requested")
    assert data["contact"]["id"] == contact_id
    assert data["link"] == f"/api/v1/contacts/{contact_id}"


def test_a_stage_change_carries_the_contact_as_the_api_shows_it_with_the_earliest_ask(
    app, rep, receiver
):
    """docs/webhooks.md: ``contact`` is as GET /api/v1/contacts/{id} shows it, so the first
    time both rules allow an ask goes too (here 14 days after connecting)."""
    add_endpoint(rep, receiver, events=["contact.stage_changed"])
    audience = make_audience(rep, timezone="UTC", policy={"touches_per_ask": 1})
    for days_ago in (8, 7, 6):
        give(rep, audience["id"], iso(-days_ago), status="published")
    contact = add_contact(rep, audience, accepted_at=iso(-3))
    touch(rep, contact, iso(-2))  # connected -> engaged
    deliver(app)
    shown = receiver.messages[0].data["contact"]
    assert shown["stage"] == "engaged" and shown["earliest_ask_at"] is not None
    assert shown == rep.get(f"/api/v1/contacts/{contact['id']}").get_json()


def test_a_flush_that_moves_a_stage_reads_the_contacts_history_once(app, rep, writer_session):
    # The stage is judged from the history read before the flush (with the contact's new
    # dates); the event's standing is derived from that too, not read again.
    audience = make_audience(rep)
    contact = rep.post("/api/v1/contacts", json={"name": "Dana", "audience_id": audience["id"]})
    writer_session.get(Contact, contact.get_json()["id"]).requested_at = utcnow()
    with statements_run(app.extensions["planner_db"].engine) as statements:
        writer_session.flush()
    reads = [s for s in statements if "FROM touches" in s]

    moved = select(WebhookEvent.payload).where(WebhookEvent.type == "contact.stage_changed")
    data = writer_session.scalars(moved).one()["data"]
    assert (data["previous_stage"], data["contact"]["stage"]) == ("new", "requested")
    assert len(reads) == 1, reads


def test_creating_a_post_reads_its_rep_once_and_its_workspace_only_for_a_link(app, rep, receiver):
    # Checked as a member, the rep is held for the event; the workspace's UTM default only
    # tags a link. Creating is a write: on SQLite every read in it holds back other writers.
    add_endpoint(rep, receiver)
    audience = make_audience(rep)
    with statements_run(app.extensions["planner_db"].engine) as statements:
        post = give(rep, audience["id"], LATER, status="scheduled")
    rep_reads = [s for s in statements if s.startswith("SELECT users.")]
    workspace_reads = [s for s in statements if "FROM workspaces" in s]
    deliver(app)
    assert receiver.messages[0].data["rep"] == {"id": post["owner_id"], "email": "rep@acme.example"}
    assert len(rep_reads) == 1, rep_reads
    assert workspace_reads == []


def test_a_recorded_refusal_is_an_ask_refused_event(app, rep, receiver, writer_session):
    add_endpoint(rep, receiver)
    audience = make_audience(rep)
    writer_session.add(
        AskRefusal(
            workspace_id=rep.workspace_id,
            audience_id=audience["id"],
            owner_id=1,
            rule="give_before_ask",
            type="meeting_request",
            scheduled_at=dt.datetime(2030, 1, 8, 9, tzinfo=dt.UTC),
            detail="0 of 3 gives",
        )
    )
    writer_session.commit()
    deliver(app)
    assert receiver.types() == ["ask.refused"]
    data = receiver.messages[0].data
    assert data["refusal"]["rule"] == "give_before_ask"
    assert data["rep"]["email"] == "rep@acme.example"
    assert data["audience"]["id"] == audience["id"]


def test_a_rolled_back_change_sends_nothing(app, rep, receiver, writer_session):
    add_endpoint(rep, receiver)
    audience = make_audience(rep)
    post = give(rep, audience["id"], LATER, status="scheduled")
    refused = rep.post(
        f"/api/v1/audiences/{audience['id']}/posts",
        json={"kind": "ask", "type": "offer", "title": "Buy", "scheduled_at": LATER,
              "status": "scheduled"},
    )  # fmt: skip
    assert refused.status_code == 409
    from schedules.models import Post

    row = writer_session.get(Post, post["id"])
    row.title = "Never committed"
    row.status = "cancelled"
    writer_session.flush()
    cancelled = select(func.count()).where(WebhookEvent.type == "post.cancelled")
    assert writer_session.scalar(cancelled) == 1  # written, and about to be rolled back
    writer_session.rollback()
    deliver(app, dt.datetime(2030, 2, 1, tzinfo=dt.UTC))
    # The refused ask wrote nothing but the record of its refusal.
    assert receiver.types() == ["post.scheduled", "ask.refused", "post.due"]
    assert all(
        m.data["post"]["title"] != "Never committed" for m in receiver.messages if "post" in m.data
    )


def test_a_new_endpoint_gets_only_what_happens_after_it_was_created(app, rep, receiver):
    audience = make_audience(rep)
    assert ask(rep, audience["id"], LATER).status_code == 409  # ask.refused, before it
    post = give(rep, audience["id"], LATER, status="scheduled")  # no worker has run yet
    add_endpoint(rep, receiver)
    assert rep.patch(f"/api/v1/posts/{post['id']}", json={"title": "New"}).status_code == 200
    deliver(app, dt.datetime(2030, 2, 1, tzinfo=dt.UTC))
    # The post.due armed before is still to come when the endpoint is created: it is sent.
    assert receiver.types() == ["post.updated", "post.due"]


def test_a_receiver_down_then_up_gets_the_event_after_a_retry_with_the_same_id(app, rep, receiver):
    endpoint = add_endpoint(rep, receiver, events=["post.scheduled"])
    receiver.statuses = [503]
    audience = make_audience(rep)
    give(rep, audience["id"], LATER, status="scheduled")
    now = utcnow()
    deliver(app, now)
    assert receiver.messages == []
    listed = rep.get(f"/api/v1/webhooks/{endpoint['id']}/deliveries").get_json()
    [failed] = listed["items"]
    assert (failed["event"], failed["attempts"], failed["last_status"]) == (
        "post.scheduled",
        1,
        503,
    )
    assert failed["response"] == "answered 503"
    retry_at = dt.datetime.fromisoformat(failed["next_try_at"])
    assert dt.timedelta(seconds=4) <= retry_at - now <= dt.timedelta(seconds=6)
    deliver(app, now + dt.timedelta(seconds=3))
    assert receiver.messages == []
    deliver(app, retry_at)
    assert receiver.types() == ["post.scheduled"]
    assert receiver.messages[0].id == f"msg_{failed['event_id']}"
    [done] = rep.get(f"/api/v1/webhooks/{endpoint['id']}/deliveries").get_json()["items"]
    assert (done["attempts"], done["last_status"], done["next_try_at"]) == (2, 200, None)
    assert done["delivered_at"] is not None


def test_410_gone_disables_the_endpoint_and_the_admin_sees_why(app, rep, receiver):
    endpoint = add_endpoint(rep, receiver)
    receiver.statuses = [410]
    rep.post(f"/api/v1/webhooks/{endpoint['id']}/test")
    deliver(app)
    shown = rep.get(f"/api/v1/webhooks/{endpoint['id']}").get_json()
    assert shown["enabled"] is False
    assert "410 Gone" in shown["disabled_reason"]
    rep.post(f"/api/v1/webhooks/{endpoint['id']}/test")
    deliver(app)
    assert receiver.messages == []  # a disabled endpoint is sent nothing
    again = rep.patch(f"/api/v1/webhooks/{endpoint['id']}", json={"enabled": True}).get_json()
    assert (again["enabled"], again["disabled_reason"]) == (True, None)


def test_a_410_gives_its_delivery_up_and_failing_since_starts_afresh_after_re_enabling(
    app, rep, receiver
):
    endpoint = add_endpoint(rep, receiver)
    url = f"/api/v1/webhooks/{endpoint['id']}"
    receiver.statuses = [500, 410]
    rep.post(f"{url}/test")
    rep.post(f"{url}/test")
    first = utcnow()
    deliver(app, first)  # the first ping fails and waits for a retry; the second is a 410
    gone, waiting = rep.get(f"{url}/deliveries").get_json()["items"]  # newest first
    assert (gone["last_status"], gone["next_try_at"]) == (410, None)  # given up
    assert waiting["next_try_at"] is not None
    assert rep.get(url).get_json()["failing_since"] == first.isoformat()
    again = first + dt.timedelta(days=1)
    assert rep.patch(url, json={"enabled": True}).status_code == 200
    receiver.statuses = [410]
    deliver(app, again)  # the waiting ping is tried again: 410
    shown = rep.get(url).get_json()
    assert shown["enabled"] is False
    assert shown["failing_since"] == again.isoformat()  # this failure's, not the first's
    assert receiver.messages == []


def test_three_days_of_failures_disable_the_endpoint_with_the_reason(app, rep, receiver):
    endpoint = add_endpoint(rep, receiver, events=["post.scheduled"])
    receiver.statuses = [500] * 50
    audience = make_audience(rep)
    give(rep, audience["id"], LATER, status="scheduled")
    now = utcnow()
    while True:
        deliver(app, now)
        [delivery] = rep.get(f"/api/v1/webhooks/{endpoint['id']}/deliveries").get_json()["items"]
        if delivery["next_try_at"] is None:
            break
        now = dt.datetime.fromisoformat(delivery["next_try_at"])
    shown = rep.get(f"/api/v1/webhooks/{endpoint['id']}").get_json()
    assert shown["enabled"] is False
    assert "Failing since" in shown["disabled_reason"] and "HTTP 500" in shown["disabled_reason"]
    assert 12 <= delivery["attempts"] <= 15  # 5 s, 5 min, 30 min, 2 h, 5 h, then 10 h
    assert receiver.messages == []


def test_an_ask_the_rule_refuses_through_the_api_is_an_ask_refused_event_and_nothing_else(
    app, rep, receiver
):
    add_endpoint(rep, receiver)
    audience = make_audience(rep)
    refused = rep.post(
        f"/api/v1/audiences/{audience['id']}/posts",
        json={"kind": "ask", "type": "meeting_request", "title": "A call?",
              "scheduled_at": LATER},
    )  # fmt: skip
    assert refused.status_code == 409
    deliver(app)
    assert receiver.types() == ["ask.refused"]
    refusal = receiver.messages[0].data["refusal"]
    assert (refusal["rule"], refusal["type"]) == ("give_before_ask", "meeting_request")


def test_a_shared_link_leaves_in_the_payload_with_the_audiences_utm_tags(app, rep, receiver):
    add_endpoint(rep, receiver, events=["post.scheduled"])
    audience = make_audience(rep, utm={"enabled": True, "campaign": "{audience}"})
    post = give(rep, audience["id"], LATER, url="https://example.com/a?ref=x")
    deliver(app)
    (message,) = receiver.messages
    shared = message.data["post"]["url"]
    assert shared.startswith("https://example.com/a?ref=x&utm_")
    assert "utm_campaign=CFOs" in shared and f"utm_content=post-{post['id']}" in shared


PUBLIC = "https://planner.example.com/team"


def _route(app, link: str) -> tuple[str, dict]:
    """The endpoint an absolute link on PUBLIC reaches, and its arguments."""
    assert link.startswith(PUBLIC + "/")
    path, _, query = link.removeprefix(PUBLIC).partition("?")
    return app.url_map.bind("planner.example.com").match(path, query_args=query)


@pytest.mark.options(PUBLIC_URL=PUBLIC)
def test_payload_links_are_absolute_on_the_public_url_and_reach_the_api_and_the_page(
    app, rep, receiver, writer_session
):
    add_endpoint(rep, receiver)
    audience = make_audience(rep)
    post = give(rep, audience["id"], LATER, status="scheduled")
    assert rep.delete(f"/api/v1/posts/{post['id']}").status_code == 204
    contact = rep.post("/api/v1/contacts", json={"name": "Dana", "audience_id": audience["id"]})
    contact_id = contact.get_json()["id"]
    requested = rep.post(
        f"/api/v1/contacts/{contact_id}/connection-request",
        json={"note": "Good to meet you at the CFO breakfast yesterday"},
    )
    assert requested.status_code == 200, requested.get_json()
    owner = post["owner_id"]
    writer_session.add(
        AskRefusal(
            workspace_id=rep.workspace_id, audience_id=audience["id"], owner_id=owner,
            rule="give_before_ask", type="meeting_request",
            scheduled_at=dt.datetime(2030, 1, 8, 9, tzinfo=dt.UTC), detail="0 of 3 gives",
        )
    )  # fmt: skip
    writer_session.commit()
    deliver(app)
    links = {m.type: m.data["links"] for m in receiver.messages}
    pages = {kind: _route(app, found["web"]) for kind, found in links.items()}
    assert pages == {
        "post.scheduled": ("web.edit_post", {"post_id": post["id"]}),
        "post.deleted": ("web.audience", {"audience_id": audience["id"]}),  # no page left
        "contact.stage_changed": ("web.contact", {"contact_id": contact_id}),
        "ask.refused": ("web.audience", {"audience_id": audience["id"]}),
    }
    assert links["ask.refused"]["web"].endswith(f"?rep={owner}")  # the rep refused
    for kind, found in links.items():
        data = next(m.data for m in receiver.messages if m.type == kind)
        assert found["api"] == PUBLIC + data["link"]  # the old key is the same resource
    assert rep.get(links["contact.stage_changed"]["api"].removeprefix(PUBLIC)).status_code == 200
    ratio = rep.get(links["ask.refused"]["api"].removeprefix(PUBLIC))
    assert ratio.status_code == 200, ratio.get_json()


def test_an_import_reports_an_acceptance_once_and_an_unchanged_file_writes_nothing(
    app, rep, receiver
):
    add_endpoint(rep, receiver, events=["contact.stage_changed"])
    audience = make_audience(rep)
    dana = rep.post(
        "/api/v1/contacts",
        json={"name": "Dana Whitfield", "audience_id": audience["id"],
              "profile_url": "https://www.linkedin.com/in/Dana-Whitfield/"},
    ).get_json()  # fmt: skip
    requested = rep.post(
        f"/api/v1/contacts/{dana['id']}/connection-request",
        json={"note": "Good to meet you at the CFO breakfast yesterday"},
    )
    assert requested.status_code == 200, requested.get_json()
    first = upload(rep, CONNECTIONS.read_bytes())
    assert first.status_code == 200, first.get_json()
    seen = rep.get(f"/api/v1/contacts/{dana['id']}").get_json()
    again = upload(rep, CONNECTIONS.read_bytes())
    assert [r["changed"] for r in again.get_json()["updated"]] == [[], [], []]
    deliver(app)
    assert [m.data["contact"]["stage"] for m in receiver.messages] == ["requested", "connected"]
    assert receiver.messages[1].data["previous_stage"] == "requested"
    assert rep.get(f"/api/v1/contacts/{dana['id']}").get_json()["updated_at"] == seen["updated_at"]


def test_the_worker_prunes_deliveries_done_with_long_ago_and_keeps_the_undelivered(
    app, rep, receiver, writer_session
):
    endpoint = add_endpoint(rep, receiver)
    post = give(rep, make_audience(rep)["id"], LATER, status="scheduled")
    deliver(app)  # post.scheduled delivered; its post.due waits for 2030
    receiver.statuses = [500, 500]
    assert rep.patch(f"/api/v1/posts/{post['id']}", json={"title": "New"}).status_code == 200
    deliver(app)  # post.updated fails and waits for a retry
    later = utcnow() + dt.timedelta(days=31)
    deliver(app, later)  # fails again and is given up, today: kept as long as the others were
    listed = rep.get(f"/api/v1/webhooks/{endpoint['id']}/deliveries").get_json()["items"]
    assert [(d["event"], d["delivered_at"]) for d in listed] == [("post.updated", None)]
    kept = writer_session.scalars(select(WebhookEvent.type).order_by(WebhookEvent.id)).all()
    assert kept == ["post.due", "post.updated"]
    assert receiver.types() == ["post.scheduled"]
