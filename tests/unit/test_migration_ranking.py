"""Migration 0008 analyses stored articles again (whole tokens, unstemmed words, tags apart)
and gives audiences a ranking mode, keeping what 0007 held, on both databases."""

import datetime as dt

from sqlalchemy.orm import Session

from core import migrations
from feeds.search_db import search
from tests.unit.conftest import upgrade_with_rows
from tests.unit.migration_helpers import DISMISSAL_ROWS

ARTICLE = (
    "INSERT INTO articles (id, workspace_id, title, published_at, summary_html, summary_text, "
    "tags, content_hash, created_at, updated_at, search_title, search_body) VALUES (6, 1, "
    "'Modern C++ transformers', '2024-01-05', '', 'Patch CVE-2026-1234 now.', "
    "'[\"Editors'' Picks\"]', 'h2', '2024-01-05', '2024-01-05', 'modern c transform', "
    "'editor pick patch cve 2026 1234 now')"
)


def test_upgrading_from_0007_reanalyses_articles_and_keeps_the_rest(empty_engine):
    upgrade_with_rows(empty_engine, "0005", DISMISSAL_ROWS, "0007")
    with empty_engine.begin() as connection:
        connection.exec_driver_sql(ARTICLE)

    migrations.upgrade(empty_engine)

    with empty_engine.begin() as connection:
        words = connection.exec_driver_sql(
            "SELECT search_title, search_body, search_tags FROM articles WHERE id = 6"
        ).one()
        assert tuple(words) == (
            "modern cplusplus transformers",
            "patch cve 2026 1234 cve20261234 now",
            "editors picks",
        )
        assert connection.exec_driver_sql("SELECT ranking FROM audiences").scalar() == "news"
        post = connection.exec_driver_sql("SELECT id, article_id, status FROM posts").one()
        assert tuple(post) == (7, 5, "scheduled")
    since = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    with Session(empty_engine) as session:
        for keyword in ("C++", "CVE-2026-1234", "transformer"):
            assert [m.article_id for m in search(session, 1, [keyword], since=since)] == [6]
        for keyword in ("editor", "transform", "c"):
            assert search(session, 1, [keyword], since=since) == []
