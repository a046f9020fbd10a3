"""Feeds: subscribe by URL, see how each feed is doing, refresh, rename, tag, turn off, remove.

The same domain functions as ``/api/v1/feeds`` do the work, so the page and the API refuse
the same things with the same words; as there, a rep reads and refreshes the team's feeds, and
only admins add, change or remove them (a rep's form gets the 403 page naming the admins).
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from app.db import session
from app.feed_jobs import fetch_policy, refresh_and_commit
from app.principal import principal, require_admin
from app.ratelimits import FEED_REFRESH_LIMIT, per_workspace
from app.web.blueprint import blp
from app.web.formatting import sentence
from app.web.forms import field_errors
from core.errors import DomainError, InvalidValue
from core.models import Workspace
from feeds import articles_db, subscriptions_db
from feeds.models import Feed


def _page(url: str = "", errors: dict[str, str] | None = None, editing: dict | None = None):
    """The list; ``editing`` keeps what was typed into one feed's edit form that was refused."""
    workspace_id = principal().workspace_id
    feeds = subscriptions_db.list_feeds(session(), workspace_id)
    page = render_template(
        "web/feeds.html",
        feeds=feeds,
        article_counts=articles_db.feed_article_counts(session(), [feed.id for feed in feeds]),
        workspace_timezone=session().get(Workspace, workspace_id).timezone,
        url=url,
        errors=errors or {},
        editing=editing or {},
    )
    return page, 422 if errors else 200


def _name(feed: Feed) -> str:
    return feed.title or feed.url


def _back():
    return redirect(url_for("web.feeds_page"), 303)


@blp.get("/feeds")
def feeds_page():
    return _page()


@blp.post("/feeds")
def add_feed():
    require_admin("add feeds")
    url = request.form.get("url", "").strip()
    try:
        if "\x00" in url:
            raise InvalidValue("url", "NUL characters are not allowed.")
        feed = subscriptions_db.create_feed(
            session(), principal().workspace_id, url, policy=fetch_policy()
        )
        session().commit()
    except InvalidValue as error:
        session().rollback()
        return _page(url, field_errors(error))
    except DomainError as error:  # already subscribed
        session().rollback()
        return _page(url, {"url": error.detail})
    flash(f"Subscribed to {feed.url}. Refresh it to fetch its articles now.")
    return _back()


@blp.post("/feeds/<int:feed_id>")
def edit_feed(feed_id: int):
    """Rename and tag: tags are typed comma-separated, as people write them."""
    require_admin("change feeds")
    title = request.form.get("title", "")
    tags = request.form.get("tags", "")
    try:
        for field, value in (("title", title), ("tags", tags)):
            if "\x00" in value:
                raise InvalidValue(field, "NUL characters are not allowed.")
        feed = subscriptions_db.update_feed(
            session(), principal().workspace_id, feed_id, title=title, tags=tags.split(",")
        )
        session().commit()
    except InvalidValue as error:
        session().rollback()
        errors = field_errors(error, {"title": f"title-{feed_id}", "tags": f"tags-{feed_id}"})
        return _page(errors=errors, editing={"id": feed_id, "title": title, "tags": tags})
    flash(sentence("Saved {name}.", name=_name(feed)))
    return _back()


@blp.post("/feeds/<int:feed_id>/enabled")
def switch_feed(feed_id: int):
    require_admin("change feeds")
    enabled = request.form.get("enabled") == "on"
    feed = subscriptions_db.update_feed(
        session(), principal().workspace_id, feed_id, enabled=enabled
    )
    session().commit()
    if enabled:
        flash(sentence("Turned {name} on: it is fetched again from now.", name=_name(feed)))
    else:
        flash(
            sentence("Turned {name} off: it is not fetched until you turn it on.", name=_name(feed))
        )
    return _back()


@blp.post("/feeds/<int:feed_id>/delete")
def delete_feed(feed_id: int):
    require_admin("remove feeds")
    feed = subscriptions_db.get_feed(session(), principal().workspace_id, feed_id)
    name = _name(feed)
    subscriptions_db.delete_feed(session(), feed.workspace_id, feed.id)
    session().commit()
    flash(
        sentence(
            "Unsubscribed from {name}. Its articles stay, with any posts made from them.", name=name
        )
    )
    return _back()


@blp.post("/feeds/<int:feed_id>/refresh")
@per_workspace(FEED_REFRESH_LIMIT)
def refresh_feed(feed_id: int):
    feed = subscriptions_db.get_feed(session(), principal().workspace_id, feed_id)
    summary = refresh_and_commit(session(), feed, fetch_policy())
    if summary.errors:
        flash(
            sentence("Could not refresh {name}: {error}", name=_name(feed), error=feed.last_error)
        )
    else:
        flash(
            sentence(
                "Refreshed {name}: {count} new articles.",
                name=_name(feed),
                count=summary.new_articles,
            )
        )
    return _back()
