"""The managers' team page: who needs help, then each rep's figures per audience."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import render_template, request

from app.team_view import read_team, workspace_timezone
from app.web.blueprint import blp
from core.errors import InvalidValue
from schedules import team, team_db

CHART_WIDTH = 240  # the bars' full width in the SVG's own units; CSS scales it to the column


@dataclass(frozen=True)
class Bar:
    """One stacked bar: a label, and two parts' counts and widths (a zero total draws none)."""

    label: str
    first: int
    second: int

    @property
    def first_width(self) -> float:
        total = self.first + self.second
        return round(CHART_WIDTH * self.first / total, 1) if total else 0

    @property
    def second_width(self) -> float:
        total = self.first + self.second
        return CHART_WIDTH - self.first_width if total else 0


def bars(rep: team_db.RepRow) -> tuple[Bar, Bar, str]:
    """A rep's chart: slots filled against open, value posts against asks, and it in words."""
    t = rep.totals
    words = (
        f"{t.slots_filled} of {t.slots_open + t.slots_filled} slots filled; "
        f"{team.plural(t.gives, 'value post')} and {team.plural(t.asks, 'ask')}"
    )
    return Bar("Slots", t.slots_filled, t.slots_open), Bar("Posts", t.gives, t.asks), words


@blp.get("/team")
def team_page():
    """Admins only: a rep gets an HTML 403 saying who can, never the API's JSON.

    The form's window runs from one day through another (the API's ``to`` is exclusive, a
    manager's "until" is not), each on the workspace's clock.
    """
    values = {"from": request.args.get("from", ""), "until": request.args.get("until", "")}
    try:
        first = _date("from", values["from"], "2027-03-01")
        view = read_team(first and first.isoformat(), _day_after(first, values["until"]))
    except InvalidValue as error:
        # By the form's own fields: the API's "to" is the day after "Until".
        field = "until" if error.field == "to" else error.field
        page = render_template(
            "web/team.html",
            view=None,
            timezone=workspace_timezone(),
            values=values,
            errors={field: error.message},
        )
        return page, 422
    first, last = team.window_days(view.start, view.end, view.timezone)
    values = {"from": first.isoformat(), "until": last.isoformat()}
    return render_template(
        "web/team.html", view=view, timezone=view.timezone, values=values, errors={}, bars=bars
    )


def _day_after(first: dt.date | None, until: str) -> str | None:
    """The API's exclusive ``to`` for the form's "Until (included)", which may be ``first``."""
    last = _date("until", until, "2027-03-31")
    if last is None:
        return None
    if first is not None and last < first:
        raise InvalidValue("until", "Must be on or after From.")
    try:
        return (last + dt.timedelta(days=1)).isoformat()
    except OverflowError:
        raise InvalidValue(
            "until", "Too close to the calendar's limits (years 1 to 9999)."
        ) from None


def _date(field: str, text: str, example: str) -> dt.date | None:
    """A date field's day; refused in the field's own words, not the API's date and time."""
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidValue(field, f"Must be a date such as {example}.") from None
