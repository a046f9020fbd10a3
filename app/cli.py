"""Value Planner's command line: give before you ask.

Plan value posts per audience, keep feeds of articles to share, and schedule asks only when
enough value has come before them. Settings come from the environment (DATABASE_URL, ...).
"""

from __future__ import annotations

import errno
import gc
import importlib
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from app.runtime import Runtime

# Each command's module is imported only when it runs (or its own help is shown), so printing
# this list or running one command never pays for the others. The summaries are the commands'
# first help lines; tests/cli/test_cli.py checks that they agree.
COMMANDS = {
    "audiences": ("app.audiences_cli:audiences", "Audiences: list them, show one with its ratio."),
    "posts": ("app.audiences_cli:posts", "An audience's posts, with its give-before-ask ratio."),
    "export-ics": (
        "app.calendar_cli:export_ics",
        "Write audience calendars as an RFC 5545 .ics file: one rep's, or the whole team's.",
    ),
    "feeds": (
        "app.feeds_cli:feeds_group",
        "Feed subscriptions: list, add, remove, refresh, poll, embed.",
    ),
    "worker": (
        "app.worker_cli:worker",
        "Refresh due feeds, deliver webhooks and forget old form keys until SIGTERM or Ctrl-C.",
    ),
    "users": ("app.users_cli:users", "Users and their API tokens."),
    "contacts": (
        "app.contacts_cli:contacts",
        "Contacts: import LinkedIn's Connections.csv or a plain CSV, export them as one.",
    ),
    "db": ("app.db_cli:db", "Database schema, backup and restore."),
    "demo": ("app.db_cli:demo", "Demo data for trying the service."),
    "serve": ("app.serve_cli:serve", "Serve the app under gunicorn."),
    "run": ("app.dev_cli:run", "Run the development server (planner serve for production)."),
    "dev": ("app.dev_cli:dev", "Developer tools: routes, shell, OpenAPI document."),
}


class Planner(click.Group):
    """The ``planner`` group: its own commands, loaded on demand, and no Flask options."""

    # Only in the console script, one command per process: a test or a program invoking the
    # group many times in one process must keep collecting what each run left behind.
    freeze_imports = False

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module, attribute = COMMANDS[name][0].split(":")
        command = getattr(importlib.import_module(module), attribute)
        if self.freeze_imports:
            # What the imports built (SQLAlchemy's and the models' hundreds of thousands of
            # objects) lives as long as the process, so collecting during them (main() turned
            # that off) found nothing to free. Frozen, no collection walks it again, nor the
            # ones at exit, which cost more than a short command's work (~0.1 s of export-ics).
            # What the command makes is collected as before, so its database connections still
            # close (SQLite folds its WAL back into the file) and its files flush.
            gc.freeze()
            gc.enable()
        return command

    def invoke(self, ctx: click.Context) -> Any:
        # A setting or the database is read when a command first needs it, so a bad value
        # surfaces from inside the command: one line and exit status 2, as runtime.fail says
        # every refusal (imported only on failure, as _refusal's modules are).
        try:
            return super().invoke(ctx)
        except click.FileError as error:
            # An output file that cannot be written (click opens it lazily, so click's own
            # exit status 1) is bad input, as an input file that cannot be read already is.
            error.exit_code = 2
            raise
        except OSError as error:
            # So is output that cannot be written once opened (a full disk, standard output
            # to /dev/full), raised by any command's writes or by closing its output file.
            # A closed pipe (``| head``) stays click's: a quiet exit.
            if error.errno not in UNWRITABLE:
                raise
            from app.runtime import fail

            fail(f"The output cannot be written: {error.strerror}.")
        except Exception as error:
            message = _refusal(error, ctx.obj)
            if message is None:
                raise
            from app.runtime import fail

            fail(message)

    def summary(self, name: str) -> str:
        return COMMANDS[name][1]

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, self.summary(name)) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


# What a write answers when its data cannot be stored: a full disk or quota, a file past its
# size limit, a failing device, a read-only file system.
UNWRITABLE = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EROFS})


def _refusal(error: Exception, runtime: Runtime | None) -> str | None:
    """What to tell the operator about a bad setting, an unreachable database or one whose
    schema is not this version's (never migrated, say); None for anything else, which is a bug
    and keeps its traceback. Imported only on failure: the commands that never fail this way
    need not load SQLAlchemy."""
    from sqlalchemy.exc import DBAPIError

    from app.settings import SettingError
    from core.db import driver_message, is_unavailable

    if isinstance(error, SettingError):
        return str(error)
    if is_unavailable(error):
        return f"The database is unavailable: {driver_message(error)}"
    if isinstance(error, DBAPIError) and runtime is not None:
        return runtime.schema_problem()
    return None


@click.group(cls=Planner, help=__doc__)
@click.version_option(package_name="value-planner", prog_name="planner")
def cli() -> None:
    pass


def main() -> None:
    """The ``planner`` console script."""
    cli.freeze_imports = True
    gc.disable()  # until the command is imported: see Planner.get_command
    cli.main(prog_name="planner")
