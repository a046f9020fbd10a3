"""sent_forms: the one-time keys of forms sent, on the server

The session cookie remembered them, so two sends of one form racing each other (a double
click, a duplicated tab), each with the cookie from before the other's answer, were both saved.
A row per key, claimed in the transaction that saves what the form makes, lets the second wait
for the first and then go where it went. Nothing to copy: keys kept in cookies until now are
forgotten, as they were after 30 minutes anyway.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 02:10:00
"""

import sqlalchemy as sa
from alembic import op

import core.db

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sent_forms",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("form_key", sa.String(length=64), nullable=False),
        sa.Column("inputs", sa.String(length=64), nullable=False),
        sa.Column("location", sa.String(length=2000), nullable=True),
        sa.Column("sent_at", core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_sent_forms_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "form_key", name=op.f("pk_sent_forms")),
    )
    op.create_index(op.f("ix_sent_forms_sent_at"), "sent_forms", ["sent_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_sent_forms_sent_at"), table_name="sent_forms")
    op.drop_table("sent_forms")
