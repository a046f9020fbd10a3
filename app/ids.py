"""Row ids in URLs: ``<int:...>`` on every route (API, pages, calendars) takes only what some
row could have, so any other number is a 404 before the database is asked."""

from __future__ import annotations

from werkzeug.routing import IntegerConverter

from core.db import MAX_ROW_ID


class RowIdConverter(IntegerConverter):
    """``<int:...>`` as ASCII digits from 1 to the INTEGER columns' bound.

    Werkzeug's own takes any digits (``\\d`` matches U+0661, ARABIC-INDIC DIGIT ONE, which int()
    reads as 1) of any size, and an id past the columns overflows the driver: a 500, not a 404.
    """

    regex = r"[0-9]+"

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ROW_ID)
        super().__init__(map, *args, **kwargs)
