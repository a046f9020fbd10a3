"""The Alembic history builds exactly the schema the models declare."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

import core.models
import feeds.models
import schedules.models
import schedules.webhooks.models
from core import dialects, migrations
from core.db import Base, make_engine
from tests.unit.conftest import upgrade_with_rows

assert core.models and feeds.models and schedules.models and schedules.webhooks.models


def test_migrations_match_the_models(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    migrations.upgrade(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_name": migrations.include_name}
        )
        diff = compare_metadata(context, Base.metadata)
    assert diff == []
    assert migrations.current(engine) is not None


def test_upgrading_a_database_with_data_keeps_it_and_fills_new_defaults(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    old_workspace = (
        "INSERT INTO workspaces (name, timezone, created_at) "
        "VALUES ('Old Co', 'Europe/Berlin', '2024-01-01 00:00:00')"
    )
    upgrade_with_rows(engine, "0001", [old_workspace])
    with engine.connect() as connection:
        row = connection.exec_driver_sql(
            "SELECT name, connect_enabled, connect_weekday, connect_time, updated_at "
            "FROM workspaces"
        ).one()
    assert tuple(row) == ("Old Co", 1, 1, "08:00", "2024-01-01 00:00:00")


def test_every_table_with_an_integer_id_never_reuses_one_on_sqlite(tmp_path):
    """A new table must say ``sqlite_autoincrement=True`` in its model and its migration,
    unless its key is another table's (article_vectors' is its article's): then it never
    makes an id."""
    integer_ids = [
        table
        for table in Base.metadata.sorted_tables
        if [column.type.python_type for column in table.primary_key.columns] == [int]
        and not any(column.foreign_keys for column in table.primary_key.columns)
    ]
    assert [t.name for t in integer_ids if not t.dialect_options["sqlite"]["autoincrement"]] == []
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    migrations.upgrade(engine)
    with engine.connect() as connection:
        created = dict(connection.exec_driver_sql("SELECT name, sql FROM sqlite_master").all())
    assert [t.name for t in integer_ids if "AUTOINCREMENT" not in created[t.name]] == []


def test_the_timeline_index_holds_only_timeline_posts_on_both_databases(engine):
    """The model declares only SQLite's predicate (schedules/models.py says why): the migrated
    index must be partial on PostgreSQL too, or the rule's queries read every draft."""
    definition = {
        dialects.SQLITE: "SELECT sql FROM sqlite_master WHERE name = 'ix_posts_timeline'",
        dialects.POSTGRESQL: (
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_posts_timeline'"
        ),
    }[dialects.of(engine)]
    with engine.connect() as connection:
        created = connection.exec_driver_sql(definition).scalar_one()
    where = created.upper().partition(" WHERE ")[2]
    assert "STATUS" in where and "'SCHEDULED'" in where and "'PUBLISHED'" in where, created
