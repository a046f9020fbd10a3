"""0018 gives admins a team calendar subscription of its own, on both databases, from 0017 with
data in it: the addresses already issued keep answering; going back keeps them too."""

from __future__ import annotations

from alembic import command

from core import migrations
from core.db import make_sessionmakers
from core.models import User
from schedules import subscriptions_db
from tests.unit.conftest import upgrade_with_rows
from tests.unit.migration_helpers import user, workspace

SECRET = "not-a-real-secret"
ROWS = [
    workspace(1, "Team Co"),
    user(1, 1, "admin"),
    user(2, 1, "rep"),
    "UPDATE users SET calendar_feed_version = 5 WHERE id = 1",
]


def test_addresses_issued_before_keep_answering_and_the_team_s_starts_off(empty_engine):
    upgrade_with_rows(empty_engine, "0017", ROWS, "0018")
    _, writer = make_sessionmakers(empty_engine)
    with writer() as session:
        admin, rep = session.get(User, 1), session.get(User, 2)
        own = subscriptions_db.subscription_token(admin, SECRET)
        assert own is not None and subscriptions_db.subscription_token(rep, SECRET) is None
        assert subscriptions_db.subscription_token(admin, SECRET, team=True) is None
        assert subscriptions_db.subscribed(session, own, SECRET) == (admin, False)
        subscriptions_db.rotate_subscription(session, 1, team=True)
        session.commit()
        team = subscriptions_db.subscription_token(admin, SECRET, team=True)
        assert subscriptions_db.subscribed(session, team, SECRET) == (admin, True)
        assert subscriptions_db.subscribed(session, own, SECRET) == (admin, False)


def test_downgrading_keeps_the_users_and_their_own_addresses(empty_engine):
    upgrade_with_rows(empty_engine, "0017", ROWS, "0018")
    command.downgrade(migrations.config(empty_engine), "0017")
    with empty_engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "SELECT id, calendar_feed_version FROM users ORDER BY id"
        ).all()
    assert [tuple(row) for row in rows] == [(1, 5), (2, None)]
