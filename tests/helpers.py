"""Small request builders so tests read as the user's actions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from click.testing import CliRunner, Result
from sqlalchemy import Engine, event

from app.cli import cli
from app.runtime import Runtime

PASSWORD = "correct horse battery"  # the web password test users sign in with


class PlannerRunner(CliRunner):
    """``planner`` run in-process against a test app, with that app's settings and database."""

    def __init__(self, app) -> None:
        super().__init__()
        self.app = app

    def invoke(self, args: list[str], **kwargs: Any) -> Result:
        return super().invoke(cli, args, obj=Runtime(self.app), **kwargs)


def make_audience(caller, **fields: Any) -> dict[str, Any]:
    body = {
        "name": "CFOs",
        "timezone": "Europe/Berlin",
        "keywords": ["pricing"],
        "cadence": {"frequency": "monthly", "week": 2, "weekday": "TU", "time": "09:00"},
        **fields,
    }
    response = caller.post("/api/v1/audiences", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def post(caller, audience_id: int, kind: str, at: str | None, **fields: Any):
    body = {
        "kind": kind,
        "type": "shared_article" if kind == "give" else "meeting_request",
        "title": f"{kind} at {at}",
        "scheduled_at": at,
        **fields,
    }
    return caller.post(f"/api/v1/audiences/{audience_id}/posts", json=body)


def give(caller, audience_id: int, at: str, **fields: Any) -> dict[str, Any]:
    response = post(caller, audience_id, "give", at, **fields)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def ask(caller, audience_id: int, at: str, **fields: Any):
    return post(caller, audience_id, "ask", at, **fields)


@contextmanager
def statements_run(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements ``engine`` runs meanwhile, for tests that count reads."""
    statements: list[str] = []

    def keep(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", keep)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", keep)
