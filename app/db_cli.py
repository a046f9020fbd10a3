"""``planner db`` (schema, backup, restore) and ``planner demo``."""

from __future__ import annotations

from pathlib import Path

import click
from alembic.util import CommandError

from app import demo as demo_data
from app import settings
from app.runtime import Runtime, fail, pass_runtime
from core import backup, migrations


@click.group()
def db() -> None:
    """Database schema, backup and restore."""


@click.group()
def demo() -> None:
    """Demo data for trying the service."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@pass_runtime
def db_upgrade(runtime: Runtime, revision: str) -> None:
    """Apply the Alembic migrations to DATABASE_URL."""
    runtime.migrating = True
    engine = runtime.database.engine
    try:
        migrations.upgrade(engine, revision)
    except CommandError as error:  # a revision it does not know, or one behind the database's
        fail(str(error))
    click.echo(f"Database at revision {migrations.current(engine)}.")


@db.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace FILE if it exists (a regular file only).")
@pass_runtime
def db_backup(runtime: Runtime, file: Path, force: bool) -> None:
    """Copy the SQLite database to FILE, consistently, while the service keeps running."""
    try:
        revision = backup.backup(runtime.config["DATABASE_URL"], file, replace=force)
    except backup.BackupError as error:
        fail(str(error))
    click.echo(f"Backed up to {file} (schema revision {revision}).")


@db.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.confirmation_option(prompt="Replace everything in the database with the backup?")
@pass_runtime
def db_restore(runtime: Runtime, file: Path) -> None:
    """Replace the SQLite database's content with the backup in FILE."""
    try:
        revision = backup.restore(runtime.config["DATABASE_URL"], file)
    except backup.BackupError as error:
        fail(str(error))
    click.echo(f"Restored {file} (schema revision {revision}); now run 'planner db upgrade'.")


@demo.command("load")
@click.option(
    "--url",
    help="Where it will be served [default: PLANNER_PUBLIC_URL, else http://localhost:$PORT].",
)
@pass_runtime
def demo_load(runtime: Runtime, url: str | None) -> None:
    """Load the demo workspace once; print its API token and web password."""
    url = (url or settings.public_url()).rstrip("/")
    kept = demo_data.files(runtime.instance_path, runtime.config["DATABASE_URL"])
    with runtime.database.writer() as session:
        token = demo_data.load(session, kept.token)
        password = demo_data.password(session, kept.password)
        session.commit()
    click.echo(f"Demo user: {demo_data.EMAIL} (a rep; {demo_data.COLLEAGUE} is another)")
    click.echo(f"Demo manager: {demo_data.MANAGER} (the team's admin; same password)")
    click.echo(f"Demo password: {password}  (sign in at {url}/)")
    click.echo(f"Demo API token: {token}")
    click.echo(f"Token and password kept in {kept.token} and {kept.password}")
    click.echo(f"Try: curl -H 'Authorization: Bearer {token}' {url}/api/v1/audiences")
