"""posts: the calendar's indexes cover its version read, a rep's and the team's

A calendar after a change reads the version of each of its posts (id, time, status, sequence,
edit time) in time order, and renders only those it has not kept. Indexes that hold those
columns answer that read from the index alone (an index-only scan on PostgreSQL, a covering
index on SQLite), in the calendar's order, for a rep's calendar (audience and owner) and for
the team's (audience only). They replace the two (audience[, owner], time) indexes, whose
leading columns they keep, so every other query that used those uses these.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 03:30:00
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

VERSION_COLUMNS = ["scheduled_at", "id", "status", "sequence", "updated_at"]
COVERING = {
    # The team's calendar names each event's rep: the owner is read from the index too.
    "ix_posts_audience_calendar": ["audience_id", *VERSION_COLUMNS, "owner_id"],
    "ix_posts_audience_owner_calendar": ["audience_id", "owner_id", *VERSION_COLUMNS],
}
REPLACED = {
    "ix_posts_audience_scheduled_at": ["audience_id", "scheduled_at"],
    "ix_posts_audience_owner_scheduled_at": ["audience_id", "owner_id", "scheduled_at"],
}


def _swap(drop: dict[str, list[str]], create: dict[str, list[str]]) -> None:
    for name in drop:
        op.drop_index(name, table_name="posts")
    for name, columns in create.items():
        op.create_index(name, "posts", columns)


def upgrade() -> None:
    _swap(REPLACED, COVERING)


def downgrade() -> None:
    _swap(COVERING, REPLACED)
