"""rule recency: gives and touches fade, and the past is recorded only recently

Three policy columns on ``audiences``, each with a server default so existing audiences take
the documented defaults: ``gives_lookback_days`` (365), ``touches_lookback_days`` (180) and
``record_published_within_days`` (30). Existing posts and touches are kept as they are: the
bounds apply to what is recorded from now on, and a back-dated give already stored simply stops
counting once it is older than the lookback.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

COLUMNS = {
    "gives_lookback_days": "365",
    "touches_lookback_days": "180",
    "record_published_within_days": "30",
}


def upgrade() -> None:
    for name, default in COLUMNS.items():
        op.add_column(
            "audiences", sa.Column(name, sa.Integer(), nullable=False, server_default=default)
        )


def downgrade() -> None:
    for name in COLUMNS:
        op.drop_column("audiences", name)
