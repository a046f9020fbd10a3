"""The suggestion lists each process keeps for PLANNER_SUGGESTIONS_CACHE_SECONDS, shared by the
API and the pages (schedules.suggestions_db.ListingCache)."""

from __future__ import annotations

from flask import Flask, current_app

from schedules import suggestions_db


def init_app(app: Flask) -> None:
    app.extensions["planner_suggestions"] = suggestions_db.ListingCache(
        app.config["SUGGESTIONS_CACHE_SECONDS"]
    )


def kept() -> suggestions_db.ListingCache:
    return current_app.extensions["planner_suggestions"]
