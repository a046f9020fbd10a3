"""users: a team calendar subscription of an admin's own

An admin may subscribe to the team's calendar as well as their own; each address is rotated
and turned off on its own, so each has its own version (core.feed_versions). Nobody has one
yet, so nothing to copy; the addresses already issued keep answering.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("team_calendar_feed_version", sa.Integer(), nullable=True))


def downgrade() -> None:
    # Plain DROP COLUMN, as 0010's: a batch rebuild of users would cascade to every row that
    # refers to them.
    op.drop_column("users", "team_calendar_feed_version")
