"""Value Planner's command line: give before you ask.

Plan value posts per audience, keep feeds of articles to share, and schedule asks only when
enough value has come before them. Settings come from the environment (DATABASE_URL, ...).
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import os
import sys
from importlib.metadata import version
from typing import NoReturn

import click

from app import serving
from app.runtime import Runtime
from app.settings import SettingError
from core.errors import DomainError

# Each command's module is imported only when it runs (or its own help is shown), so printing
# this list or running one command never pays for the others. The summaries are the commands'
# first help lines; tests/cli/test_cli.py checks that they agree.
COMMANDS = {
    "audiences": ("app.audiences_cli:audiences", "Audiences: list them, show one with its ratio."),
    "posts": ("app.audiences_cli:posts", "An audience's posts, with its give-before-ask ratio."),
    "export-ics": (
        "app.audiences_cli:export_ics",
        "Write audience calendars as an RFC 5545 .ics file.",
    ),
    "feeds": ("app.feeds_cli:feeds_group", "Feed subscriptions: list, add, remove, refresh, poll."),
    "users": ("app.users_cli:users", "Users and their API tokens."),
    "db": ("app.db_cli:db", "Database schema, backup and restore."),
    "demo": ("app.db_cli:demo", "Demo data for trying the service."),
    "run": ("app.dev_cli:run", "Run the development server (planner serve for production)."),
    "dev": ("app.dev_cli:dev", "Developer tools: routes, shell, OpenAPI document."),
}


class Planner(click.Group):
    """The ``planner`` group: its own commands, loaded on demand, and no Flask options."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMANDS, *self.commands})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.commands:
            return self.commands[name]
        if name not in COMMANDS:
            return None
        module, attribute = COMMANDS[name][0].split(":")
        return getattr(importlib.import_module(module), attribute)

    def summary(self, name: str) -> str:
        if name in COMMANDS:
            return COMMANDS[name][1]
        return self.commands[name].get_short_help_str()

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, self.summary(name)) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=Planner, help=__doc__)
@click.version_option(version("value-planner"), prog_name="planner")
@click.pass_context
def cli(ctx: click.Context) -> None:
    ctx.ensure_object(Runtime)


pass_runtime = click.make_pass_decorator(Runtime, ensure=True)


def fail(error: DomainError | str) -> NoReturn:
    """Bad input: one line on standard error and exit status 2, as click does for bad usage."""
    click.echo(f"Error: {error.detail if isinstance(error, DomainError) else error}", err=True)
    sys.exit(2)


@cli.command("serve")
@serving.cli_options
@click.option("--print-config", is_flag=True, help="Print the resolved settings and exit.")
def serve(print_config: bool, **given) -> None:
    """Serve the app under gunicorn. Options win over PLANNER_* variables."""
    try:
        settings = serving.resolve(os.environ, given)
    except SettingError as error:
        raise click.UsageError(str(error)) from None
    if print_config:
        click.echo(json.dumps(dataclasses.asdict(settings), indent=2))
        return
    serving.run(settings)


def main() -> None:
    cli.main(prog_name="planner")
