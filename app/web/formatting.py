"""Dates as reps read them: always on the audience's wall clock, spelled out, no UTC offsets."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import Flask


def local(at: dt.datetime, timezone: str) -> dt.datetime:
    return at.astimezone(ZoneInfo(timezone))


def day(
    at: dt.datetime | dt.date, timezone: str | None = None, today: dt.date | None = None
) -> str:
    """``14 March`` this year, ``14 March 2026`` otherwise: the year only when it matters."""
    if isinstance(at, dt.datetime):
        at = local(at, timezone or "UTC").date()
    today = today or dt.date.today()
    text = f"{at.day} {at:%B}"
    return text if at.year == today.year else f"{text} {at.year}"


def when(at: dt.datetime, timezone: str) -> str:
    """``Tue 14 March, 09:00``."""
    moment = local(at, timezone)
    return f"{moment:%a} {day(moment.date())}, {moment:%H:%M}"


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
