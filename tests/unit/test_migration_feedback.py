"""Adding suggestion feedback keeps everything 0005 held, on both databases, and the new table
keeps one verdict per audience and article and goes with its audience."""

import pytest
from alembic import command
from sqlalchemy.exc import IntegrityError

from core import migrations
from tests.unit.conftest import upgrade_with_rows
from tests.unit.migration_helpers import DISMISSAL_ROWS

FEEDBACK = (
    "INSERT INTO suggestion_feedback (workspace_id, audience_id, article_id, verdict, created_at) "
    "VALUES (1, 1, 5, '{verdict}', '2024-01-04')"
)


def test_upgrading_from_0005_keeps_the_data_and_adds_an_empty_feedback_table(empty_engine):
    upgrade_with_rows(empty_engine, "0005", DISMISSAL_ROWS, "0007")
    with empty_engine.begin() as connection:
        post = connection.exec_driver_sql("SELECT id, article_id, status FROM posts").one()
        dismissed = connection.exec_driver_sql("SELECT count(*) FROM suggestion_dismissals")
        assert tuple(post) == (7, 5, "scheduled")
        assert dismissed.scalar() == 1
        assert connection.exec_driver_sql("SELECT count(*) FROM suggestion_feedback").scalar() == 0
        connection.exec_driver_sql(FEEDBACK.format(verdict="useful"))
        stored = connection.exec_driver_sql("SELECT id, verdict FROM suggestion_feedback").one()
        assert tuple(stored) == (1, "useful")


def test_the_table_refuses_a_second_verdict_for_an_article(empty_engine):
    upgrade_with_rows(empty_engine, "0005", DISMISSAL_ROWS, "0007")
    with empty_engine.begin() as connection:
        connection.exec_driver_sql(FEEDBACK.format(verdict="useful"))
    with pytest.raises(IntegrityError), empty_engine.begin() as connection:
        connection.exec_driver_sql(FEEDBACK.format(verdict="not_useful"))


def test_the_table_refuses_an_unknown_verdict(empty_engine):
    upgrade_with_rows(empty_engine, "0005", DISMISSAL_ROWS, "0007")
    with pytest.raises(IntegrityError), empty_engine.begin() as connection:
        connection.exec_driver_sql(FEEDBACK.format(verdict="meh"))


def test_feedback_goes_with_its_audience(empty_engine):
    upgrade_with_rows(empty_engine, "0005", DISMISSAL_ROWS, "0007")
    with empty_engine.begin() as connection:
        connection.exec_driver_sql(FEEDBACK.format(verdict="not_useful"))
        connection.exec_driver_sql("DELETE FROM audiences")
        assert connection.exec_driver_sql("SELECT count(*) FROM suggestion_feedback").scalar() == 0


def test_downgrading_to_0005_drops_the_feedback_and_keeps_the_rest(empty_engine):
    upgrade_with_rows(empty_engine, "0005", DISMISSAL_ROWS, "0007")
    with empty_engine.begin() as connection:
        connection.exec_driver_sql(FEEDBACK.format(verdict="useful"))
    command.downgrade(migrations.config(empty_engine), "0005")
    with empty_engine.begin() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM posts").scalar() == 1
        assert connection.exec_driver_sql("SELECT count(*) FROM articles").scalar() == 1
    assert migrations.current(empty_engine) == "0005"
