"""``planner feeds refresh`` and ``planner feeds worker``, in-process and as real processes."""

from __future__ import annotations

import collections
import re
import sys
import threading
import time
from pathlib import Path

import pytest
from prometheus_client import REGISTRY
from pytest_httpserver import HTTPServer
from sqlalchemy import func, select
from werkzeug import Request, Response

from core.models import Workspace
from feeds import semantic
from feeds.models import Article, Feed, FeedEntry
from tests.articles import add_article
from tests.cli.helpers import REPO, add_feeds, planner, summary
from tests.helpers import PlannerRunner

pytestmark = pytest.mark.options(FEEDS_ALLOW_PRIVATE=True)

DATA = REPO / "tests" / "data" / "feeds"


def run(app, *args: str):
    return PlannerRunner(app).invoke(args=list(args))


def refreshed(outcome: str) -> float:
    return REGISTRY.get_sample_value("planner_feed_refresh_total", {"outcome": outcome}) or 0


@pytest.fixture
def three_feeds(app, httpserver: HTTPServer) -> list[int]:
    for name in ("corpus_kagamino_rss.xml", "corpus_lunar_phase_rss.xml"):
        httpserver.expect_request(f"/{name}").respond_with_data(
            (DATA / name).read_bytes(),
            content_type="application/rss+xml",
            headers={"Last-Modified": "Mon, 03 Mar 2025 09:00:00 GMT"},
        )
    httpserver.expect_request("/broken.xml").respond_with_data("down", status=500)
    urls = [
        httpserver.url_for(path)
        for path in ("/corpus_kagamino_rss.xml", "/corpus_lunar_phase_rss.xml", "/broken.xml")
    ]
    return add_feeds(app.extensions["planner_db"].writer, urls)


def test_refresh_due_feeds_shows_progress_and_a_summary(app, three_feeds, httpserver) -> None:
    before = refreshed("ok"), refreshed("error")
    result = run(app, "feeds", "refresh", "--workers", "2")
    assert result.exit_code == 0, result.output
    assert "Refreshing feeds" in result.output
    assert summary(result.output) == (3, 2, 0, 4 + 15, 0, 1)
    assert re.search(r"Feed \d+ \(http://[^)]+/broken.xml\): HTTP 500", result.output)
    assert (refreshed("ok"), refreshed("error")) == (before[0] + 2, before[1] + 1)

    # Nothing is due any more: a second run fetches nothing.
    requests = len(httpserver.log)
    again = run(app, "feeds", "refresh")
    assert summary(again.output) == (0, 0, 0, 0, 0, 0)
    assert len(httpserver.log) == requests


def test_refresh_one_feed_whether_due_or_not(app, three_feeds, httpserver) -> None:
    run(app, "feeds", "refresh")
    result = run(app, "feeds", "refresh", "--feed", str(three_feeds[0]))
    assert result.exit_code == 0, result.output
    # The server ignores If-Modified-Since and sends the feed again: nothing new, nothing changed.
    assert summary(result.output) == (1, 1, 0, 0, 0, 0)
    assert httpserver.log[-1][0].headers["If-Modified-Since"] == "Mon, 03 Mar 2025 09:00:00 GMT"


def test_refresh_an_unknown_feed_is_exit_code_2(app) -> None:
    result = run(app, "feeds", "refresh", "--feed", "999")
    assert result.exit_code == 2
    assert "feed 999 not found" in result.output


def test_worker_once_refreshes_what_is_due_and_stops(app, three_feeds) -> None:
    result = run(app, "feeds", "worker", "--once", "--workers", "3")
    assert result.exit_code == 0, result.output
    assert summary(result.output) == (3, 2, 0, 19, 0, 1)
    assert result.output.rstrip().endswith("Worker stopped.")
    with app.extensions["planner_db"].reader() as session:
        feeds = session.scalars(select(Feed).order_by(Feed.id)).all()
        assert [f.last_status for f in feeds] == ["ok", "ok", "error"]
        assert session.scalar(select(func.count()).select_from(FeedEntry)) == 19


# --- real processes --------------------------------------------------------------------------


