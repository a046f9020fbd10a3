"""posts.revision: the audience's revision at the post's last change, for calendar deltas

A calendar rendered before is brought up to date from the posts changed since (revision above
the one it was rendered at) instead of from all its posts' versions. Existing posts start at
0: no calendar kept in a process predates the migration, so none can miss them. The index
leads with the audience, as every calendar's read does.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 06:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("posts", sa.Column("revision", sa.Integer(), nullable=False, server_default="0"))
    op.create_index("ix_posts_audience_revision", "posts", ["audience_id", "revision"])


def downgrade() -> None:
    op.drop_index("ix_posts_audience_revision", table_name="posts")
    # Plain DROP COLUMN (SQLite 3.35+): a batch rebuild would cascade deletes (see 0010).
    op.drop_column("posts", "revision")
