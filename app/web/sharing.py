"""Publishing a scheduled give with a link from any page that lists it: LinkedIn's share box,
the text to paste and "Mark as published" (the ``share_actions`` macro in ``_macros.html``)."""

from __future__ import annotations

from flask import Flask

from schedules import utm
from schedules.models import Audience, Post


def share_of(post: Post, audience: Audience) -> dict[str, str] | None:
    """LinkedIn's share address and the text to paste, the link tagged as the audience says;
    None for anything but a scheduled give with a link (nothing there to share)."""
    if post.kind != "give" or post.status != "scheduled" or not post.url:
        return None
    link = utm.tag(post.url, utm.of_audience(audience), audience.name, post.id) or post.url
    return {
        "url": utm.linkedin_share_url(link),
        "text": utm.share_text(post.body or post.title, link),
    }


def init_app(app: Flask) -> None:
    app.jinja_env.globals["share_of"] = share_of
