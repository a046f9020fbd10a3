"""Publishing a scheduled give with a link from any page that lists it: LinkedIn's share box,
the text to paste and "Mark as published" (the ``share_actions`` macro in ``_macros.html``)."""

from __future__ import annotations

from flask import Flask, g

from schedules import utm
from schedules.models import Audience, Post


def share_of(post: Post, audience: Audience) -> dict[str, str] | None:
    """LinkedIn's share address and the text to paste, the link tagged as the audience says;
    None for anything but a scheduled give with a link (nothing there to share)."""
    if post.kind != "give" or post.status != "scheduled" or not post.url:
        return None
    link = utm.tag(post.url, _tagging(audience), audience.name, post.id) or post.url
    return {
        "url": utm.linkedin_share_url(link),
        "text": utm.share_text(post.body or post.title, link),
    }


def _tagging(audience: Audience) -> utm.UtmSettings:
    """The audience's UTM settings, validated once a request: a calendar page shares many
    posts of one audience, and the home page a few of each."""
    if "utm_tagging" not in g:
        g.utm_tagging = {}
    if audience.id not in g.utm_tagging:
        g.utm_tagging[audience.id] = utm.of_audience(audience)
    return g.utm_tagging[audience.id]


def init_app(app: Flask) -> None:
    app.jinja_env.globals["share_of"] = share_of
