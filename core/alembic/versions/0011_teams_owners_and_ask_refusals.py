"""teams: every post, contact and dismissal has an owner (a rep); refused asks are recorded

A workspace is a team. Posts, contacts (and through them touches and one-to-one asks) and
suggestion dismissals belong to one rep, whose own timeline the rule judges; calendar
subscriptions were per user already. Existing rows go to the workspace's earliest active
admin (else its earliest admin, else its earliest user), and a workspace without an active
admin first has its earliest active user promoted, so nobody is locked out of their audiences.

Contacts become unique per owner and profile URL (two reps may know the same person), and the
timeline index leads with the audience and the owner, as the rule's reads do.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 03:00:00
"""

import sqlalchemy as sa
from alembic import op

import core.db

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

TIMELINE = "status IN ('scheduled', 'published')"
# The workspace's owner of record: earliest active admin, else earliest admin, else earliest
# user (ids grow with time and are never reused). ``{ws}`` is the workspace id expression.
OWNER_OF = (
    "COALESCE("
    "(SELECT min(u.id) FROM users u WHERE u.workspace_id = {ws} AND u.role = 'admin' "
    "AND u.deactivated_at IS NULL), "
    "(SELECT min(u.id) FROM users u WHERE u.workspace_id = {ws} AND u.role = 'admin'), "
    "(SELECT min(u.id) FROM users u WHERE u.workspace_id = {ws}))"
)
AUDIENCE_WORKSPACE = "(SELECT a.workspace_id FROM audiences a WHERE a.id = {table}.audience_id)"


def _timeline_index(batch_op, columns: list[str]) -> None:
    batch_op.create_index(
        "ix_posts_timeline",
        columns,
        unique=False,
        sqlite_where=sa.text(TIMELINE),
        postgresql_where=sa.text(TIMELINE),
    )


def _drop_timeline_index(batch_op) -> None:
    batch_op.drop_index(
        "ix_posts_timeline", sqlite_where=sa.text(TIMELINE), postgresql_where=sa.text(TIMELINE)
    )


def upgrade() -> None:
    op.execute(
        "UPDATE users SET role = 'admin' WHERE id IN ("
        " SELECT min(u.id) FROM users u WHERE u.deactivated_at IS NULL AND u.workspace_id NOT IN"
        "  (SELECT workspace_id FROM users WHERE role = 'admin' AND deactivated_at IS NULL)"
        " GROUP BY u.workspace_id)"
    )
    for table in ("posts", "contacts", "suggestion_dismissals"):
        op.add_column(table, sa.Column("owner_id", sa.Integer(), nullable=True))
    audience_ws = AUDIENCE_WORKSPACE.format(table="posts")
    op.execute(f"UPDATE posts SET owner_id = {OWNER_OF.format(ws=audience_ws)}")
    op.execute(f"UPDATE contacts SET owner_id = {OWNER_OF.format(ws='contacts.workspace_id')}")
    dismissal_ws = AUDIENCE_WORKSPACE.format(table="suggestion_dismissals")
    op.execute(f"UPDATE suggestion_dismissals SET owner_id = {OWNER_OF.format(ws=dismissal_ws)}")
    _refuse_ownerless()

    with op.batch_alter_table("posts", table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        _drop_timeline_index(batch_op)
        batch_op.alter_column("owner_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_posts_owner_id_users"),
            "users",
            ["owner_id"],
            ["id"],
            ondelete="CASCADE",
        )
        _timeline_index(batch_op, ["audience_id", "owner_id", "kind", "scheduled_at"])
        batch_op.create_index(
            "ix_posts_audience_owner_scheduled_at", ["audience_id", "owner_id", "scheduled_at"]
        )
    with op.batch_alter_table("contacts", table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.alter_column("owner_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_contacts_owner_id_users"),
            "users",
            ["owner_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.drop_constraint("uq_contacts_workspace_id", type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_contacts_owner_id"), ["owner_id", "profile_url"]
        )
        batch_op.create_index(batch_op.f("ix_contacts_owner_id"), ["owner_id"])
        batch_op.create_index("ix_contacts_workspace_profile_url", ["workspace_id", "profile_url"])
    with op.batch_alter_table("suggestion_dismissals") as batch_op:
        batch_op.alter_column("owner_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_suggestion_dismissals_owner_id_users"),
            "users",
            ["owner_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.drop_constraint("pk_suggestion_dismissals", type_="primary")
        batch_op.create_primary_key(
            "pk_suggestion_dismissals", ["audience_id", "owner_id", "article_id"]
        )

    op.create_table(
        "ask_refusals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("audience_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("post_id", sa.Integer(), nullable=True),
        sa.Column("rule", sa.String(length=32), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("scheduled_at", core.db.UTCDateTime(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["audience_id"],
            ["audiences.id"],
            name=op.f("fk_ask_refusals_audience_id_audiences"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_ask_refusals_contact_id_contacts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_ask_refusals_owner_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_ask_refusals_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ask_refusals")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_ask_refusals_workspace_created_at", "ask_refusals", ["workspace_id", "created_at"]
    )


def _refuse_ownerless() -> None:
    """Rows of a workspace without any user cannot be given an owner: say so, change nothing."""
    bind = op.get_bind()
    for table in ("posts", "contacts", "suggestion_dismissals"):
        if bind.execute(sa.text(f"SELECT count(*) FROM {table} WHERE owner_id IS NULL")).scalar():
            raise RuntimeError(
                f"Some {table} belong to a workspace without users, so no rep can own them: "
                "create a user in that workspace (planner users create) and upgrade again."
            )


def downgrade() -> None:
    op.drop_index("ix_ask_refusals_workspace_created_at", table_name="ask_refusals")
    op.drop_table("ask_refusals")
    # One rep's dismissal of an article is kept for the audience; the others' go.
    op.execute(
        "DELETE FROM suggestion_dismissals WHERE owner_id <> (SELECT min(d.owner_id) FROM "
        "suggestion_dismissals d WHERE d.audience_id = suggestion_dismissals.audience_id "
        "AND d.article_id = suggestion_dismissals.article_id)"
    )
    with op.batch_alter_table("suggestion_dismissals") as batch_op:
        batch_op.drop_constraint("pk_suggestion_dismissals", type_="primary")
        batch_op.create_primary_key("pk_suggestion_dismissals", ["audience_id", "article_id"])
        batch_op.drop_constraint("fk_suggestion_dismissals_owner_id_users", type_="foreignkey")
        batch_op.drop_column("owner_id")
    with op.batch_alter_table("contacts", table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.drop_index("ix_contacts_workspace_profile_url")
        batch_op.drop_index(batch_op.f("ix_contacts_owner_id"))
        batch_op.drop_constraint(batch_op.f("uq_contacts_owner_id"), type_="unique")
        batch_op.create_unique_constraint(
            "uq_contacts_workspace_id", ["workspace_id", "profile_url"]
        )
        batch_op.drop_constraint("fk_contacts_owner_id_users", type_="foreignkey")
        batch_op.drop_column("owner_id")
    with op.batch_alter_table("posts", table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.drop_index("ix_posts_audience_owner_scheduled_at")
        _drop_timeline_index(batch_op)
        batch_op.drop_constraint("fk_posts_owner_id_users", type_="foreignkey")
        batch_op.drop_column("owner_id")
        _timeline_index(batch_op, ["audience_id", "kind", "scheduled_at"])
