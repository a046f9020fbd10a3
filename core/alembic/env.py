"""Alembic environment: one metadata for every package's tables."""

from alembic import context

import core.models
import feeds.models
import schedules.models
import schedules.webhooks.models
from core import dialects, migrations
from core.db import Base

# imported for their tables
assert core.models and feeds.models and schedules.models and schedules.webhooks.models

engine = context.config.attributes["engine"]
with engine.connect() as connection, migrations.sqlite_foreign_keys_off(connection):
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=dialects.of(connection).alters_by_rebuilding,
        compare_type=True,
        include_name=migrations.include_name,
    )
    with context.begin_transaction():
        context.run_migrations()
        migrations.check_foreign_keys(connection)
    connection.commit()
