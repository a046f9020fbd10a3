"""imports: a contact's email (LinkedIn's export carries one) and UTM tagging settings

``contacts.email`` is nullable: a blank email in an import stays blank. ``workspaces.utm`` is
the workspace's default tagging and ``audiences.utm`` an audience's own (NULL: the workspace's
default); both JSON, NULL meaning off, so existing links leave the product as they did.

Revision ID: 0014
Revises: 0011
Create Date: 2026-12-06 03:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("contacts", sa.Column("email", sa.String(length=320), nullable=True))
    op.add_column("audiences", sa.Column("utm", sa.JSON(), nullable=True))
    op.add_column("workspaces", sa.Column("utm", sa.JSON(), nullable=True))


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35+): a batch rebuild would cascade deletes (see 0010).
    op.drop_column("workspaces", "utm")
    op.drop_column("audiences", "utm")
    op.drop_column("contacts", "email")
