"""``planner db backup`` and ``planner db restore``: consistent while the service writes, and a
restore brings back exactly what was backed up."""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import threading
from contextlib import closing

import pytest

from app import create_app
from core import accounts_db
from core.db import Base
from tests.helpers import PlannerRunner

TABLES = [table.name for table in Base.metadata.sorted_tables]


def counts(path) -> dict[str, int]:
    with closing(sqlite3.connect(path)) as connection:
        return {t: connection.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def sqlite_app(path, tmp_path):
    app = create_app({"DATABASE_URL": f"sqlite:///{path}", "SECRET_KEY": "t"})
    app.instance_path = str(tmp_path / "instance")
    return app


def test_backup_while_writing_then_restore_into_a_fresh_database(sqlite_template, tmp_path):
    live = tmp_path / "live.db"
    shutil.copy(sqlite_template, live)
    app = sqlite_app(live, tmp_path)
    writer = app.extensions["planner_db"].writer
    stop = threading.Event()
    written = []

    def keep_writing() -> None:  # each user and its token are one transaction
        while not stop.is_set():
            with writer() as session:
                accounts_db.create_user(session, "Acme", f"u{len(written)}@acme.example", "rep")
                session.commit()
            written.append(1)

    thread = threading.Thread(target=keep_writing)
    thread.start()
    try:
        while len(written) < 20:
            stop.wait(0.01)
        result = PlannerRunner(app).invoke(args=["db", "backup", str(tmp_path / "b.db")])
        during = len(written)
        while len(written) < during + 20:  # the service went on writing after the backup
            stop.wait(0.01)
    finally:
        stop.set()
        thread.join()
    assert result.exit_code == 0, result.output
    saved = counts(tmp_path / "b.db")
    assert 20 <= saved["users"] <= during
    assert saved["api_tokens"] == saved["users"], "the backup caught half a transaction"
    assert counts(live)["users"] == len(written) > saved["users"]

    fresh = tmp_path / "fresh.db"
    shutil.copy(sqlite_template, fresh)
    restored_app = sqlite_app(fresh, tmp_path)
    result = PlannerRunner(restored_app).invoke(
        args=["db", "restore", "--yes", str(tmp_path / "b.db")]
    )
    assert result.exit_code == 0, result.output
    assert counts(fresh) == saved
    for app_ in (app, restored_app):
        app_.extensions["planner_db"].engine.dispose()


def test_restore_refuses_a_file_that_is_not_a_planner_backup(sqlite_template, tmp_path):
    live = tmp_path / "live.db"
    shutil.copy(sqlite_template, live)
    app = sqlite_app(live, tmp_path)
    runner = PlannerRunner(app)
    before = counts(live)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    for candidate in (junk, empty, tmp_path / "missing.db"):
        result = runner.invoke(args=["db", "restore", "--yes", str(candidate)])
        assert result.exit_code == 2, result.output
        assert "Error:" in result.output
    assert counts(live) == before
    app.extensions["planner_db"].engine.dispose()


def one_error_line(result) -> str:
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    return lines[0]


def test_backup_replaces_an_existing_file_only_with_force(sqlite_template, tmp_path):
    live = tmp_path / "live.db"
    shutil.copy(sqlite_template, live)
    app = sqlite_app(live, tmp_path)
    runner = PlannerRunner(app)
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes")
    refused = one_error_line(runner.invoke(args=["db", "backup", str(notes)]))
    assert f"{notes} already exists" in refused and "--force" in refused
    assert notes.read_text() == "my notes"

    forced = runner.invoke(args=["db", "backup", "--force", str(notes)])
    assert forced.exit_code == 0, forced.output
    assert counts(notes) == counts(live)
    itself = runner.invoke(args=["db", "backup", "--force", str(live)])
    assert "is the database itself" in one_error_line(itself)
    app.extensions["planner_db"].engine.dispose()


def test_backup_writes_through_a_symbolic_link_and_never_to_other_kinds_of_file(
    sqlite_template, tmp_path
):
    live = tmp_path / "live.db"
    shutil.copy(sqlite_template, live)
    app = sqlite_app(live, tmp_path)
    runner = PlannerRunner(app)
    (tmp_path / "2025-03-01.db").write_text("yesterday's")
    latest = tmp_path / "latest.db"
    latest.symlink_to("2025-03-01.db")
    assert "--force" in one_error_line(runner.invoke(args=["db", "backup", str(latest)]))
    forced = runner.invoke(args=["db", "backup", "--force", str(latest)])
    assert forced.exit_code == 0, forced.output
    assert latest.is_symlink() and counts(tmp_path / "2025-03-01.db") == counts(live)

    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    to_pipe = tmp_path / "to-pipe"
    to_pipe.symlink_to(pipe)
    for special in (pipe, to_pipe):
        for force in ([], ["--force"]):
            refused = one_error_line(runner.invoke(args=["db", "backup", *force, str(special)]))
            assert "is not a regular file" in refused
    assert stat.S_ISFIFO(pipe.stat().st_mode) and to_pipe.is_symlink()
    assert not list(tmp_path.glob(".*partial"))
    app.extensions["planner_db"].engine.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
@pytest.mark.parametrize("command", ["backup", "restore"])
def test_postgresql_is_pointed_to_pg_dump(app, database_url, command, tmp_path):
    args = ["db", command, str(tmp_path / "x.dump")] + (["--yes"] if command == "restore" else [])
    result = PlannerRunner(app).invoke(args=args)
    assert result.exit_code == 2
    assert "pg_dump" in result.output and "pg_restore" in result.output
