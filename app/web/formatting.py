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


def init_app(app: Flask) -> None:
    app.jinja_env.filters["day"] = day
    app.jinja_env.filters["when"] = when
    app.jinja_env.filters["local"] = local
