"""Suggestions for an audience: share a ranked article in one click, or plan a whole quarter.

The buttons call the same domain functions as ``/api/v1/audiences/<id>/suggestions`` and
``…/plan``. Scheduling always targets the next open slot of the audience's cadence, so a rep
never has to work out a date; when that is refused, the page says why in plain words.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, render_template, request, url_for

from app import suggestion_lists
from app.db import session
from app.principal import principal
from app.web import months
from app.web.blueprint import blp
from app.web.formatting import sentence
from app.web.post_forms import explain_rule, saved_notice
from app.web.reps import viewed_rep
from core.db import MAX_ROW_ID, utcnow
from core.errors import DomainError, NotFound
from feeds.models import Article
from schedules import (
    audiences_db,
    feedback_db,
    ranking,
    refusals,
    slots_db,
    suggestions_db,
)
from schedules.models import Audience, Post
from schedules.times import local, when

NO_OPEN_SLOT = (
    "Your cadence has no open slot in the next year: every slot already has a value post. "
    "Plan this article by hand from the calendar instead."
)


def _found(article_id: int) -> Article | None:
    """This workspace's article, or None for one that does not exist or is another's."""
    article = session().get(Article, article_id) if article_id <= MAX_ROW_ID else None
    return article if article and article.workspace_id == principal().workspace_id else None


def _article(article_id: int) -> Article:
    """This workspace's article, or the same 404 as for one that does not exist."""
    article = _found(article_id)
    if article is None:
        raise NotFound(f"No article {article_id} in this workspace.")
    return article


# The look-back choices of the page's window selector, in days.
WINDOW_DAYS = (7, 30, 60, 180, 365, 3650)


def _list_state() -> dict[str, int]:
    """The page's query that shapes its list (the window, ``?days=``), as far as the selector
    offers it. The buttons' actions carry it, so their redirects and the 422 and plan pages
    show the list the rep was looking at."""
    days = request.args.get("days", type=int)
    return {"days": days} if days in WINDOW_DAYS else {}


def _days(audience: Audience) -> int:
    """The window the rep picked, else the audience's default."""
    return _list_state().get("days", ranking.default_window(audience).days)


def _further_back(empty: suggestions_db.EmptyReason, now: dt.datetime) -> int | None:
    """The smallest window choice that reaches the newest older match, if any does."""
    if empty.newest_older_at is None:
        return None
    needed = (now - empty.newest_older_at).total_seconds() / 86400
    return next((d for d in WINDOW_DAYS if d >= needed), None)


# Below both, an audience reads as typed in a hurry: on the blind sets of such audiences (two to
# four keywords, one sentence) suggestions scored lower, and feedback gained the most.
FEW_KEYWORDS = 5
SHORT_DESCRIPTION_WORDS = 15


def _terse(audience: Audience) -> tuple[int, int] | None:
    """(keywords, description words) of an audience with few of both, None otherwise."""
    keywords = len(audience.keywords)
    words = len((audience.description or "").split())
    return (
        (keywords, words) if keywords < FEW_KEYWORDS and words < SHORT_DESCRIPTION_WORDS else None
    )


def _page(audience: Audience, status: int = 200, **extra):
    now = utcnow()
    days = _days(audience)
    # To the minute: a page reloaded within it is the list this process kept (app.suggestion_lists).
    since = (now - dt.timedelta(days=days)).replace(second=0, microsecond=0)
    workspace_id = audience.workspace_id
    me = viewed_rep()
    listed = suggestions_db.listing(
        session(), workspace_id, audience.id, owner_id=me, since=since, now=now,
        cache=suggestion_lists.kept(),
    )  # fmt: skip
    found, empty = listed.suggestions, listed.empty
    # The suggestions carry their verdicts; only a just-judged article that left the list
    # needs its own read.
    verdicts = {s.article_id: s.feedback for s in found if s.feedback}
    judged = extra.get("judged")
    if judged is not None and judged.id not in verdicts:
        verdicts |= feedback_db.verdicts_for(session(), audience.id, [judged.id])
    page = render_template(
        "web/suggestions.html",
        audience=audience,
        suggestions=found,
        days=days,
        window_days=WINDOW_DAYS,
        empty=empty,
        further_back=_further_back(empty, now) if empty else None,
        verdicts=verdicts,
        terse=_terse(audience) if found else None,
        next_slot=slots_db.next_open_slot(session(), audience, me, now),
        next_quarter=_next_quarter(audience, now),
        verdict_words=VERDICT_WORDS,
        list_state=_list_state(),
        **{"why": [], "plan": None, "dismissed": None, "judged": None, **extra},
    )
    return page, status


def _next_quarter(audience: Audience, now: dt.datetime) -> months.Period:
    today = local(now, audience.timezone).date()
    this = months.period("quarter", None, today)
    return months.period("quarter", this.shifted(1), today)


@blp.get("/audiences/<int:audience_id>/suggestions")
def suggestions_page(audience_id: int):
    audience = audiences_db.get_audience(session(), principal().workspace_id, audience_id)
    # A notice's article may be gone since (deleted, or an old link): the list shows without it.
    dismissed = request.args.get("dismissed", type=int)
    judged = request.args.get("judged", type=int)
    return _page(
        audience,
        dismissed=_found(dismissed) if dismissed else None,
        judged=_found(judged) if judged else None,
    )


