"""0011 gives every post, contact and dismissal an owner and every team an active admin, on
both databases, from 0010 with data in it."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy.exc import IntegrityError

from core import migrations
from tests.unit.conftest import upgrade_with_rows
from tests.unit.migration_helpers import WHEN, audience, user, workspace


def _post(id_: int, audience: int) -> str:
    return (
        "INSERT INTO posts (id, audience_id, kind, type, title, body, scheduled_at, status, "
        f"sequence, created_at, updated_at) VALUES ({id_}, {audience}, 'give', 'tip', 'T', '', "
        f"'2025-02-01 09:00:00', 'published', 0, {WHEN}, {WHEN})"
    )


def _contact(id_: int, workspace: int, url: str) -> str:
    return (
        "INSERT INTO contacts (id, workspace_id, audience_id, name, profile_url, company, title, "
        "decision_maker, relationship, notes, created_at, updated_at) VALUES "
        f"({id_}, {workspace}, NULL, 'P{id_}', '{url}', '', '', false, 'none', '', {WHEN}, {WHEN})"
    )


OLD_ROWS = [
    # A team: a rep who joined first, then two admins; the earliest admin owns the old rows.
    workspace(1, "Team Co"),
    user(1, 1, "rep"),
    user(2, 1, "admin"),
    user(3, 1, "admin"),
    audience(1, 1),
    _post(1, 1),
    _contact(1, 1, "https://www.linkedin.com/in/dana"),
    "INSERT INTO touches (id, contact_id, kind, at, post_id, note, created_at) "
    f"VALUES (1, 1, 'helped', {WHEN}, 1, '', {WHEN})",
    "INSERT INTO articles (id, workspace_id, title, published_at, summary_html, summary_text, "
    "tags, content_hash, created_at, updated_at, search_title, search_body) VALUES (5, 1, "
    f"'Pricing', {WHEN}, '', '', '[]', 'h', {WHEN}, {WHEN}, 'price', '')",
    "INSERT INTO suggestion_dismissals (audience_id, article_id, created_at) "
    f"VALUES (1, 5, {WHEN})",
    # A workspace whose only user is a rep: promoted, so someone can still edit the audiences.
    workspace(2, "Solo Co"),
    user(4, 2, "rep"),
    audience(2, 2),
    _post(2, 2),
    # The only admin left: the earliest active user is promoted and owns the rows.
    workspace(3, "Lapsed Co"),
    user(5, 3, "admin", deactivated=True),
    user(6, 3, "rep"),
    user(7, 3, "rep"),
    audience(3, 3),
    _post(3, 3),
]


def _rows(connection, sql: str) -> list[tuple]:
    return [tuple(row) for row in connection.exec_driver_sql(sql)]


def test_upgrading_gives_every_row_an_owner_and_every_team_an_admin(empty_engine):
    upgrade_with_rows(empty_engine, "0010", OLD_ROWS, "0011")
    with empty_engine.begin() as connection:
        roles = _rows(connection, "SELECT id, role FROM users ORDER BY id")
        owners = _rows(connection, "SELECT id, owner_id FROM posts ORDER BY id")
        contact = _rows(connection, "SELECT id, owner_id, profile_url FROM contacts")
        touch = _rows(connection, "SELECT id, contact_id, post_id FROM touches")
        dismissal = _rows(connection, "SELECT audience_id, owner_id FROM suggestion_dismissals")
        refusals = _rows(connection, "SELECT count(*) FROM ask_refusals")
    assert roles == [(1, "rep"), (2, "admin"), (3, "admin"), (4, "admin"), (5, "admin"),
                     (6, "admin"), (7, "rep")]  # fmt: skip
    assert owners == [(1, 2), (2, 4), (3, 6)]
    assert contact == [(1, 2, "https://www.linkedin.com/in/dana")]
    assert touch == [(1, 1, 1)]
    assert dismissal == [(1, 2)]
    assert refusals == [(0,)]


def test_after_upgrading_two_reps_may_know_one_person_but_one_rep_only_once(empty_engine):
    upgrade_with_rows(empty_engine, "0010", OLD_ROWS, "0011")
    insert = (
        "INSERT INTO contacts (id, workspace_id, owner_id, name, profile_url, company, title, "
        "decision_maker, relationship, notes, created_at, updated_at) VALUES ({id}, 1, {owner}, "
        "'D', "
        f"'https://www.linkedin.com/in/dana', '', '', false, 'none', '', {WHEN}, {WHEN})"
    )
    with empty_engine.begin() as connection:
        connection.exec_driver_sql(insert.format(id=10, owner=1))
    with pytest.raises(IntegrityError), empty_engine.begin() as connection:
        connection.exec_driver_sql(insert.format(id=11, owner=2))


def test_downgrading_keeps_posts_contacts_and_dismissals(empty_engine):
    upgrade_with_rows(empty_engine, "0010", OLD_ROWS, "0011")
    command.downgrade(migrations.config(empty_engine), "0010")
    with empty_engine.begin() as connection:
        assert _rows(connection, "SELECT id FROM posts ORDER BY id") == [(1,), (2,), (3,)]
        assert _rows(connection, "SELECT id FROM contacts") == [(1,)]
        assert _rows(connection, "SELECT article_id FROM suggestion_dismissals") == [(5,)]


def test_rows_of_a_workspace_without_users_stop_the_upgrade_saying_what_to_do(empty_engine):
    ownerless = [workspace(9, "Empty Co"), audience(9, 9), _post(9, 9)]
    with pytest.raises(RuntimeError, match="planner users create"):
        upgrade_with_rows(empty_engine, "0010", ownerless, "0011")
