"""Racing writers are judged one after another: the rule holds under concurrency."""

import threading

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from schedules.models import Post
from schedules.rule import Entry, Policy, violations
from tests.helpers import give, make_audience

RACERS = 20


def test_twenty_racing_asks_of_which_the_rule_allows_one_schedule_exactly_one(
    rep, live_server, engine
):
    audience = make_audience(rep, policy={"gives_per_ask": 3, "min_days_between_asks": 30})
    for day in ("06", "13", "20"):
        give(rep, audience["id"], f"2053-01-{day}T09:00")
    barrier = threading.Barrier(RACERS)
    statuses: list[int] = []

    def race(index: int) -> None:
        with httpx.Client(base_url=live_server.url(), timeout=60) as client:
            barrier.wait()
            response = client.post(
                f"/api/v1/audiences/{audience['id']}/posts",
                headers={"Authorization": f"Bearer {rep.token}"},
                json={
                    "kind": "ask",
                    "type": "meeting_request",
                    "title": f"Ask {index}",
                    "scheduled_at": f"2053-02-{index + 1:02d}T09:00",
                },
            )
            statuses.append(response.status_code)

    threads = [threading.Thread(target=race, args=(i,)) for i in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [201] + [409] * (RACERS - 1)
    with Session(engine) as session:
        rows = session.execute(
            select(Post.scheduled_at, Post.id, Post.kind).where(Post.status == "scheduled")
        ).all()
    assert sum(kind == "ask" for _, _, kind in rows) == 1
    timeline = [Entry(at, post_id, kind) for at, post_id, kind in rows]
    assert violations(timeline, Policy(3, 30)) == []
