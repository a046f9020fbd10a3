"""ranking: tags as a field of their own, unstemmed words, audiences' ranking mode

feeds.analysis no longer stems (a stemmer joined "transformer" and "transformation") and keeps
technical tokens whole ("C++" is "cplusplus"), and tags move out of ``search_body`` into
``search_tags`` (a weak hint, not indexed). Every stored article is analysed again here; the
SQLite FTS5 triggers of 0005 follow the updated columns, and PostgreSQL's generated
``search_vector`` recomputes itself.

Audiences gain ``ranking`` ("news" or "evergreen"; existing ones keep news, today's behaviour).
The articles' (workspace, published) index gains ``first_feed_id`` so that counting a window's
articles per feed (the feed-fit prior) reads the index alone.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 01:20:00
"""

import sqlalchemy as sa
from alembic import op

from feeds.analysis import search_fields

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

BATCH = 2000

articles = sa.table(
    "articles",
    sa.column("id", sa.Integer),
    sa.column("title", sa.Text),
    sa.column("tags", sa.JSON),
    sa.column("summary_text", sa.Text),
    sa.column("search_title", sa.Text),
    sa.column("search_body", sa.Text),
    sa.column("search_tags", sa.Text),
)


def upgrade() -> None:
    bind = op.get_bind()
    # Plain ADD COLUMN on both databases: a batch rebuild of articles would drop 0005's
    # triggers and cascade to feed entries.
    op.add_column(
        "articles", sa.Column("search_tags", sa.Text(), server_default="", nullable=False)
    )
    op.add_column(
        "audiences", sa.Column("ranking", sa.String(16), server_default="news", nullable=False)
    )
    op.create_index(
        "ix_articles_workspace_published_feed",
        "articles",
        ["workspace_id", "published_at", "first_feed_id"],
    )
    op.drop_index("ix_articles_workspace_published", table_name="articles")
    update = (
        articles.update()
        .where(articles.c.id == sa.bindparam("b_id"))
        .values(
            search_title=sa.bindparam("b_title"),
            search_body=sa.bindparam("b_body"),
            search_tags=sa.bindparam("b_tags"),
        )
    )
    query = sa.select(articles.c.id, articles.c.title, articles.c.tags, articles.c.summary_text)
    analysed = []
    for row in bind.execute(query).all():
        heading, body, tags = search_fields(row.title or "", row.tags or (), row.summary_text or "")
        analysed.append({"b_id": row.id, "b_title": heading, "b_body": body, "b_tags": tags})
        if len(analysed) == BATCH:
            bind.execute(update, analysed)
            analysed = []
    if analysed:
        bind.execute(update, analysed)


def downgrade() -> None:
    # The words stay unstemmed: 0005's queries still find exact forms in them.
    op.create_index("ix_articles_workspace_published", "articles", ["workspace_id", "published_at"])
    op.drop_index("ix_articles_workspace_published_feed", table_name="articles")
    op.execute("ALTER TABLE audiences DROP COLUMN ranking")
    op.execute("ALTER TABLE articles DROP COLUMN search_tags")
