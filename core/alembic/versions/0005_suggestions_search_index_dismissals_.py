"""suggestions: search index, dismissals, article links

Articles gain their analysed words (``search_title``, ``search_body``; see feeds.analysis),
filled here for existing rows, and a full-text index over them:

- SQLite: ``articles_fts``, an FTS5 external-content table (the words live once, in
  ``articles``) kept in step by three triggers. Its tokenizer only splits: the stored words are
  already folded and stemmed, so Porter would stem twice and diverge from PostgreSQL.
  A later migration that rebuilds ``articles`` in batch mode (copy, drop, rename) drops these
  triggers with the old table: it must create them again and ``rebuild`` the index.
- PostgreSQL: ``search_vector``, a stored generated tsvector of both columns ('simple' only
  lower-cases), with a GIN index. Stored rather than an expression index because phrase
  queries always recheck rows, and recomputing to_tsvector per row made a search ten times
  slower. No model declares it (core.migrations.include_name keeps autogenerate off it).

If feeds.analysis ever changes (another stemmer, say), stored words must be analysed again by
a new migration, or old articles stop matching new queries.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 11:06:29.534754
"""

import contextlib
from collections.abc import Iterator

import sqlalchemy as sa
from alembic import op

import core.db
from core import dialects
from core.dialects import FullText
from feeds.analysis import search_fields

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

FTS_COLUMNS = "search_title, search_body"
SQLITE_TRIGGERS = {
    "articles_fts_insert": f"""
        AFTER INSERT ON articles BEGIN
            INSERT INTO articles_fts (rowid, {FTS_COLUMNS})
            VALUES (new.id, new.search_title, new.search_body);
        END""",
    "articles_fts_delete": f"""
        AFTER DELETE ON articles BEGIN
            INSERT INTO articles_fts (articles_fts, rowid, {FTS_COLUMNS})
            VALUES ('delete', old.id, old.search_title, old.search_body);
        END""",
    "articles_fts_update": f"""
        AFTER UPDATE OF {FTS_COLUMNS} ON articles BEGIN
            INSERT INTO articles_fts (articles_fts, rowid, {FTS_COLUMNS})
            VALUES ('delete', old.id, old.search_title, old.search_body);
            INSERT INTO articles_fts (rowid, {FTS_COLUMNS})
            VALUES (new.id, new.search_title, new.search_body);
        END""",
}
PG_VECTOR = (
    "ALTER TABLE articles ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    "to_tsvector('simple'::regconfig, search_title) || "
    "to_tsvector('simple'::regconfig, search_body)) STORED"
)

articles = sa.table(
    "articles",
    sa.column("id", sa.Integer),
    sa.column("title", sa.Text),
    sa.column("tags", sa.JSON),
    sa.column("summary_text", sa.Text),
    sa.column("search_title", sa.Text),
    sa.column("search_body", sa.Text),
)


@contextlib.contextmanager
def _rebuilding_posts(bind: sa.Connection) -> Iterator[None]:
    """Keep touches' links to posts across a batch rebuild of posts on SQLite.

    The rebuild drops the old table, and SQLite's DROP TABLE deletes its rows first, which
    fires touches.post_id's ON DELETE SET NULL; the links are put back afterwards.
    """
    if not dialects.of(bind).alters_by_rebuilding:
        yield
        return
    query = sa.text("SELECT id, post_id FROM touches WHERE post_id IS NOT NULL")
    links = [
        {"touch_id": touch_id, "post_id": post_id} for touch_id, post_id in bind.execute(query)
    ]
    yield
    if links:
        bind.execute(sa.text("UPDATE touches SET post_id = :post_id WHERE id = :touch_id"), links)


def upgrade() -> None:
    bind = op.get_bind()
    op.create_table(
        "suggestion_dismissals",
        sa.Column("audience_id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_suggestion_dismissals_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["audience_id"],
            ["audiences.id"],
            name=op.f("fk_suggestion_dismissals_audience_id_audiences"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("audience_id", "article_id", name=op.f("pk_suggestion_dismissals")),
    )
    op.create_index("ix_suggestion_dismissals_article_id", "suggestion_dismissals", ["article_id"])

    with op.batch_alter_table("audiences", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("half_life_days", sa.Integer(), server_default="7", nullable=False)
        )

    with _rebuilding_posts(bind), op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("article_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_posts_article_id"), ["article_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_posts_article_id_articles"),
            "articles",
            ["article_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("search_title", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("search_body", sa.Text(), server_default="", nullable=False))
    analysed = []
    query = sa.select(articles.c.id, articles.c.title, articles.c.tags, articles.c.summary_text)
    for row in bind.execute(query):
        heading, body, _ = search_fields(row.title or "", row.tags or (), row.summary_text or "")
        analysed.append({"b_id": row.id, "b_title": heading, "b_body": body})
    if analysed:
        bind.execute(
            articles.update()
            .where(articles.c.id == sa.bindparam("b_id"))
            .values(search_title=sa.bindparam("b_title"), search_body=sa.bindparam("b_body")),
            analysed,
        )

    if dialects.of(bind).full_text is FullText.FTS5:
        op.execute(
            f"CREATE VIRTUAL TABLE articles_fts USING fts5({FTS_COLUMNS}, content='articles', "
            "content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
        )
        op.execute("INSERT INTO articles_fts (articles_fts) VALUES ('rebuild')")
        for name, body in SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")
    else:
        op.execute(PG_VECTOR)
        op.execute("CREATE INDEX ix_articles_search ON articles USING gin (search_vector)")


def downgrade() -> None:
    if dialects.of(op.get_bind()).full_text is FullText.FTS5:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
        op.execute("DROP TABLE articles_fts")
    else:
        op.execute("ALTER TABLE articles DROP COLUMN search_vector")  # and its index
    for column in ("search_body", "search_title"):
        # Natively on SQLite: a batch rebuild would drop articles, cascading to feed entries.
        op.execute(f"ALTER TABLE articles DROP COLUMN {column}")

    with (
        _rebuilding_posts(op.get_bind()),
        op.batch_alter_table("posts", schema=None) as batch_op,
    ):
        batch_op.drop_constraint(batch_op.f("fk_posts_article_id_articles"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_posts_article_id"))
        batch_op.drop_column("article_id")

    with op.batch_alter_table("audiences", schema=None) as batch_op:
        batch_op.drop_column("half_life_days")

    op.drop_index("ix_suggestion_dismissals_article_id", table_name="suggestion_dismissals")
    op.drop_table("suggestion_dismissals")