def test_two_worker_processes_fetch_each_due_feed_exactly_once(
    database_url: str, writer, threaded_server: HTTPServer
) -> None:
    """The issue's race: two workers against one database and the same due feeds."""
    body = (DATA / "corpus_kagamino_rss.xml").read_bytes()
    hits: collections.Counter[str] = collections.Counter()
    lock = threading.Lock()
    in_flight = 0
    both_fetching = threading.Event()

    def slow_feed(request: Request) -> Response:
        # Each worker fetches with 3 threads, so a 4th request in flight means the second worker
        # is fetching too; holding answers until then keeps a slow start from making a relay.
        nonlocal in_flight
        with lock:
            hits[request.path] += 1
            in_flight += 1
            if in_flight > 3:
                both_fetching.set()
        both_fetching.wait(timeout=15)  # under the fetcher's 20 s total timeout
        time.sleep(0.05)
        with lock:
            in_flight -= 1
        return Response(body, content_type="application/rss+xml")

    # Every feed carries the same four articles, as syndicated feeds do: concurrent refreshes
    # in one workspace must merge them, not collide on the unique URL.
    paths = [f"/feed-{n}.xml" for n in range(24)]
    for path in paths:
        threaded_server.expect_request(path).respond_with_handler(slow_feed)
    add_feeds(writer, [threaded_server.url_for(path) for path in paths])

    workers = [
        planner("feeds", "worker", "--once", "--workers", "3", database_url=database_url)
        for _ in range(2)
    ]
    outputs = [worker.communicate(timeout=120) for worker in workers]
    for worker, (_out, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, err
    assert hits == {path: 1 for path in paths}
    done = [summary(out) for out, _ in outputs]
    assert sum(d[0] for d in done) == 24 and sum(d[5] for d in done) == 0
    assert all(d[0] > 0 for d in done), done  # both took part: a real race, not a relay


def test_sigterm_lets_the_worker_finish_its_feed_and_exit(
    database_url: str, writer, threaded_server: HTTPServer
) -> None:
    body = (DATA / "corpus_kagamino_rss.xml").read_bytes()
    started = threading.Event()

    def slow_feed(_request: Request) -> Response:
        started.set()
        time.sleep(1.0)
        return Response(body, content_type="application/rss+xml")

    threaded_server.expect_request("/slow.xml").respond_with_handler(slow_feed)
    add_feeds(writer, [threaded_server.url_for("/slow.xml")])
    worker = planner("feeds", "worker", "--interval", "3600", database_url=database_url)
    assert started.wait(60), worker.stderr.read() if worker.poll() is not None else "no fetch"
    worker.terminate()
    out, err = worker.communicate(timeout=60)
    assert worker.returncode == 0, err
    assert "Stopping after the work in progress" in err
    assert summary(out)[:2] == (1, 1)  # the feed in flight was stored, not abandoned
    assert out.rstrip().endswith("Worker stopped.")
    with writer() as session:
        assert session.scalar(select(func.count()).select_from(FeedEntry)) == 4


def test_worker_waits_out_an_unreachable_database(tmp_path: Path) -> None:
    # Port 9 (discard) on loopback: nothing listens, so every connection is refused.
    worker = planner(
        "feeds",
        "worker",
        "--interval",
        "0.2",
        database_url="postgresql://postgres@127.0.0.1:9/none",
    )
    stderr = worker.stderr
    assert stderr is not None
    lines = [stderr.readline(), stderr.readline()]
    worker.terminate()
    out, _err = worker.communicate(timeout=60)
    assert all(line.startswith("Database unavailable, retrying in 0.2 s") for line in lines)
    assert worker.returncode == 0
    assert out.rstrip().endswith("Worker stopped.")


def test_embed_gives_articles_stored_without_a_meaning_vector_one(app, monkeypatch) -> None:
    writer = app.extensions["planner_db"].writer
    with writer() as session:
        (feed_id,) = add_feeds(writer, ["https://plant.example/feed"])
        feed = session.get(Feed, feed_id)
        with_one = add_article(session, feed, "Robots weld car frames", summary="On the line.")
        with monkeypatch.context() as before_the_extra:
            before_the_extra.setitem(sys.modules, "wordllama", None)
            semantic._load.cache_clear()
            without = [add_article(session, feed, f"Robots, part {i}") for i in range(3)]
        semantic._load.cache_clear()
        session.commit()
        ids = [a.id for a in without]
        kept = with_one.meaning.vector
        version = session.get(Workspace, feed.workspace_id).suggestions_version

    result = run(app, "feeds", "embed")

    assert result.exit_code == 0, result.output
    assert "Stored 3 meaning vectors." in result.output
    with writer() as session:
        assert all(len(session.get(Article, i).meaning.vector) == 512 for i in ids)
        assert session.get(Article, with_one.id).meaning.vector == kept
        # The lists kept before rank again: the meaning factor now weighs these articles.
        assert session.get(Workspace, feed.workspace_id).suggestions_version == version + 1
    assert "Stored 0 meaning vectors." in run(app, "feeds", "embed").output
