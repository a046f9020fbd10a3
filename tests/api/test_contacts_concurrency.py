"""Racing changes to one person's history are judged one after another."""

import datetime as dt
import threading

import httpx
import pytest
from sqlalchemy import event, inspect, select, update
from sqlalchemy.orm import Session

from core.accounts_db import deactivate_member
from core.errors import Conflict, DomainError, InvalidValue
from core.models import User
from schedules.contacts.asks_db import create_ask
from schedules.contacts.contacts_db import (
    _lock_reps,
    create_contact,
    delete_contact,
    update_contact,
)
from schedules.contacts.relationship import Ask, History, PersonPolicy, violations
from schedules.contacts.touches_db import add_touch
from schedules.models import Audience, Contact, Post, Touch
from schedules.posts_db import update_post
from tests.helpers import ask, give, make_audience

# Spacing 0 and one give per ask: the audience rule would let every racer through, so only the
# person's guard (two touches since the previous ask, and there are two in all) can stop them.
POLICY = {
    "gives_per_ask": 1,
    "min_days_between_asks": 0,
    "min_days_after_connect": 14,
    "touches_per_ask": 2,
}
RACERS = 10
# Accepted and touched in the past (touches are recorded after the fact); gives and asks on
# the days from a month ahead.
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


def ahead(day: int, time: str) -> str:
    return f"{(NOW + dt.timedelta(days=30 + day)).date()}T{time}"


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
        give(rep, audience["id"], ahead(day, "08:00"))
    contacts = []
    for index in range(count):
        contact = rep.post(
            "/api/v1/contacts",
            json={
                "name": f"Contact {index}",
                "audience_id": audience["id"],
                "accepted_at": (NOW - dt.timedelta(days=20)).isoformat(),
            },
        ).get_json()
        for at in ((NOW - dt.timedelta(days=d)).isoformat() for d in (6, 3)):
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
        ("POST", url, {"type": "meeting_request", "scheduled_at": ahead(day, "09:00")})
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
            ("POST", f"{base}/asks", {"type": "offer", "scheduled_at": ahead(day, "09:00")})
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


TRIALS = 8


def _days(days):
    """An instant ``days`` from now, as the API takes it."""
    return (dt.datetime.now(dt.UTC) + dt.timedelta(days=days)).replace(microsecond=0).isoformat()


def _connected_a_month_ago(rep, audience_id, name):
    """A person connected 30 days ago and touched twice since: an ask tomorrow is covered."""
    contact = rep.post(
        "/api/v1/contacts",
        json={"name": name, "audience_id": audience_id, "accepted_at": _days(-30)},
    ).get_json()
    for days in (-20, -10):
        touch = {"kind": "commented", "at": _days(days)}
        assert rep.post(f"/api/v1/contacts/{contact['id']}/touches", json=touch).status_code == 201
    return contact


def _audience_with_a_published_give(rep, trial):
    """An audience of its own for each trial: an ask left by one would leave none of its
    gives to the next."""
    audience = make_audience(rep, name=f"CFOs {trial}", timezone="UTC", policy=POLICY)
    give(rep, audience["id"], _days(-5), status="published")
    return audience


def _holds_after(rep, engine, contact, asked):
    """The person's history as stored: the ask made or not, and covered."""
    stored = rep.get(f"/api/v1/contacts/{contact['id']}").get_json()
    history = _stored_history(engine, stored)
    assert len(history.asks) == asked
    assert violations(history, PersonPolicy(14, 2, 0)) == []


# What racing an ask tomorrow does to the same person, judged in either order: the ask first
# (it is made, the other change would uncover it), or the other change first (the ask is no
# longer covered). Each pair as the black-box probe sent it.
AGAINST_AN_ASK = {
    "acceptance-moved": (
        lambda base, touches: ("PATCH", base, {"accepted_at": _days(-2)}),
        {(201, 409), (409, 200)},
    ),
    "touch-deleted": (
        lambda base, touches: ("DELETE", f"{base}/touches/{touches[0]['id']}", None),
        {(201, 409), (409, 204)},
    ),
    "contact-deleted": (
        lambda base, touches: ("DELETE", base, None),
        {(201, 204), (201, 409), (404, 204)},  # 409: its ask came between read and lock
    ),
}


@pytest.mark.parametrize("change", AGAINST_AN_ASK)
def test_an_ask_racing_another_change_to_the_person_is_judged_in_turn(
    rep, live_server, engine, change
):
    """Never a 500 (PostgreSQL detected deadlocks here), always one of the two orders."""
    other, outcomes = AGAINST_AN_ASK[change]
    for trial in range(TRIALS):
        audience = _audience_with_a_published_give(rep, trial)
        contact = _connected_a_month_ago(rep, audience["id"], f"Trial {trial}")
        base = f"/api/v1/contacts/{contact['id']}"
        touches = rep.get(f"{base}/touches").get_json()["items"]
        ask = ("POST", f"{base}/asks", {"type": "offer", "scheduled_at": _days(1)})

        statuses = tuple(_race(live_server, rep.token, [ask, other(base, touches)]))

        assert statuses in outcomes, f"trial {trial}"
        if rep.get(base).status_code == 200:
            _holds_after(rep, engine, contact, asked=statuses[0] == 201)


