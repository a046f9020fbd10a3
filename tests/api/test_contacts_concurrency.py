"""Racing changes to one person's history are judged one after another."""

import datetime as dt
import threading

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import Conflict, DomainError, InvalidValue
from schedules.contacts.contacts_db import create_contact
from schedules.contacts.relationship import Ask, History, PersonPolicy, violations
from schedules.contacts.touches_db import add_touch
from schedules.models import Post, Touch
from schedules.posts_db import update_post
from tests.helpers import give, make_audience

# Spacing 0 and one give per ask: the audience rule would let every racer through, so only the
# person's guard (two touches since the previous ask, and there are two in all) can stop them.
POLICY = {
    "gives_per_ask": 1,
    "min_days_between_asks": 0,
    "min_days_after_connect": 14,
    "touches_per_ask": 2,
}
RACERS = 10


def _race(live_server, token, requests):
    barrier = threading.Barrier(len(requests))
    statuses: dict[int, int] = {}

    def run(index, method, url, body):
        with httpx.Client(base_url=live_server.url(), timeout=60) as client:
            barrier.wait()
            response = client.request(
                method, url, json=body, headers={"Authorization": f"Bearer {token}"}
            )
            statuses[index] = response.status_code

    threads = [
        threading.Thread(target=run, args=(i, *request)) for i, request in enumerate(requests)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [statuses[i] for i in range(len(requests))]


def _ready_contacts(rep, count=1):
    audience = make_audience(rep, timezone="UTC", policy=POLICY)
    for day in range(1, RACERS + 1):
        give(rep, audience["id"], f"2053-02-{day:02d}T08:00")
    contacts = []
    for index in range(count):
        contact = rep.post(
            "/api/v1/contacts",
            json={
                "name": f"Contact {index}",
                "audience_id": audience["id"],
                "accepted_at": "2053-01-01T09:00",
            },
        ).get_json()
        for at in ("2053-01-05T10:00", "2053-01-08T10:00"):
            response = rep.post(
                f"/api/v1/contacts/{contact['id']}/touches", json={"kind": "commented", "at": at}
            )
            assert response.status_code == 201
        contacts.append(contact)
    return contacts


def _stored_history(engine, contact) -> History:
    with Session(engine) as session:
        asks = session.execute(
            select(Post.scheduled_at, Post.id).where(
                Post.contact_id == contact["id"], Post.status == "scheduled"
            )
        ).all()
        touches = session.scalars(select(Touch.at).where(Touch.contact_id == contact["id"])).all()
    accepted = dt.datetime.fromisoformat(contact["accepted_at"])
    return History(accepted, touches, [Ask(at, post_id) for at, post_id in asks])


def test_racing_asks_to_one_person_schedule_exactly_one(rep, live_server, engine):
    (contact,) = _ready_contacts(rep)
    url = f"/api/v1/contacts/{contact['id']}/asks"
    requests = [
        ("POST", url, {"type": "meeting_request", "scheduled_at": f"2053-02-{day:02d}T09:00"})
        for day in range(1, RACERS + 1)
    ]

    statuses = _race(live_server, rep.token, requests)

    assert sorted(statuses) == [201] + [409] * (RACERS - 1)
    history = _stored_history(engine, contact)
    assert len(history.asks) == 1
    assert violations(history, PersonPolicy(14, 2, 0)) == []


def test_a_touch_deleted_while_an_ask_relying_on_it_is_made_never_both_succeed(
    rep, live_server, engine
):
    """Five people at once, each with an ask racing the deletion of a touch it needs."""
    contacts = _ready_contacts(rep, count=RACERS // 2)
    requests = []
    for day, contact in enumerate(contacts, start=1):
        base = f"/api/v1/contacts/{contact['id']}"
        touches = rep.get(f"{base}/touches").get_json()["items"]
        requests.append(
            ("POST", f"{base}/asks", {"type": "offer", "scheduled_at": f"2053-02-{day:02d}T09:00"})
        )
        requests.append(("DELETE", f"{base}/touches/{touches[0]['id']}", None))

    statuses = _race(live_server, rep.token, requests)

    for index, contact in enumerate(contacts):
        ask_status, delete_status = statuses[2 * index], statuses[2 * index + 1]
        assert (ask_status, delete_status) in ((201, 409), (409, 204))
        history = _stored_history(engine, contact)
        assert len(history.asks) == (ask_status == 201)
        assert violations(history, PersonPolicy(14, 2, 0)) == []


def _overlapping(writer, first, second, wait=1.0):
    """``second`` run in a transaction of its own while ``first``'s change is made and still
    uncommitted; the first commits once the second has finished, or has waited ``wait``
    seconds on a lock. What the second raised (None: it committed), and whether it waited."""
    raised: list[DomainError | None] = []

    def run():
        with writer() as session:
            try:
                second(session)
                session.commit()
                raised.append(None)
            except DomainError as error:
                raised.append(error)

    with writer() as held:
        first(held)
        thread = threading.Thread(target=run)
        thread.start()
        thread.join(wait)
        waited = thread.is_alive()
        held.commit()
    thread.join()
    return raised[0], waited


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_one_person_created_twice_at_once_under_two_spellings_is_one_contact(rep, writer):
    owner = rep.get("/api/v1/me").get_json()["id"]

    def create(url):
        fields = {"name": "Dana Whitfield", "profile_url": url}
        return lambda session: create_contact(session, rep.workspace_id, fields, owner)

    raised, waited = _overlapping(
        writer,
        create("https://www.linkedin.com/in/dana-whitfield/"),
        create("http://de.linkedin.com/in/Dana-Whitfield?trk=people"),
    )

    assert rep.get("/api/v1/contacts").get_json()["total"] == 1
    assert waited and isinstance(raised, Conflict)


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
@pytest.mark.parametrize("touch_first", [True, False], ids=["touch-first", "cancel-first"])
def test_a_touch_linked_to_a_give_cancelled_meanwhile_never_outlives_it(
    rep, writer, engine, touch_first
):
    (contact,) = _ready_contacts(rep)
    shared = give(rep, contact["audience_id"], "2053-01-09T08:00")

    def add(session):
        fields = {"kind": "shared_article", "post_id": shared["id"]}
        add_touch(session, rep.workspace_id, contact["id"], fields)

    def cancel(session):
        update_post(session, rep.workspace_id, shared["id"], {"status": "cancelled"})

    raised, waited = _overlapping(writer, *((add, cancel) if touch_first else (cancel, add)))

    with Session(engine) as session:
        linked = session.scalars(select(Touch.id).where(Touch.post_id == shared["id"])).all()
    assert linked == []
    assert waited
    if touch_first:
        assert raised is None  # the cancellation came second and took the touch with it
    else:
        assert isinstance(raised, InvalidValue) and raised.field == "post_id"
