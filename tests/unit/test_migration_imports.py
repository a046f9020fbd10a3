"""0014 gives contacts an email and audiences and workspaces UTM settings, off for existing
rows, on both databases, from 0011 with data in it; and goes back without losing rows."""

from alembic import command

from core import migrations
from tests.unit.conftest import upgrade_with_rows
from tests.unit.migration_helpers import WHEN, audience, user, workspace

OLD_ROWS = [
    workspace(1, "Team Co"),
    user(1, 1, "admin"),
    audience(1, 1),
    "INSERT INTO contacts (id, workspace_id, owner_id, audience_id, name, profile_url, company, "
    "title, decision_maker, relationship, notes, created_at, updated_at) VALUES (1, 1, 1, 1, "
    f"'Dana', 'https://www.linkedin.com/in/dana', '', '', false, 'none', '', {WHEN}, {WHEN})",
]


def _rows(connection, sql: str) -> list[tuple]:
    return [tuple(row) for row in connection.exec_driver_sql(sql)]


def test_upgrading_keeps_contacts_without_email_and_leaves_tagging_off(empty_engine):
    upgrade_with_rows(empty_engine, "0011", OLD_ROWS, "0014")
    with empty_engine.begin() as connection:
        assert _rows(connection, "SELECT id, name, email FROM contacts") == [(1, "Dana", None)]
        assert _rows(connection, "SELECT id, utm FROM audiences") == [(1, None)]
        assert _rows(connection, "SELECT id, utm FROM workspaces") == [(1, None)]
        connection.exec_driver_sql("UPDATE contacts SET email = 'dana@initech.example'")
    command.downgrade(migrations.config(empty_engine), "0011")
    with empty_engine.begin() as connection:
        assert _rows(connection, "SELECT id, name FROM contacts") == [(1, "Dana")]
        assert _rows(connection, "SELECT id FROM audiences") == [(1,)]
