"""article_vectors: each article's meaning vector, for suggestions

Stored when an article is written (feeds.semantic: 256 float16 values, 512 bytes) so that
ranking only reads it; in a table of its own, so that the suggestion window's scans of
articles stay over compact rows (inline, the vectors slowed suggestions at 100,000 articles
by half). Articles already there have none, which ranking treats as neutral (neither close
nor far) until their text changes or ``planner feeds embed`` gives them one; not here, so
that a migration never depends on an optional package.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 15:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "article_vectors",
        sa.Column(
            "article_id",
            sa.Integer(),
            sa.ForeignKey("articles.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("article_vectors")
