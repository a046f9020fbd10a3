"""0016 gives articles meaning vectors, none for the articles already there, on both databases,
from 0015 with data in it: suggestions rank those as the median candidate until their text
changes; and it goes back keeping the articles."""

from __future__ import annotations

import datetime as dt

from core.db import make_sessionmakers
from feeds.models import Article
from schedules import audiences_db, suggestions_db
from tests.unit.conftest import tables_after_downgrade, upgrade_with_rows
from tests.unit.migration_helpers import WHEN, workspace

NOW = dt.datetime(2026, 2, 20, 12, tzinfo=dt.UTC)
ARTICLE_ROWS = [
    workspace(1, "Plant Co"),
    *(
        "INSERT INTO articles (id, workspace_id, title, published_at, summary_html, "
        "summary_text, tags, content_hash, created_at, updated_at, search_title, search_body, "
        f"search_tags) VALUES ({id_}, 1, '{title}', '2026-02-19', '', '', '[]', 'h{id_}', "
        f"{WHEN}, {WHEN}, '{title.lower()}', '', '')"
        for id_, title in [
            (1, "Robots weld car frames"),
            (2, "Robots waltz at the gala"),
            (3, "Robots at the trade fair"),
        ]
    ),
]


def test_existing_articles_start_without_a_vector_and_rank_as_the_median(empty_engine):
    # On to the head: today's code reads the rows as today's schema has them.
    upgrade_with_rows(empty_engine, "0015", ARTICLE_ROWS)
    reader, writer = make_sessionmakers(empty_engine)
    with writer() as session:
        assert [a.meaning for a in session.query(Article).order_by(Article.id)] == [None] * 3
        audience = audiences_db.create_audience(
            session, 1, name="Plant managers", description="Factory floors.", keywords=["robots"]
        )
        session.flush()
        found = suggestions_db.suggest(session, 1, audience.id, now=NOW)
        assert len(found) == 3
        assert {s.meaning for s in found} == {1.0}
        # Two are rewritten since: they get vectors, and the third stays the median.
        session.get(Article, 1).summary_text = "Welding cells on the night shift."
        session.get(Article, 2).summary_text = "Dancers and a string quartet until midnight."
        session.commit()
    with reader() as session:
        assert len(session.get(Article, 1).meaning.vector) == 512
        assert session.get(Article, 3).meaning is None
        meaning = {s.title: s.meaning for s in suggestions_db.suggest(session, 1, 1, now=NOW)}
        assert meaning["Robots at the trade fair"] == 1.0
        assert meaning["Robots weld car frames"] > 1 > meaning["Robots waltz at the gala"]


def test_downgrading_drops_the_vectors_and_keeps_the_articles(empty_engine):
    upgrade_with_rows(empty_engine, "0015", ARTICLE_ROWS, "0016")
    assert "article_vectors" not in tables_after_downgrade(empty_engine, "0015")
    with empty_engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM articles").scalar() == 3
