"""ids are never reused: AUTOINCREMENT on SQLite

Without AUTOINCREMENT SQLite hands out max(id) + 1, so deleting the newest post gave its id,
and its calendar UID ``post-<id>@value-planner``, to the next post. SQLite can only add
AUTOINCREMENT by rebuilding a table (copy, drop, rename), so every table with an integer
primary key is rebuilt, keeping its rows and ids; its sequence starts at the largest id kept
(an id deleted before this migration may still come back once: nothing remembers it).

env.py turns SQLite's foreign keys off around migrations, so dropping the old tables neither
cascades nor sets links to NULL. The rebuild of ``articles`` drops migration 0005's FTS5
triggers: every trigger on a rebuilt table is created again, and the index rebuilt.

PostgreSQL's SERIAL sequences never hand out an id twice: nothing to do there.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 01:30:00
"""

import sqlalchemy as sa
from alembic import op

from core import dialects

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TABLES = (
    "workspaces",
    "users",
    "api_tokens",
    "audiences",
    "posts",
    "contacts",
    "touches",
    "feeds",
    "articles",
    "feed_entries",
)


def _rebuild(autoincrement: bool) -> None:
    bind = op.get_bind()
    if not dialects.of(bind).reuses_ids:
        return
    # Dropping a table drops its triggers (0005's FTS5 ones on articles): keep them to replay.
    triggers = (
        bind.execute(
            sa.text(
                "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN :tables"
            ).bindparams(sa.bindparam("tables", expanding=True)),
            {"tables": list(TABLES)},
        )
        .scalars()
        .all()
    )
    for table in TABLES:
        with op.batch_alter_table(
            table, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
        ):
            pass
    for trigger in triggers:
        op.execute(trigger)
    op.execute("INSERT INTO articles_fts (articles_fts) VALUES ('rebuild')")


def upgrade() -> None:
    _rebuild(autoincrement=True)


def downgrade() -> None:
    _rebuild(autoincrement=False)
