"""``planner run`` and ``planner dev``: Flask's and its extensions' commands, which need the app.

They expect Flask's ``ScriptInfo`` as the click context object; it is made here from the
command's :class:`~app.runtime.Runtime`, so they build the same app, with the same settings.
"""

from __future__ import annotations

from typing import Any

import click
from flask.cli import ScriptInfo, routes_command, run_command, shell_command
from flask_limiter.commands import cli as limiter_cli
from flask_smorest.spec import openapi_cli

from app.runtime import Runtime


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
    return AppCommand(
        command.name, callback=command.callback, params=command.params, help=command.help, **attrs
    )


run = _copy(run_command, short_help="Run the development server (planner serve for production).")


@click.group(cls=AppCommandGroup)
def dev() -> None:
    """Developer tools: routes, shell, OpenAPI document."""


dev.add_command(routes_command)
dev.add_command(shell_command)
dev.add_command(openapi_cli)
dev.add_command(limiter_cli, "limiter")
