"""The meaning factor (feeds.semantic): stored when an article is written, and deciding
between candidates whose words say the same, on both databases; off, ranking is lexical."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from feeds import semantic
from feeds.entries_db import store_entries
from feeds.models import Article
from feeds.parser import parse_feed
from schedules import audiences_db, suggestions_db
from tests.articles import add_article, add_feed

NOW = dt.datetime(2026, 2, 20, 12, tzinfo=dt.UTC)
FACTORY = dict(
    name="Manufacturing operations leaders",
    description="People who run factories: production lines, throughput, downtime, automation.",
    keywords=["robots"],
)
# Same keyword, once, in titles and summaries of the same length, from one feed: only the
# meaning tells them apart, and the gala story is the newer, which wins a tie.
GALA = (
    "Robots waltz with guests at the charity gala",
    "Dancers, a string quartet and two silver machines entertained donors until midnight.",
)
WELDING = (
    "Robots weld car frames on the night shift",
    "Welding cells at the Ohio works now operate unattended between eight and six.",
)


def suggested(session: Session, workspace_id: int, **audience) -> list:
    made = audiences_db.create_audience(session, workspace_id, **audience)
    session.flush()
    return suggestions_db.suggest(session, workspace_id, made.id, limit=10, now=NOW)


@pytest.fixture
def without_the_package(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """As where the semantic extra is not installed: the import system finds no wordllama."""
    monkeypatch.setitem(sys.modules, "wordllama", None)
    semantic._load.cache_clear()
    yield
    monkeypatch.undo()
    semantic._load.cache_clear()


def test_meaning_decides_between_two_articles_whose_words_match_alike(session, workspace_id):
    feed = add_feed(session, workspace_id, "Wire")
    add_article(session, feed, GALA[0], summary=GALA[1], days_old=1, now=NOW)
    add_article(session, feed, WELDING[0], summary=WELDING[1], days_old=2, now=NOW)

    welding, gala = suggested(session, workspace_id, **FACTORY)
    assert welding.title == WELDING[0]
    assert welding.meaning > 1 > gala.meaning
    assert welding.score > gala.score

    semantic.configure(False)  # PLANNER_SEMANTIC=0: words alone decide, the vectors stay
    lexical = suggested(session, workspace_id, **{**FACTORY, "name": "Without meaning"})
    assert [s.title for s in lexical] == [GALA[0], WELDING[0]]
    assert {s.meaning for s in lexical} == {1.0}
    assert not any("in meaning" in r for s in lexical for r in s.reasons)
    semantic.configure(True)
    assert [s.title for s in suggested(session, workspace_id, **{**FACTORY, "name": "Again"})] == [
        WELDING[0], GALA[0]
    ]  # fmt: skip


def test_the_reasons_say_when_meaning_moved_an_article(session, workspace_id):
    feed = add_feed(session, workspace_id, "Wire")
    stories = [
        GALA,
        WELDING,
        ("Robots cut changeover time on the packaging line",
         "Plant managers report shorter downtime after automating pallet handling."),
        ("Robots in the kitchen: a chef's night out",
         "A restaurant review with a cocktail list and a dessert menu."),
        ("Robots pack boxes at the new distribution centre",
         "Pickers and conveyors share the floor with two hundred machines."),
    ]  # fmt: skip
    for title, summary in stories:
        add_article(session, feed, title, summary=summary, now=NOW)

    found = {s.title: s for s in suggested(session, workspace_id, **FACTORY)}

    close = found["Robots cut changeover time on the packaging line"]
    far = found[GALA[0]]
    assert close.meaning >= 1.5
    assert (
        f"Closer in meaning to this audience than most candidates (x{close.meaning:.1f})"
        in close.reasons
    )
    assert far.meaning <= 2 / 3
    assert (
        f"Further in meaning from this audience than most candidates (x{far.meaning:.1f})"
        in far.reasons
    )
    # A factor near 1 moved nothing worth saying.
    middle = [s for s in found.values() if 2 / 3 < s.meaning < 1.5]
    assert middle
    assert not any("in meaning" in r for s in middle for r in s.reasons)


def test_an_article_stored_without_a_vector_counts_as_the_median_candidate(
    session, workspace_id, monkeypatch
):
    feed = add_feed(session, workspace_id, "Wire")
    add_article(session, feed, GALA[0], summary=GALA[1], now=NOW)
    add_article(session, feed, WELDING[0], summary=WELDING[1], now=NOW)
    with monkeypatch.context() as before_the_extra:  # as without_the_package does
        before_the_extra.setitem(sys.modules, "wordllama", None)
        semantic._load.cache_clear()
        old = add_article(session, feed, "Robots at the trade fair", now=NOW)
    semantic._load.cache_clear()
    assert old.meaning is None

    found = {s.title: s for s in suggested(session, workspace_id, **FACTORY)}

    assert found["Robots at the trade fair"].meaning == 1.0
    assert found[WELDING[0]].meaning > 1 > found[GALA[0]].meaning


def rss(summary: str) -> bytes:
    return f"""<?xml version="1.0"?><rss version="2.0"><channel><title>Plant news</title>
<link>https://plant.example/</link>
<item><title>Robots weld car frames on the night shift</title>
<link>https://plant.example/weld</link><guid>w1</guid>
<description>{summary}</description></item></channel></rss>""".encode()


def test_refreshes_store_each_articles_vector_and_renew_it_when_the_text_changes(
    session, workspace_id, monkeypatch
):
    feed = add_feed(session, workspace_id, "Plant news")

    def refresh(summary: str) -> Article:
        parsed = parse_feed(rss(summary), base_url="https://plant.example/", fetched_at=NOW)
        store_entries(session, feed, parsed, NOW)  # the bulk path of every refresh
        session.flush()
        session.expire_all()
        (article,) = session.scalars(select(Article).where(Article.first_feed_id == feed.id))
        return article

    article = refresh("Welding cells now operate unattended.")
    (first,) = semantic.embed([semantic.article_text(article.title, article.summary_text)])
    assert article.meaning.vector == first and len(first) == 2 * semantic.DIMENSIONS

    embedded: list[str] = []
    embed = semantic.embed
    monkeypatch.setattr(semantic, "embed", lambda texts: embedded.extend(texts) or embed(texts))
    article.tags = ["robots"]  # not the text: nothing is embedded again
    session.flush()
    assert embedded == []

    article = refresh("Welding cells now run two shifts without anyone on the floor.")
    assert embedded == [semantic.article_text(article.title, article.summary_text)]
    assert article.meaning.vector == embed(embedded)[0] != first


@pytest.mark.usefixtures("without_the_package")
def test_without_the_package_nothing_is_embedded_and_ranking_is_by_words(session, workspace_id):
    assert not semantic.ranks_by_meaning()
    assert semantic.embed(["Robots weld car frames"]) == [None]
    feed = add_feed(session, workspace_id, "Wire")
    add_article(session, feed, GALA[0], summary=GALA[1], days_old=1, now=NOW)
    welding = add_article(session, feed, WELDING[0], summary=WELDING[1], days_old=2, now=NOW)
    assert welding.meaning is None

    found = suggested(session, workspace_id, **FACTORY)

    assert [s.title for s in found] == [GALA[0], WELDING[0]]
    assert {s.meaning for s in found} == {1.0}
