"""workspaces.suggestions_version, audiences.feedback_revision: when a suggestion list changes

Each process keeps the suggestion lists it ranked, keyed by what they were ranked from: the
audience's row, its dismissals and verdicts (``feedback_revision``) and the workspace's
articles, feeds and members (``suggestions_version``). Both start at 0: a process that kept a
list before the upgrade is restarted by it.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-08 02:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "workspaces",
        sa.Column("suggestions_version", sa.Integer(), nullable=False, server_default="0"),
    )
    op.add_column(
        "audiences",
        sa.Column("feedback_revision", sa.Integer(), nullable=False, server_default="0"),
    )


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35+): a batch rebuild would cascade deletes (see 0010).
    op.drop_column("audiences", "feedback_revision")
    op.drop_column("workspaces", "suggestions_version")
