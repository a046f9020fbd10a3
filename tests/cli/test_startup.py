"""What a command imports: help and database commands never pay for Flask, argon2 or the API.

Not a timing test (bench/bench_startup.py measures the time); these modules are what made
``planner --help`` take over a second, so their absence is what keeps it fast.
"""

from __future__ import annotations

import os
import subprocess
import sys

from sqlalchemy import select

from schedules.webhooks.models import WebhookEvent
from tests.api.helpers import CONNECTIONS, add_contact
from tests.cli.helpers import PLANNER, REPO
from tests.helpers import make_audience

HEAVY = ("flask", "flask_smorest", "argon2", "app.api", "app.web", "gunicorn", "httpx")
# The API's schemas: the webhook outbox, which watches a command's first write session, makes
# its payloads with them only at its first event.
SCHEMAS = ("app.schemas.posts", "app.schemas.contacts", "marshmallow")
# What reading a calendar has no use for: the outbox (nothing is written), the one-to-one rules
# and the post-editing code.
WRITE_PATHS = ("app.webhook_outbox", "schedules.contacts.people_db", "schedules.posts_db")
# What a command against SQLite has no use for: PostgreSQL's dialect and driver.
POSTGRESQL = ("sqlalchemy.dialects.postgresql", "psycopg")
PROBE = """
import sys
from app.cli import cli
try:
    cli.main(sys.argv[1:], prog_name="planner")
except SystemExit as done:
    assert not done.code, done.code
print("loaded:", ",".join(m for m in {heavy!r} if m in sys.modules), file=sys.stderr)
"""


def loaded_by(
    *args: str, database_url: str = "sqlite:///unused.db", among: tuple[str, ...] = HEAVY
) -> list[str]:
    """Which of the modules ``among`` the command ``planner args`` imported."""
    env = {**os.environ, "DATABASE_URL": database_url, "PLANNER_SECRET_KEY": "test"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=among), *args],
        cwd=REPO, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    line = done.stderr.strip().splitlines()[-1]
    return [name for name in line.removeprefix("loaded:").split(",") if name]


def test_help_and_version_load_none_of_the_app():
    assert loaded_by("--help", among=HEAVY + POSTGRESQL) == []
    assert loaded_by("--version", among=HEAVY + POSTGRESQL) == []


def test_export_ics_loads_no_web_framework_nor_an_unused_dialect(app, rep, database_url, tmp_path):
    make_audience(rep, name="Empty")
    output = tmp_path / "empty.ics"
    args = ("export-ics", "--audience", "Empty", "--workspace", "Acme Sales", "-o", str(output))
    sqlite = database_url.startswith("sqlite")
    among = HEAVY + SCHEMAS + WRITE_PATHS + (POSTGRESQL if sqlite else ())
    assert loaded_by(*args, database_url=database_url, among=among) == []
    assert output.read_bytes().startswith(b"BEGIN:VCALENDAR")


DANA = "https://www.linkedin.com/in/dana-whitfield"


def test_a_command_in_its_own_process_still_records_the_events_of_what_it_writes(
    app, rep, database_url
):
    """The outbox watches the write sessions from the first one on, not from start-up: a
    command that writes (an import that accepts a pending contact) must still leave its event."""
    audience = make_audience(rep)
    add_contact(rep, audience, name="Dana Whitfield", profile_url=DANA)
    env = {**os.environ, "DATABASE_URL": database_url, "PLANNER_SECRET_KEY": "test"}
    subprocess.run(
        [str(PLANNER), "contacts", "import", str(CONNECTIONS),
         "--owner", "rep@acme.example"],
        env=env, capture_output=True, check=True,
    )  # fmt: skip
    with app.extensions["planner_db"].reader() as session:
        events = session.execute(select(WebhookEvent.type, WebhookEvent.payload)).all()
    assert [(type_, payload["data"]["contact"]["name"]) for type_, payload in events] == [
        ("contact.stage_changed", "Dana Whitfield")
    ]


def test_the_console_script_still_closes_what_its_command_opened(tmp_path):
    """The script freezes what its imports built (app/cli.py says why); the command's own
    connections must still close, or SQLite leaves committed rows in a -wal file that a copy
    of planner.db alone would miss."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'planner.db'}"}
    env["PLANNER_SECRET_KEY"] = "test"
    planner = str(PLANNER)
    for args in (
        ("db", "upgrade"),
        ("users", "create", "--workspace", "W", "--email", "a@b.example"),
    ):
        subprocess.run([planner, *args], env=env, capture_output=True, check=True)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["planner.db", "planner.db-writers"]