@blp.post("/audiences/<int:audience_id>/suggestions/<int:article_id>/schedule")
def schedule_suggestion(audience_id: int, article_id: int):
    """A scheduled give built from the article, in the first open slot from now on; once only,
    however often the form is sent."""
    workspace_id = principal().workspace_id
    try:
        done = suggestions_db.schedule_in_next_slot(
            session(), workspace_id, audience_id, article_id, viewed_rep(), utcnow()
        )
    except NotFound:
        raise  # no such audience or article: the pages' 404
    except DomainError as error:
        session().rollback()
        audience = audiences_db.get_audience(session(), workspace_id, audience_id)
        if isinstance(error, suggestions_db.NoOpenSlot):
            why = [NO_OPEN_SLOT]
        elif isinstance(error, refusals.RuleViolation):
            why = explain_rule(error, audience, None)
        else:
            why = [error.detail]
        return _page(audience, 422, why=why)
    if not done.added:
        session().rollback()  # only the lock's revision bump to undo
        return _already_shared(done.audience, done.post)
    session().commit()
    flash(saved_notice(done.post, done.audience.timezone))
    return _to_month(done.audience, done.post.scheduled_at)


def _already_shared(audience: Audience, post: Post):
    at = when(post.scheduled_at, audience.timezone)
    done = "already scheduled for" if post.status == "scheduled" else "already published on"
    flash(sentence("“{title}” is " + done + " {at}: nothing was added.", title=post.title, at=at))
    return _to_month(audience, post.scheduled_at)


def _to_month(audience: Audience, at: dt.datetime):
    month = f"{local(at, audience.timezone):%Y-%m}"
    return redirect(url_for("web.audience", audience_id=audience.id, start=month), 303)


@blp.post("/audiences/<int:audience_id>/suggestions/<int:article_id>/dismiss")
def dismiss_suggestion(audience_id: int, article_id: int):
    workspace_id = principal().workspace_id
    suggestions_db.dismiss(session(), workspace_id, audience_id, article_id, viewed_rep())
    session().commit()
    # The list page offers Undo for the article named here.
    target = url_for(
        "web.suggestions_page", audience_id=audience_id, **_list_state(), dismissed=article_id
    )
    return redirect(target, 303)


@blp.post("/audiences/<int:audience_id>/suggestions/<int:article_id>/undismiss")
def undismiss_suggestion(audience_id: int, article_id: int):
    workspace_id = principal().workspace_id
    suggestions_db.undismiss(session(), workspace_id, audience_id, article_id, viewed_rep())
    session().commit()
    flash(sentence("“{title}” is back among the suggestions.", title=_article(article_id).title))
    return redirect(url_for("web.suggestions_page", audience_id=audience_id, **_list_state()), 303)


VERDICT_WORDS = {verdict: verdict.replace("_", " ") for verdict in feedback_db.VERDICTS}


@blp.post("/audiences/<int:audience_id>/suggestions/<int:article_id>/feedback")
def suggestion_feedback(audience_id: int, article_id: int):
    """Record Useful or Not useful. The article stays listed, its button pressed, so the rep
    sees the click landed and can take it back; Dismiss is what hides an article."""
    verdict = request.form.get("verdict", "")
    if verdict not in VERDICT_WORDS:
        abort(422, "Choose Useful or Not useful.")
    workspace_id = principal().workspace_id
    feedback_db.record_feedback(session(), workspace_id, audience_id, article_id, verdict, utcnow())
    session().commit()
    # The list page says what was marked, with Undo, as after a dismissal.
    return _back_to(audience_id, article_id, judged=article_id)


@blp.post("/audiences/<int:audience_id>/suggestions/<int:article_id>/feedback/undo")
def undo_suggestion_feedback(audience_id: int, article_id: int):
    feedback_db.undo_feedback(session(), principal().workspace_id, audience_id, article_id)
    session().commit()
    flash(sentence("Took back your verdict on “{title}”.", title=_article(article_id).title))
    return _back_to(audience_id, article_id)


def _back_to(audience_id: int, article_id: int, **args: int):
    # Back to the same card of the same list, so a rep judging a long list keeps their place.
    target = url_for(
        "web.suggestions_page",
        audience_id=audience_id,
        _anchor=f"article-{article_id}",
        **_list_state(),
        **args,
    )
    return redirect(target, 303)


# One rule for both methods: beside a GET-only twin rule, werkzeug answers a POST to an id
# past any row with 405 rather than 404.
@blp.route("/audiences/<int:audience_id>/plan", methods=["GET", "POST"])
def plan_quarter(audience_id: int):
    """Draft a give for every empty slot of the next calendar quarter on the audience's clock,
    from the articles of the window the rep is looking at ("Drafts … from these suggestions").

    Rendered rather than redirected: the result is the answer, and sending the form again is
    harmless because planning twice adds nothing. The result's address opened again (reloaded
    after all, bookmarked, or after signing in) leads to the suggestions in the same window.
    """
    workspace_id = principal().workspace_id
    audience = audiences_db.get_audience(session(), workspace_id, audience_id)
    if request.method == "GET":
        target = url_for("web.suggestions_page", audience_id=audience_id, **_list_state())
        return redirect(target, 303)
    now = utcnow()
    quarter = _next_quarter(audience, now)
    zone = ZoneInfo(audience.timezone)
    start, end = (
        dt.datetime.combine(day, dt.time(), zone).astimezone(dt.UTC)
        for day in (quarter.first, quarter.end)
    )
    since = now - dt.timedelta(days=_days(audience))
    result = suggestions_db.plan(
        session(),
        workspace_id,
        audience_id,
        start,
        end,
        owner_id=viewed_rep(),
        since=since,
        now=now,
    )
    session().commit()
    return _page(audience, plan=result, planned=quarter)
