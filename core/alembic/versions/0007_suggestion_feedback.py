"""suggestion feedback: a rep's useful / not useful verdicts per audience and article

A new table only; no existing row changes. Scheduled or published posts already say which
articles were useful, so nothing is back-filled (schedules.feedback_db reads them directly).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 01:20:00
"""

import sqlalchemy as sa
from alembic import op

import core.db

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "suggestion_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("audience_id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "verdict IN ('useful', 'not_useful')", name=op.f("ck_suggestion_feedback_verdict")
        ),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_suggestion_feedback_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["audience_id"],
            ["audiences.id"],
            name=op.f("fk_suggestion_feedback_audience_id_audiences"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_suggestion_feedback_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suggestion_feedback")),
        sa.UniqueConstraint(
            "audience_id", "article_id", name=op.f("uq_suggestion_feedback_audience_id")
        ),
        sqlite_autoincrement=True,
    )
    op.create_index(
        op.f("ix_suggestion_feedback_article_id"), "suggestion_feedback", ["article_id"]
    )
    op.create_index(
        op.f("ix_suggestion_feedback_workspace_id"), "suggestion_feedback", ["workspace_id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_suggestion_feedback_workspace_id"), table_name="suggestion_feedback")
    op.drop_index(op.f("ix_suggestion_feedback_article_id"), table_name="suggestion_feedback")
    op.drop_table("suggestion_feedback")
