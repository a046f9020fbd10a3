from __future__ import annotations

import datetime as dt

from app import suggestion_lists
from app.api.spec import Blueprint, documents_errors
from app.db import session
from app.principal import acting_owner, principal
from app.schemas.suggestions import (
    FeedbackListSchema,
    FeedbackRequestSchema,
    FeedbackSchema,
    PlanRequestSchema,
    PlanSchema,
    SuggestionListSchema,
    SuggestionQuerySchema,
)
from core.db import utcnow
from schedules import audiences_db, feedback_db, ranking, staggering, suggestions_db, times

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
    audience by you, or dismissed by you for it; among the first ten, a feed's articles past
    its second count a quarter of their score; each story once
    (other feeds that carried it in ``also_in``). An empty list says why in ``empty``. Each
    item carries your verdict on it (``feedback``), null when none was given, and the
    colleagues who post it to the audience (``planned_by``): one a colleague shares within a
    week of now comes after the others (``staggered_until``).

    A list asked for again is answered as ranked then, for up to a minute
    (PLANNER_SUGGESTIONS_CACHE_SECONDS): any change it was ranked from (an article stored, a
    feed, the audience or its posts edited, a dismissal or verdict) shows at once; only its
    ages and freshness may lag by that long.
    """
    now = utcnow()
    found = suggestions_db.listing(
        session(),
        principal().workspace_id,
        audience_id,
        owner_id=principal().user_id,
        limit=query["limit"],
        since=query.get("since"),
        now=now,
        cache=suggestion_lists.kept(),
    )
    return {"items": [_dump(s, now) for s in found.suggestions], "empty": found.empty}


def _dump(s: ranking.Suggestion, now: dt.datetime) -> dict:
    return {
        **{k: getattr(s, k) for k in ("article_id", "title", "url", "published_at", "score",
                                      "relevance", "matched_keywords", "age_days", "also_in",
                                      "reasons", "planned_by")},
        "feed": {"id": s.feed_id, "title": s.feed_title},
        "feedback": s.feedback,
        "staggered_until": staggering.held_until(s.planned_by, now),
    }  # fmt: skip


@blp.route("/<int:audience_id>/suggestions/<int:article_id>/dismiss", methods=["POST"])
@blp.response(204)
@documents_errors(blp, 404)
def dismiss(audience_id, article_id):
    """Stop suggesting this article to you for the audience (harmless to repeat)."""
    me = principal()
    suggestions_db.dismiss(session(), me.workspace_id, audience_id, article_id, me.user_id)
    session().commit()


@blp.route("/<int:audience_id>/suggestions/<int:article_id>/dismiss", methods=["DELETE"])
@blp.response(204)
@documents_errors(blp, 404)
def undismiss(audience_id, article_id):
    """Undo a dismissal: the article may be suggested again."""
    me = principal()
    suggestions_db.undismiss(session(), me.workspace_id, audience_id, article_id, me.user_id)
    session().commit()


@blp.route("/<int:audience_id>/suggestions/<int:article_id>/feedback", methods=["POST"])
@blp.arguments(FeedbackRequestSchema)
@blp.response(200, FeedbackSchema)
@documents_errors(blp, 404)
def give_feedback(data, audience_id, article_id):
    """Say whether the article is useful for the audience; its ranking learns from it.

    One verdict per article: a new one replaces the old, the same one again changes nothing.
    Unlike a dismissal, a verdict does not hide the article.
    """
    workspace_id = principal().workspace_id
    verdict = feedback_db.record_feedback(
        session(), workspace_id, audience_id, article_id, data["verdict"], utcnow()
    )
    session().commit()
    return verdict


@blp.route("/<int:audience_id>/suggestions/<int:article_id>/feedback", methods=["DELETE"])
@blp.response(204)
@documents_errors(blp, 404)
def undo_feedback(audience_id, article_id):
    """Take the verdict back (harmless to repeat); the ranking forgets it."""
    feedback_db.undo_feedback(session(), principal().workspace_id, audience_id, article_id)
    session().commit()


@blp.route("/<int:audience_id>/feedback")
@blp.response(200, FeedbackListSchema)
@documents_errors(blp, 404)
def list_feedback(audience_id):
    """The rep's verdicts on this audience's suggestions, newest first.

    Scheduled or published articles also count as useful to the ranking without being listed.
    """
    return {"items": feedback_db.list_feedback(session(), principal().workspace_id, audience_id)}


@blp.route("/<int:audience_id>/plan", methods=["POST"])
@blp.arguments(PlanRequestSchema)
@blp.response(200, PlanSchema)
@documents_errors(blp, 404)
def plan(data, audience_id):
    """Fill every empty cadence slot of yours (or, for admins, the ``owner_id`` rep's) in
    [from, to) with a draft give from the best unused suggestion published since ``since``
    (as the suggestions list reads it); slots already filled (or drafted) are left alone, so
    repeating adds nothing.

    A slot prefers an article no colleague posts within a week of it; when only such an
    article is left, the slot still gets it and says so (``planned_by``, ``note``)."""
    workspace_id = principal().workspace_id
    owner_id = acting_owner(data.get("owner_id"))
    audience = audiences_db.get_audience(session(), workspace_id, audience_id)
    zone = audience.timezone
    result = suggestions_db.plan(
        session(),
        workspace_id,
        audience_id,
        times.parse_when("from", data["start"], zone),
        times.parse_when("to", data["end"], zone),
        owner_id=owner_id,
        since=times.parse_when("since", data.get("since"), zone),
    )
    session().commit()
    return {
        "filled": [
            {
                "slot": slot,
                "post": post,
                "planned_by": result.clashes.get(slot, ()),
                "note": result.notes.get(slot),
            }
            for slot, post in result.filled
        ],
        "unfilled": [{"slot": slot, "reason": reason} for slot, reason in result.unfilled],
    }
