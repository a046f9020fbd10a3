"""The search index stays in step with articles, and both databases rank identically."""

from __future__ import annotations

import datetime as dt
import random
import shutil

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from core import migrations
from core.db import Base, make_engine, make_sessionmakers
from core.models import Workspace
from feeds.search_db import search
from schedules import audiences_db, suggestions_db
from tests.articles import add_article, add_feed
from tests.unit.conftest import upgrade_with_rows

NOW = dt.datetime(2026, 2, 20, 12, tzinfo=dt.UTC)
WORDS = (
    "pricing", "price", "prices", "SaaS", "churn", "retention", "onboarding", "café", "résumé",
    "customer", "success", "kubernetes", "budget", "forecast", "revenue", "quarterly", "board",
    "hiring", "sales", "pipeline", "renewal", "discount", "contract", "procurement", "security",
    "compliance", "audit", "the", "of", "and", "for", "with",
)  # fmt: skip


def _workspace(session: Session) -> int:
    workspace = Workspace(name="Acme", timezone="UTC")
    session.add(workspace)
    session.flush()
    return workspace.id


def test_edits_and_deletes_reach_the_index(engine: Engine) -> None:
    _, writer = make_sessionmakers(engine)
    with writer() as session:
        workspace_id = _workspace(session)
        feed = add_feed(session, workspace_id, "Notes")
        article = add_article(session, feed, "Kubernetes upgrades", now=NOW)
        session.commit()

        def found(word: str) -> list[int]:
            since = NOW - dt.timedelta(days=30)
            return [m.article_id for m in search(session, workspace_id, [word], since=since)]

        assert found("kubernetes") == [article.id]
        article.title = "Pricing pages"
        session.commit()
        assert found("kubernetes") == []
        assert found("prices") == [article.id]
        session.delete(article)
        session.commit()
        assert found("prices") == []


def _load_fixed_set(session: Session) -> int:
    """Two hundred articles of shuffled vocabulary over 40 days from 8 feeds, seeded."""
    rng = random.Random(20260220)
    workspace_id = _workspace(session)
    feeds = [add_feed(session, workspace_id, f"Feed {i}") for i in range(8)]
    for i in range(200):
        add_article(
            session,
            rng.choice(feeds),
            " ".join(rng.choices(WORDS, k=rng.randint(3, 8))) + f" ({i})",
            summary=" ".join(rng.choices(WORDS, k=rng.randint(0, 60))),
            days_old=rng.uniform(0, 40),
            now=NOW,
        )
    session.flush()
    return workspace_id


def _rankings(session: Session, workspace_id: int) -> list[list[tuple[str, float]]]:
    audiences = [
        ("Finance", ["pricing", "budget forecast", "revenue"], []),
        ("Customer success", ["Customer Success", "churn", "renewal"], ["kubernetes"]),
        ("Cafés", ["cafe", "resume"], []),
    ]
    result = []
    for name, keywords, excluded in audiences:
        audience = audiences_db.create_audience(
            session, workspace_id, name=name, keywords=keywords, exclude_keywords=excluded
        )
        found = suggestions_db.suggest(session, workspace_id, audience.id, limit=20, now=NOW)
        result.append([(s.title, round(s.score, 9)) for s in found])
    return result


@pytest.mark.postgres
def test_sqlite_and_postgresql_rank_the_same_articles_first(
    sqlite_template: str, pg_engine: Engine, tmp_path
) -> None:
    path = tmp_path / "same.db"
    shutil.copy(sqlite_template, path)
    sqlite_engine = make_engine(f"sqlite:///{path}")
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with pg_engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    rankings = []
    for engine in (sqlite_engine, pg_engine):
        with make_sessionmakers(engine)[1]() as session:
            rankings.append(_rankings(session, _load_fixed_set(session)))
            session.rollback()
    sqlite_engine.dispose()

    on_sqlite, on_postgres = rankings
    assert all(len(ranking) == 20 for ranking in on_sqlite)
    assert on_sqlite == on_postgres


def test_upgrading_indexes_existing_articles_and_keeps_touch_links(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    old_workspace = (
        "INSERT INTO workspaces (id, name, timezone, created_at) "
        "VALUES (1, 'Old Co', 'UTC', '2026-01-01 00:00:00')"
    )
    old_user = (
        "INSERT INTO users (id, workspace_id, email, role, created_at) "
        "VALUES (1, 1, 'pat@old.example', 'rep', '2026-01-01 00:00:00')"
    )
    upgrade_with_rows(engine, "0001", [old_workspace, old_user], "0004")
    with engine.begin() as c:
        c.exec_driver_sql(
            "INSERT INTO articles (id, workspace_id, canonical_url, title, published_at, "
            "summary_html, summary_text, tags, content_hash, created_at, updated_at) VALUES "
            "(1, 1, 'https://x.example/a', 'Prices of cafés', '2026-02-19 00:00:00', '', "
            "'A note on pricing.', '[\"Résumé\"]', 'h', '2026-02-19 00:00:00', "
            "'2026-02-19 00:00:00')"
        )
        c.exec_driver_sql(
            "INSERT INTO audiences (id, workspace_id, name, description, keywords, "
            "exclude_keywords, timezone, cadence, gives_per_ask, min_days_between_asks, "
            "revision, created_at, updated_at) VALUES (1, 1, 'A', '', '[]', '[]', 'UTC', "
            "'{}', 3, 30, 0, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
        )
        c.exec_driver_sql(
            "INSERT INTO posts (id, audience_id, kind, type, title, body, status, sequence, "
            "created_at, updated_at) VALUES (1, 1, 'give', 'tip', 'T', '', 'draft', 0, "
            "'2026-01-01 00:00:00', '2026-01-01 00:00:00')"
        )
        c.exec_driver_sql(
            "INSERT INTO contacts (id, workspace_id, name, company, title, decision_maker, "
            "relationship, notes, created_at, updated_at) VALUES (1, 1, 'P', '', '', 0, "
            "'none', '', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
        )
        c.exec_driver_sql(
            "INSERT INTO touches (id, contact_id, kind, at, post_id, note, created_at) "
            "VALUES (1, 1, 'helped', '2026-01-02 00:00:00', 1, '', '2026-01-02 00:00:00')"
        )

    migrations.upgrade(engine)

    with engine.connect() as c:
        assert c.exec_driver_sql("SELECT post_id FROM touches").scalar() == 1
        assert c.exec_driver_sql("SELECT half_life_days FROM audiences").scalar() == 7
    with Session(engine) as session:
        since = dt.datetime(2026, 2, 1, tzinfo=dt.UTC)
        for word in ("price", "cafe", "pricing"):
            assert [m.article_id for m in search(session, 1, [word], since=since)] == [1]
        # A tag is a weak hint beside the text, never a match on its own.
        assert search(session, 1, ["resume"], since=since) == []
    engine.dispose()
