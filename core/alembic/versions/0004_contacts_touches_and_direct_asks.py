"""contacts, touches and one-to-one asks; the relationship guard's audience policy

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 11:03:22.627506
"""

import sqlalchemy as sa
from alembic import op

import core.db

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("audience_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("profile_url", sa.String(length=2048), nullable=True),
        sa.Column("company", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("decision_maker", sa.Boolean(), nullable=False),
        sa.Column("relationship", sa.String(length=32), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("requested_at", core.db.UTCDateTime(), nullable=True),
        sa.Column("request_note", sa.Text(), nullable=True),
        sa.Column("accepted_at", core.db.UTCDateTime(), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["audience_id"],
            ["audiences.id"],
            name=op.f("fk_contacts_audience_id_audiences"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_contacts_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
        sa.UniqueConstraint("workspace_id", "profile_url", name=op.f("uq_contacts_workspace_id")),
    )
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contacts_audience_id"), ["audience_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_contacts_workspace_id"), ["workspace_id"], unique=False
        )

    # Plain ALTER TABLE, never a batch rebuild: see downgrade() for why audiences must not be.
    op.add_column(
        "audiences",
        sa.Column("min_days_after_connect", sa.Integer(), server_default="14", nullable=False),
    )
    op.add_column(
        "audiences",
        sa.Column("touches_per_ask", sa.Integer(), server_default="2", nullable=False),
    )

    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contact_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            "ix_posts_contact_scheduled_at", ["contact_id", "scheduled_at"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_posts_contact_id_contacts"),
            "contacts",
            ["contact_id"],
            ["id"],
            ondelete="CASCADE",
        )

    # posts is rebuilt by the batch above on SQLite, so the table referring to it comes after.
    op.create_table(
        "touches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("at", core.db.UTCDateTime(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_touches_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_touches_post_id_posts"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_touches")),
    )
    with op.batch_alter_table("touches", schema=None) as batch_op:
        batch_op.create_index("ix_touches_contact_at", ["contact_id", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("touches", schema=None) as batch_op:
        batch_op.drop_index("ix_touches_contact_at")
    op.drop_table("touches")

    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_posts_contact_id_contacts"), type_="foreignkey")
        batch_op.drop_index("ix_posts_contact_scheduled_at")
        batch_op.drop_column("contact_id")

    # Not in batch mode: a SQLite rebuild of audiences (copy, drop, rename) would delete every
    # post through posts.audience_id's ON DELETE CASCADE. SQLite 3.35+ drops columns in place.
    op.drop_column("audiences", "touches_per_ask")
    op.drop_column("audiences", "min_days_after_connect")

    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contacts_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_contacts_audience_id"))
    op.drop_table("contacts")
