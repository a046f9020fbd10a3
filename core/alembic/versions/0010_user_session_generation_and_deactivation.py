"""users: session generation (sign-out ends sessions on the server) and deactivation

Existing users start at generation 0; cookies made before this revision carry no generation
and are refused, so everyone signs in once more after the upgrade.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 01:30:00
"""

import sqlalchemy as sa
from alembic import op

import core.db

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "users",
        sa.Column("session_generation", sa.Integer(), server_default="0", nullable=False),
    )
    op.add_column("users", sa.Column("deactivated_at", core.db.UTCDateTime(), nullable=True))


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35+): a batch rebuild of users would drop the table and with
    # it, through ON DELETE CASCADE, every API token and everything else that refers to users.
    op.drop_column("users", "deactivated_at")
    op.drop_column("users", "session_generation")
