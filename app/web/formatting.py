"""Dates in pages and forms: the domain's wording of instants (``schedules.times``) as template
filters, and the values of date and time inputs; and what users typed, isolated in sentences."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from markupsafe import Markup, escape

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


def bdi(typed: object) -> Markup:
    """Text a user typed (a name, a title) as one island in the page's sentence: an Arabic or
    Hebrew name must not carry the words beside it into its own direction."""
    return Markup("<bdi>{}</bdi>").format(typed)


def sentence(words: str, **values: object) -> Markup:
    """The page's own ``words`` with each ``{name}`` filled by ``values[name]`` through
    :func:`bdi` (a date or a count loses nothing by it), for a flash message, which keeps its
    markup across the redirect."""
    return escape(words).format(**{name: bdi(value) for name, value in values.items()})


# Noncharacters, which Unicode keeps for a program's own use: they fence what a user typed in a
# sentence the domain builds as plain text (``schedules.explain``), for :func:`isolated`.
_OPEN, _CLOSE = "\ufdd0", "\ufdd1"


def fenced(typed: str) -> str:
    """``typed`` fenced for :func:`isolated`; fences it holds itself are dropped, so each is
    ours."""
    return _OPEN + typed.replace(_OPEN, "").replace(_CLOSE, "") + _CLOSE


def isolated(text: str) -> Markup:
    """A sentence built with :func:`fenced` parts, escaped, with each part in ``<bdi>``, as
    :func:`bdi` shows it."""
    return Markup(str(escape(text)).replace(_OPEN, "<bdi>").replace(_CLOSE, "</bdi>"))


def init_app(app: Flask) -> None:
    app.jinja_env.filters["bdi"] = bdi
    app.jinja_env.filters["day"] = day
    app.jinja_env.filters["when"] = when
    app.jinja_env.filters["local"] = local
