from __future__ import annotations

from app.api import Blueprint, documents_errors
from app.api.common import principal
from app.api.suggestions.schemas import (
    PlanRequestSchema,
    PlanSchema,
    SuggestionListSchema,
    SuggestionQuerySchema,
)
from app.db import session
from schedules import service, suggestions

blp = Blueprint(
    "suggestions",
    __name__,
    url_prefix="/api/v1/audiences",
    description="Articles worth sharing with an audience, and a calendar that plans itself",
)


@blp.route("/<int:audience_id>/suggestions")
@blp.arguments(SuggestionQuerySchema, location="query")
@blp.response(200, SuggestionListSchema)
@documents_errors(blp, 404)
def list_suggestions(query, audience_id):
    """Recent articles that match the audience's keywords, best first, with the reasons.

    Leaves out articles matching an exclude keyword, already scheduled or published to the
    audience, or dismissed for it; at most two per feed among the first ten, each story once.
    """
    found = suggestions.suggest(
        session(),
        principal().workspace_id,
        audience_id,
        limit=query["limit"],
        since=query.get("since"),
    )
    return {"items": [_dump(s) for s in found]}


def _dump(s: suggestions.Suggestion) -> dict:
    return {
        **{k: getattr(s, k) for k in ("article_id", "title", "url", "published_at", "score",
                                      "relevance", "matched_keywords", "age_days", "reasons")},
        "feed": {"id": s.feed_id, "title": s.feed_title},
    }  # fmt: skip


@blp.route("/<int:audience_id>/suggestions/<int:article_id>/dismiss", methods=["POST"])
@blp.response(204)
@documents_errors(blp, 404)
def dismiss(audience_id, article_id):
    """Stop suggesting this article to the audience (harmless to repeat)."""
    suggestions.dismiss(session(), principal().workspace_id, audience_id, article_id)
    session().commit()


@blp.route("/<int:audience_id>/suggestions/<int:article_id>/dismiss", methods=["DELETE"])
@blp.response(204)
@documents_errors(blp, 404)
def undismiss(audience_id, article_id):
    """Undo a dismissal: the article may be suggested again."""
    suggestions.undismiss(session(), principal().workspace_id, audience_id, article_id)
    session().commit()


@blp.route("/<int:audience_id>/plan", methods=["POST"])
@blp.arguments(PlanRequestSchema)
@blp.response(200, PlanSchema)
@documents_errors(blp, 404)
def plan(data, audience_id):
    """Fill every empty cadence slot in [from, to) with a draft give from the best unused
    suggestion; slots already filled (or drafted) are left alone, so repeating adds nothing."""
    workspace_id = principal().workspace_id
    audience = service.get_audience(session(), workspace_id, audience_id)
    zone = audience.timezone
    result = suggestions.plan(
        session(),
        workspace_id,
        audience_id,
        service.parse_when("from", data["start"], zone),
        service.parse_when("to", data["end"], zone),
    )
    session().commit()
    return {
        "filled": [{"slot": slot, "post": post} for slot, post in result.filled],
        "unfilled": [{"slot": slot, "reason": reason} for slot, reason in result.unfilled],
    }
