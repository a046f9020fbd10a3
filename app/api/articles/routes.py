from __future__ import annotations

from app.api.spec import Blueprint, documents_errors
from app.db import session
from app.principal import principal
from app.schemas.articles import ArticleListSchema, ArticleQuerySchema
from feeds import articles_db
from schedules import times

blp = Blueprint("articles", __name__, url_prefix="/api/v1/articles", description="Articles")


@blp.route("")
@blp.arguments(ArticleQuerySchema, location="query")
@blp.response(200, ArticleListSchema)
@documents_errors(blp, 404, 422)
def articles(query):
    """Articles from the workspace's feeds, newest first. An unknown `feed` is a 404."""
    items, total = articles_db.list_articles(
        session(),
        principal().workspace_id,
        feed_id=query.get("feed"),
        tag=query.get("tag"),
        # Read as every other date query is: a 422 naming it, not a 500, past year 9999 in UTC.
        since=times.parse_when("since", query.get("since"), "UTC"),
        q=query.get("q"),
        limit=query["limit"],
        offset=query["offset"],
    )
    return {"items": items, "total": total}
