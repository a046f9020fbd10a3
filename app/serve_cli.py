"""``planner serve``: the app under gunicorn (see app.serving)."""

from __future__ import annotations

import dataclasses
import json
import os

import click

from app import serving
from app.settings import SettingError


@click.command("serve")
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
