"""0013 adds the webhook tables beside existing data, on both databases, from 0011, and
leaves it on the way back down."""

from __future__ import annotations

from alembic import command

from core import migrations
from tests.unit.conftest import upgrade_with_rows
from tests.unit.migration_helpers import audience, user, workspace

OLD_ROWS = [
    workspace(1, "Team Co"),
    user(1, 1, "admin"),
    audience(1, 1),
    "INSERT INTO posts (id, audience_id, owner_id, kind, type, title, body, scheduled_at, "
    "status, sequence, created_at, updated_at) VALUES (1, 1, 1, 'give', 'tip', 'T', '', "
    "'2025-02-01 09:00:00', 'scheduled', 0, '2025-01-01', '2025-01-01')",
]


def _rows(engine, sql: str) -> list[tuple]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.exec_driver_sql(sql)]


def test_upgrading_from_0011_keeps_the_data_and_the_outbox_takes_rows(empty_engine):
    upgrade_with_rows(empty_engine, "0011", OLD_ROWS, "0013")
    with empty_engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO webhook_endpoints (workspace_id, url, events, enabled, description, "
            "secret, created_at, updated_at) VALUES (1, 'https://hooks.example/in', "
            "'[\"post.due\"]', true, '', 'whsec_x', '2025-01-01', '2025-01-01')"
        )
        connection.exec_driver_sql(
            "INSERT INTO webhook_events (workspace_id, type, payload, post_id, created_at, "
            "due_at) VALUES (1, 'post.due', '{}', 1, '2025-01-01', '2025-02-01 09:00:00')"
        )
        connection.exec_driver_sql(
            "INSERT INTO webhook_deliveries (event_id, endpoint_id, attempts, created_at, "
            "updated_at) VALUES (1, 1, 0, '2025-01-01', '2025-01-01')"
        )
    assert _rows(empty_engine, "SELECT id, owner_id, status FROM posts") == [(1, 1, "scheduled")]
    assert _rows(empty_engine, "SELECT event_id, endpoint_id FROM webhook_deliveries") == [(1, 1)]
    command.downgrade(migrations.config(empty_engine), "0011")
    assert _rows(empty_engine, "SELECT id, owner_id, status FROM posts") == [(1, 1, "scheduled")]
    assert migrations.current(empty_engine) == "0011"