def test_an_ask_a_change_of_acceptance_a_touch_deletion_and_an_ask_to_another_person_race(
    rep, live_server, engine
):
    """The probe's mix on one audience: whichever of the first person's three changes goes
    first decides the other two; the second person's ask, covered by a give of its own,
    is made whatever happens."""
    for trial in range(TRIALS):
        audience = _audience_with_a_published_give(rep, trial)
        give(rep, audience["id"], _days(2))
        first = _connected_a_month_ago(rep, audience["id"], f"First {trial}")
        second = _connected_a_month_ago(rep, audience["id"], f"Second {trial}")
        base = f"/api/v1/contacts/{first['id']}"
        touches = rep.get(f"{base}/touches").get_json()["items"]
        requests = [
            ("POST", f"{base}/asks", {"type": "offer", "scheduled_at": _days(1)}),
            ("PATCH", base, {"accepted_at": _days(-2)}),
            ("DELETE", f"{base}/touches/{touches[0]['id']}", None),
            (
                "POST",
                f"/api/v1/contacts/{second['id']}/asks",
                {"type": "offer", "scheduled_at": _days(3)},
            ),
        ]

        statuses = _race(live_server, rep.token, requests)

        assert statuses in ([201, 409, 409, 201], [409, 200, 204, 201]), f"trial {trial}"
        _holds_after(rep, engine, first, asked=statuses[0] == 201)


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_contact_created_while_its_rep_is_deactivated_never_deadlocks(rep, colleague, writer):
    """The create holds the rep's row and then checks its contact's workspace key; the
    deactivation holds the workspace and then changes the rep's row: neither may wait on the
    other's second step."""
    owner = colleague.get("/api/v1/me").get_json()["id"]
    fields = {"name": "Dana Whitfield", "profile_url": "https://www.linkedin.com/in/dana-w/"}
    failures: list[Exception] = []

    def deactivate():
        with writer() as session:
            try:
                deactivate_member(session, rep.workspace_id, owner)
                session.commit()
            except Exception as error:  # a deadlock aborts one side: the test reports it
                failures.append(error)

    with writer() as held:
        _lock_reps(held, rep.workspace_id, {owner})  # the create's first step
        thread = threading.Thread(target=deactivate)
        thread.start()
        thread.join(1.0)  # now holding the workspace, waiting for the rep's row
        try:
            create_contact(held, rep.workspace_id, fields, owner)
            held.commit()
        except Exception as error:
            failures.append(error)
    thread.join()

    assert failures == []
    with writer() as session:
        assert session.get(User, owner).deactivated_at is not None
        assert session.scalars(select(Contact).where(Contact.owner_id == owner)).all()


def _meanwhile(session: Session, entity, nth: int, change) -> None:
    """Another request's write ``change``, run just before the session's ``nth`` read of
    ``entity`` (1: the first), where a refusal of a change made meanwhile is decided."""
    seen = []

    @event.listens_for(session, "do_orm_execute")
    def write_first(state):
        if state.is_select and state.bind_mapper is inspect(entity):
            seen.append(state)
            if len(seen) == nth:
                state.session.execute(change)


def _field_of(refusal: pytest.ExceptionInfo) -> str:
    [error] = refusal.value.extra["errors"]
    return error["field"]


def test_changes_refused_as_made_meanwhile_name_the_field_that_moved(
    app, rep, colleague, writer_session
):
    """Handed to another rep, moved to another audience, given an ask: each 409 names it."""
    lee = rep.post("/api/v1/users", json={"email": "lee@acme.example"}).get_json()["id"]
    sam = colleague.get("/api/v1/me").get_json()["id"]
    audience = make_audience(rep, timezone="UTC", policy=POLICY)
    other = make_audience(rep, name="COOs", timezone="UTC", policy=POLICY)
    contact = rep.post(
        "/api/v1/contacts", json={"name": "Dana", "audience_id": audience["id"]}
    ).get_json()
    ids = (rep.workspace_id, contact["id"])
    to_lee = update(Contact).where(Contact.id == contact["id"]).values(owner_id=lee)
    _meanwhile(writer_session, User, 1, to_lee)
    with pytest.raises(Conflict, match="handed to another rep meanwhile") as handed:
        update_contact(writer_session, *ids, {"owner_id": sam})
    assert _field_of(handed) == "owner_id"
    writer_session.rollback()

    moved = update(Contact).where(Contact.id == contact["id"]).values(audience_id=other["id"])
    _meanwhile(writer_session, Audience, 1, moved)
    fields = {"type": "offer", "scheduled_at": ahead(5, "10:00")}
    with pytest.raises(Conflict, match="moved to another audience meanwhile") as elsewhere:
        create_ask(writer_session, *ids, fields)
    assert _field_of(elsewhere) == "audience_id"
    writer_session.rollback()

    asked = ask(rep, audience["id"], ahead(5, "10:00"), status="draft").get_json()
    pinned = update(Post).where(Post.id == asked["id"]).values(contact_id=contact["id"])
    _meanwhile(writer_session, Contact, 2, pinned)
    with pytest.raises(Conflict, match="given another one-to-one ask meanwhile") as given:
        delete_contact(writer_session, *ids)
    assert _field_of(given) == "contact_id"


def test_a_rename_racing_an_ask_given_on_another_audience_is_refused_naming_the_name(
    rep, writer_session
):
    """Renaming locks the audiences of the person's asks, read before the contact's lock: an
    ask given on another audience in between would keep the old name in that calendar."""
    audience = make_audience(rep, timezone="UTC", policy=POLICY)
    other = make_audience(rep, name="COOs", timezone="UTC", policy=POLICY)
    contact = rep.post(
        "/api/v1/contacts", json={"name": "Dana", "audience_id": audience["id"]}
    ).get_json()
    asked = ask(rep, other["id"], ahead(5, "10:00"), status="draft").get_json()
    pinned = update(Post).where(Post.id == asked["id"]).values(contact_id=contact["id"])
    _meanwhile(writer_session, Contact, 2, pinned)
    with pytest.raises(Conflict, match="Dana changed meanwhile") as renamed:
        update_contact(writer_session, rep.workspace_id, contact["id"], {"name": "Dana Ortiz"})
    assert _field_of(renamed) == "name"
