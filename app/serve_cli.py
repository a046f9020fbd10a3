"""``planner serve``: the app under gunicorn (see app.serving)."""

from __future__ import annotations

import dataclasses
import json

import click

from app import serving, settings
from app.runtime import require_current_schema


@click.command("serve")
@serving.cli_options
@click.option("--print-config", is_flag=True, help="Print the resolved settings and exit.")
def serve(print_config: bool, **given) -> None:
    """Serve the app under gunicorn. Options win over PLANNER_* variables."""
    # A bad setting raises SettingError, which Planner.invoke says in one line, as for every
    # command (a click.UsageError would add Usage and Try lines to a setting's mistake).
    current = settings.read(serve_options=given)
    if print_config:
        click.echo(json.dumps(dataclasses.asdict(current.serve), indent=2))
        return
    require_current_schema(current.database_url)
    serving.run(current)
