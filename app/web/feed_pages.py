"""Feeds: subscribe by URL, see how each feed is doing, refresh one now."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from app.api.common import principal
from app.db import session
from app.feed_jobs import fetch_policy, refresh_and_commit
from app.ratelimits import FEED_REFRESH_LIMIT, per_workspace
from app.web import blp
from app.web.forms import field_errors
from core.accounts import Workspace
from core.errors import DomainError, InvalidValue
from feeds import service


def _page(url: str = "", errors: dict[str, str] | None = None):
    workspace_id = principal().workspace_id
    page = render_template(
        "web/feeds.html",
        feeds=service.list_feeds(session(), workspace_id),
        workspace_timezone=session().get(Workspace, workspace_id).timezone,
        url=url,
        errors=errors or {},
    )
    return page, 422 if errors else 200


@blp.get("/feeds")
def feeds_page():
    return _page()


@blp.post("/feeds")
def add_feed():
    url = request.form.get("url", "").strip()
    try:
        if "\x00" in url:
            raise InvalidValue("url", "NUL characters are not allowed.")
        feed = service.create_feed(session(), principal().workspace_id, url, policy=fetch_policy())
        session().commit()
    except InvalidValue as error:
        session().rollback()
        return _page(url, field_errors(error))
    except DomainError as error:  # already subscribed
        session().rollback()
        return _page(url, {"url": error.detail})
    flash(f"Subscribed to {feed.url}. Refresh it to fetch its articles now.")
    return redirect(url_for("web.feeds_page"), 303)


@blp.post("/feeds/<int:feed_id>/refresh")
@per_workspace(FEED_REFRESH_LIMIT)
def refresh_feed(feed_id: int):
    feed = service.get_feed(session(), principal().workspace_id, feed_id)
    summary = refresh_and_commit(session(), feed, fetch_policy())
    if summary.errors:
        flash(f"Could not refresh {feed.title or feed.url}: {feed.last_error}")
    else:
        flash(f"Refreshed {feed.title or feed.url}: {summary.new_articles} new articles.")
    return redirect(url_for("web.feeds_page"), 303)
