"""A database a command cannot use is refused in one ``Error:`` line with exit status 2, by the
commands that serve it and by every other: no file where DATABASE_URL points, a database never
migrated or behind, a backup or an export with nowhere to go, a revision that does not exist.
A real bug keeps its traceback."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import closing

import pytest
from sqlalchemy import text

from core import migrations
from core.db import make_engine
from tests.api.helpers import CONNECTIONS
from tests.cli.helpers import PLANNER, REPO
from tests.conftest import PG_URL
from tests.helpers import PlannerRunner


def one_line_refusal(*args: str, database_url: str) -> str:
    """What ``planner args`` said when it refused (exit 2, one line, no traceback)."""
    env = {**os.environ, "DATABASE_URL": database_url, "PLANNER_SECRET_KEY": "test"}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    done = subprocess.run(
        [str(PLANNER), *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and len(lines) == 1, (done.returncode, done.stderr[-2000:])
    return lines[0]


SERVING = [
    ("serve", "--bind", "127.0.0.1:0", "--workers", "1"),
    ("run", "--host", "127.0.0.1", "--port", "0"),
]
# Commands that read or write the database, one of each module's.
USING = [
    ("audiences", "list"),
    ("users", "create", "--workspace", "Acme Sales", "--email", "pat@acme.example"),
    ("export-ics", "--all"),
    ("worker", "--once"),
    ("demo", "load"),
    ("contacts", "import", str(CONNECTIONS), "--owner", "rep@acme.example"),
    ("feeds", "list"),
]
SCHEMA = "cli_never_migrated"


def ids(commands: list[tuple[str, ...]]) -> list[str]:
    return [command[0] for command in commands]


@pytest.mark.parametrize("command", SERVING + USING, ids=ids(SERVING + USING))
def test_a_misspelled_sqlite_path_is_refused_and_no_empty_database_is_made(command, tmp_path):
    typo = tmp_path / "planer.db"
    line = one_line_refusal(*command, database_url=f"sqlite:///{typo}")
    assert line == (
        f"Error: There is no database at {typo}: check DATABASE_URL, or create it with "
        "'planner db upgrade'."
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", SERVING, ids=ids(SERVING))
def test_a_database_not_at_this_versions_schema_is_refused(command, tmp_path):
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    line = one_line_refusal(*command, database_url=f"sqlite:///{empty}")
    assert line == "Error: The database has no schema yet: run 'planner db upgrade'."
    behind = tmp_path / "behind.db"
    engine = make_engine(f"sqlite:///{behind}")
    migrations.upgrade(engine, "head-1")  # as a restored backup or a skipped upgrade leaves it
    engine.dispose()
    line = one_line_refusal(*command, database_url=f"sqlite:///{behind}")
    assert line.startswith(
        "Error: The database's schema is behind this version's: run 'planner db upgrade'. It is at "
    )


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def never_migrated(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """A database with no tables: an empty file on SQLite, an empty schema on PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "empty.db"
        sqlite3.connect(path).close()
        yield f"sqlite:///{path}"
        return
    admin = request.getfixturevalue("pg_engine")  # skips, saying why, without PostgreSQL
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    yield f"{PG_URL}{'&' if '?' in PG_URL else '?'}options=-csearch_path%3D{SCHEMA}"
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA {SCHEMA} CASCADE"))


@pytest.mark.parametrize("command", USING, ids=ids(USING))
def test_every_command_refuses_a_database_never_migrated(command, never_migrated):
    """The schema is asked about once a command has failed on it, so it costs a working
    command nothing; the answer is the one ``planner serve`` gives."""
    line = one_line_refusal(*command, database_url=never_migrated)
    assert line == "Error: The database has no schema yet: run 'planner db upgrade'."


def test_a_table_missing_from_a_current_schema_is_a_bug_and_keeps_its_traceback(
    sqlite_template, tmp_path
):
    path = tmp_path / "planner.db"
    shutil.copy(sqlite_template, path)
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("DROP TABLE api_tokens")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}", "PLANNER_SECRET_KEY": "test"}
    done = subprocess.run(
        [str(PLANNER), *USING[1]], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1
    assert "Traceback" in done.stderr and "no such table: api_tokens" in done.stderr


def test_a_backup_with_no_folder_to_go_to_and_an_unknown_revision_are_refused(
    sqlite_template, tmp_path
):
    shutil.copy(sqlite_template, tmp_path / "planner.db")
    database_url = f"sqlite:///{tmp_path / 'planner.db'}"
    nowhere = tmp_path / "missing" / "b.db"
    line = one_line_refusal("db", "backup", str(nowhere), database_url=database_url)
    assert line == f"Error: Cannot write the backup to {nowhere}: No such file or directory."
    line = one_line_refusal("db", "upgrade", "--revision", "garbage", database_url=database_url)
    assert line == "Error: Can't locate revision identified by 'garbage'"


def test_an_export_to_a_folder_that_is_not_there_exits_2(app, rep, tmp_path):
    nowhere = tmp_path / "missing" / "x.ics"
    result = PlannerRunner(app).invoke(["export-ics", "--all", "-o", str(nowhere)])
    assert result.exit_code == 2
    assert (
        result.output == f"Error: Could not open file {str(nowhere)!r}: No such file or directory\n"
    )
