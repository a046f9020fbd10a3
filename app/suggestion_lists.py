"""Suggestion lists shared by the API and the pages: each process keeps those it ranked for
PLANNER_SUGGESTIONS_CACHE_SECONDS (schedules.suggestions_db.ListingCache)."""

from __future__ import annotations

import datetime as dt

from flask import Flask, current_app

from app.db import session
from schedules import suggestions_db


def init_app(app: Flask) -> None:
    app.extensions["planner_suggestions"] = suggestions_db.ListingCache(
        app.config["SUGGESTIONS_CACHE_SECONDS"]
    )


def listing(
    workspace_id: int,
    audience_id: int,
    *,
    owner_id: int | None,
    since: str | dt.datetime | None,
    now: dt.datetime,
    limit: int = suggestions_db.DEFAULT_LIMIT,
) -> suggestions_db.Listing:
    return suggestions_db.listing(
        session(), workspace_id, audience_id, owner_id=owner_id, limit=limit, since=since,
        now=now, cache=current_app.extensions["planner_suggestions"],
    )  # fmt: skip
