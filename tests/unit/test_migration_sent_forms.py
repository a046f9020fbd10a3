"""0017 keeps sent forms' keys on the server, on both databases, from 0016 with data in it; and
goes back keeping the users."""

from __future__ import annotations

import datetime as dt

from core import sent_forms_db
from core.db import make_sessionmakers, utcnow
from tests.unit.conftest import tables_after_downgrade, upgrade_with_rows
from tests.unit.migration_helpers import user, workspace

ROWS = [workspace(1, "Team Co"), user(1, 1, "admin"), user(2, 1, "rep")]
NOW = utcnow()
MONTH_AGO = NOW - dt.timedelta(days=31)


def test_a_users_form_key_is_claimed_once_and_followed_to_its_answer(empty_engine):
    upgrade_with_rows(empty_engine, "0016", ROWS, "0017")
    _, writer = make_sessionmakers(empty_engine)
    with writer() as session:
        assert sent_forms_db.claim(session, 1, "k" * 22, "inputs", NOW, MONTH_AGO)
        sent_forms_db.record(session, 1, "k" * 22, "/contacts/7")
        assert sent_forms_db.claim(session, 2, "k" * 22, "inputs", NOW, MONTH_AGO)  # their own
        session.commit()
    with writer() as session:
        assert not sent_forms_db.claim(session, 1, "k" * 22, "inputs", NOW, MONTH_AGO)
        session.rollback()
        found = sent_forms_db.earlier(session, 1, "n" * 22, "inputs", NOW - dt.timedelta(1))
        assert (found.form_key, found.location) == ("k" * 22, "/contacts/7")
        # Past the session's life the key is forgotten, and may be claimed again.
        later = NOW + dt.timedelta(days=32)
        assert sent_forms_db.claim(session, 1, "k" * 22, "inputs", later, later - dt.timedelta(31))
        assert sent_forms_db.location(session, 1, "k" * 22) is None


def test_downgrading_drops_the_keys_and_keeps_the_users(empty_engine):
    upgrade_with_rows(empty_engine, "0016", ROWS, "0017")
    assert "sent_forms" not in tables_after_downgrade(empty_engine, "0016")
    with empty_engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM users").scalar() == 2
