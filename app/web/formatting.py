"""Dates in pages and forms: the domain's wording of instants (``schedules.times``) as template
filters, and the values of date and time inputs."""

from __future__ import annotations

import datetime as dt

from flask import Flask

from schedules.times import day, local, when


def form_moment(at: dt.datetime | None, timezone: str) -> tuple[str, str]:
    """A date and a time input's values for ``at``, rounded up to the minute the inputs hold
    (rounding down could land before the instant the rule allows); blanks for None."""
    if at is None:
        return "", ""
    if at.second or at.microsecond:
        at = at.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    moment = local(at, timezone)
    return f"{moment:%Y-%m-%d}", f"{moment:%H:%M}"


def init_app(app: Flask) -> None:
    app.jinja_env.filters["day"] = day
    app.jinja_env.filters["when"] = when
    app.jinja_env.filters["local"] = local
