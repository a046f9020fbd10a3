"""``planner run`` and ``planner dev``: Flask's and its extensions' commands, which need the app.

They expect Flask's ``ScriptInfo`` as the click context object; it is made here from the
command's :class:`~app.runtime.Runtime`, so they build the same app, with the same settings.
"""

from __future__ import annotations

import functools
from typing import Any

import click
import flask.cli
from flask.cli import ScriptInfo, routes_command, run_command, shell_command
from flask_limiter.commands import cli as limiter_cli
from flask_smorest.spec import openapi_cli
from werkzeug.serving import run_simple

from app import settings
from app.dev_server import ProblemRequestHandler
from app.runtime import Runtime, require_current_schema


class _WithApp:
    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra
    ) -> click.Context:
        runtime = parent.find_object(Runtime) if parent else None
        extra.setdefault("obj", ScriptInfo(create_app=(runtime or Runtime()).flask_app))
        return super().make_context(info_name, args, parent, **extra)  # type: ignore[misc]


class AppCommandGroup(_WithApp, click.Group):
    pass


class AppCommand(_WithApp, click.Command):
    pass


def _copy(command: click.Command, **attrs: Any) -> AppCommand:
    attrs.setdefault("callback", command.callback)
    return AppCommand(command.name, params=command.params, help=command.help, **attrs)


def _run(**options: Any) -> Any:
    require_current_schema(settings.read().database_url)
    assert run_command.callback is not None
    # Flask's command has no option for the request handler, and a copy of its body (loading
    # the app, the reloader's error handling, the banner) would drift from Flask's: its call
    # to run_simple gets the handler here instead.
    flask.cli.run_simple = functools.partial(run_simple, request_handler=ProblemRequestHandler)
    try:
        return run_command.callback(**options)
    finally:
        flask.cli.run_simple = run_simple


run = _copy(
    run_command,
    callback=_run,
    short_help="Run the development server (planner serve for production).",
)


@click.group(cls=AppCommandGroup)
def dev() -> None:
    """Developer tools: routes, shell, OpenAPI document."""


dev.add_command(routes_command)
dev.add_command(shell_command)
dev.add_command(openapi_cli)
dev.add_command(limiter_cli, "limiter")
