from __future__ import annotations

from flask import Response, request
from flask.views import MethodView
from werkzeug.exceptions import UnsupportedMediaType

from app.api.spec import Blueprint, documents_errors
from app.db import session
from app.downloads import attachment
from app.feed_jobs import fetch_policy, refresh_and_commit
from app.principal import principal, require_admin
from app.problems import PROBLEM_JSON, FeedConflictProblemSchema
from app.ratelimits import FEED_REFRESH_LIMIT, per_workspace
from app.schemas.feeds import (
    FeedListSchema,
    FeedQuerySchema,
    FeedSchema,
    OpmlImportSchema,
    RefreshSummarySchema,
)
from core.errors import InvalidValue
from feeds import articles_db, subscriptions_db
from feeds.models import Feed

blp = Blueprint("feeds", __name__, url_prefix="/api/v1/feeds", description="Feed subscriptions")

OPML_TYPES = ("text/xml", "application/xml", "text/x-opml")
OPML_FORM_FIELD = "file"
OPML_REQUEST = {
    "required": True,
    "description": "An OPML file as Feedly, Inoreader or Miniflux export it: either uploaded "
    f"as the form field `{OPML_FORM_FIELD}`, or sent as the raw body. Folders become tags.",
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": [OPML_FORM_FIELD],
                "properties": {OPML_FORM_FIELD: {"type": "string", "format": "binary"}},
            }
        },
        **{mimetype: {"schema": {"type": "string"}} for mimetype in OPML_TYPES},
    },
}
OPML_RESPONSE = {
    "200": {
        "description": "OPML 2.0: one folder per tag, tags also in each outline's category.",
        "content": {"text/x-opml": {"schema": {"type": "string"}}},
    }
}
ALREADY_SUBSCRIBED = {
    "schema": FeedConflictProblemSchema,
    "content_type": PROBLEM_JSON,
    "description": "The workspace already follows that feed: `url` is it as stored, and "
    "`errors` names `url`.",
}
FEED_FIELDS = tuple(name for name in FeedSchema._declared_fields if name != "article_count")


def _dump(feeds: list[Feed]) -> list[dict]:
    """Feeds with their article counts, counted in one query for the whole page."""
    counts = articles_db.feed_article_counts(session(), [feed.id for feed in feeds])
    return [
        {
            **{name: getattr(feed, name) for name in FEED_FIELDS},
            "article_count": counts.get(feed.id, 0),
        }
        for feed in feeds
    ]


@blp.route("")
class Feeds(MethodView):
    @blp.arguments(FeedQuerySchema, location="query")
    @blp.response(200, FeedListSchema)
    @documents_errors(blp)
    def get(self, query):
        """List the workspace's feeds with their polling status, oldest first, a page at a
        time; `total` counts them all."""
        feeds, total = subscriptions_db.page_feeds(
            session(), principal().workspace_id, query["limit"], query["offset"]
        )
        return {"items": _dump(feeds), "total": total}

    @blp.arguments(FeedSchema)
    @blp.created(FeedSchema, "feeds.FeedById", feed_id="id")
    @blp.alt_response(409, **ALREADY_SUBSCRIBED)
    @documents_errors(blp, 413, 415)
    def post(self, data):
        """Subscribe the team to a feed (admins); its first fetch is due at once."""
        require_admin("add feeds")
        interval = data.pop("interval_minutes")
        feed = subscriptions_db.create_feed(
            session(), principal().workspace_id, policy=fetch_policy(), **data
        )
        if interval is not None:
            subscriptions_db.update_feed(
                session(), feed.workspace_id, feed.id, interval_minutes=interval
            )
        session().commit()
        return _dump([feed])[0]


@blp.route("/<int:feed_id>")
class FeedById(MethodView):
    @blp.response(200, FeedSchema)
    @documents_errors(blp, 404)
    def get(self, feed_id):
        return _dump([subscriptions_db.get_feed(session(), principal().workspace_id, feed_id)])[0]

    @blp.arguments(FeedSchema(partial=True))
    @blp.response(200, FeedSchema)
    @blp.alt_response(409, **ALREADY_SUBSCRIBED)
    @documents_errors(blp, 404, 413, 415)
    def patch(self, data, feed_id):
        """Change url, title, tags, enabled or interval (admins); re-enabling clears the
        error count."""
        require_admin("change feeds")
        feed = subscriptions_db.update_feed(
            session(), principal().workspace_id, feed_id, policy=fetch_policy(), **data
        )
        session().commit()
        return _dump([feed])[0]

    @blp.response(204)
    @documents_errors(blp, 404)
    def delete(self, feed_id):
        """Unsubscribe the team (admins); articles already stored stay."""
        require_admin("remove feeds")
        subscriptions_db.delete_feed(session(), principal().workspace_id, feed_id)
        session().commit()


@blp.route("/<int:feed_id>/refresh", methods=["POST"])
@blp.response(200, RefreshSummarySchema)
@documents_errors(blp, 404)
@per_workspace(FEED_REFRESH_LIMIT)
def refresh(feed_id):
    """Fetch the feed now, whether due or not. A failed fetch is still a 200: it is recorded
    on the feed (last_error, error_count) and counted in `errors`."""
    feed = subscriptions_db.get_feed(session(), principal().workspace_id, feed_id)
    summary = refresh_and_commit(session(), feed, fetch_policy())
    return {**vars(summary), "feed": _dump([feed])[0]}


@blp.route("/import", methods=["POST"])
@blp.doc(requestBody=OPML_REQUEST)
@blp.response(200, OpmlImportSchema)
@documents_errors(blp, 413, 415, 422)
def import_opml():
    """Subscribe to every feed in an OPML file (admins); feeds already subscribed gain its
    tags. A file listing more feeds than one import takes (2,000 unless configured) is a 422
    on `file`, and nothing is subscribed."""
    require_admin("import feeds")
    summary = subscriptions_db.import_opml(
        session(), principal().workspace_id, _opml_upload(), policy=fetch_policy()
    )
    session().commit()
    return {
        "created": summary.created,
        "updated": summary.updated,
        "skipped": [{"url": url, "reason": reason} for url, reason in summary.skipped],
    }


def _opml_upload() -> bytes:
    if request.mimetype == "multipart/form-data":
        upload = request.files.get(OPML_FORM_FIELD)
        if upload is None:
            raise InvalidValue(OPML_FORM_FIELD, "Attach the OPML file as this form field.")
        return upload.read()
    if request.mimetype in OPML_TYPES:
        return request.get_data()
    raise UnsupportedMediaType(
        f"Send the OPML file as multipart/form-data (field '{OPML_FORM_FIELD}') "
        f"or as a raw body of type {', '.join(OPML_TYPES)}."
    )


@blp.route("/export")
@blp.doc(responses=OPML_RESPONSE)
@documents_errors(blp)
def export_opml():
    """Every feed of the workspace as OPML, importable here and by other readers."""
    body = subscriptions_db.export_opml(session(), principal().workspace_id)
    return attachment(Response(body, mimetype="text/x-opml"), "value-planner-feeds", "opml")
