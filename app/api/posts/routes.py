from __future__ import annotations

from flask.views import MethodView

from app.api.audiences.routes import RULE_CONFLICT
from app.api.spec import Blueprint, documents_errors
from app.db import session
from app.downloads import csv_documented, csv_download
from app.principal import acting_owner, owner_filter, owner_scope, principal
from app.schemas.posts import (
    PostExportQuerySchema,
    PostListSchema,
    PostQuerySchema,
    PostSchema,
)
from schedules import posts_db, spreadsheet, spreadsheet_db

blp = Blueprint("posts", __name__, url_prefix="/api/v1", description="Gives and asks")


@blp.route("/audiences/<int:audience_id>/posts")
class Posts(MethodView):
    @blp.arguments(PostQuerySchema, location="query")
    @blp.response(200, PostListSchema)
    @documents_errors(blp, 404)
    def get(self, query, audience_id):
        """List your posts for an audience by time, optionally within a range, kind and
        status; admins may name a rep (a deactivated one too), or all for the team, with
        ``owner``."""
        posts, total = posts_db.list_posts(
            session(),
            principal().workspace_id,
            audience_id,
            start=query.get("start"),
            end=query.get("end"),
            kind=query.get("kind"),
            status=query.get("status"),
            owner_id=owner_filter(query.get("owner"), "posts"),
            limit=query["limit"],
            offset=query["offset"],
            plain=True,
        )
        return {"items": posts, "total": total}

    @blp.arguments(PostSchema)
    @blp.created(PostSchema, "posts.PostById", post_id="id")
    @blp.alt_response(409, **RULE_CONFLICT)
    @documents_errors(blp, 404, 413)
    def post(self, data, audience_id):
        """Create a post on your calendar (admins: ``owner_id``'s); an ask is refused unless
        enough gives of that rep's come before it."""
        owner_id = acting_owner(data.pop("owner_id", None))
        post = posts_db.create_post(
            session(), principal().workspace_id, audience_id, data, owner_id
        )
        session().commit()
        return post


@blp.route("/posts/<int:post_id>")
class PostById(MethodView):
    @blp.response(200, PostSchema)
    @documents_errors(blp, 404)
    def get(self, post_id):
        return posts_db.get_post(session(), principal().workspace_id, post_id, owner_scope())

    @blp.arguments(PostSchema(partial=True))
    @blp.response(200, PostSchema)
    @blp.alt_response(409, **RULE_CONFLICT)
    @documents_errors(blp, 404, 413)
    def patch(self, data, post_id):
        """Edit, move, reschedule, cancel or (admins) reassign a post; refused if it would
        uncover an ask on either rep's timeline."""
        if "owner_id" in data:
            acting_owner(data["owner_id"])  # only admins move a post to another rep
        post = posts_db.update_post(
            session(), principal().workspace_id, post_id, data, owner_scope()
        )
        session().commit()
        return post

    @blp.response(204)
    @blp.alt_response(409, **RULE_CONFLICT)
    @documents_errors(blp, 404)
    def delete(self, post_id):
        """Delete a post; deleting a give that an ask relies on is refused."""
        posts_db.delete_post(session(), principal().workspace_id, post_id, owner_scope())
        session().commit()


CSV_RESPONSE = csv_documented(
    "a header row: "
    + ", ".join(spreadsheet.COLUMNS)
    + ". Dates and times on each post's audience's clock, the time with its UTC offset "
    "(ISO 8601, 09:30+02:00); cells a spreadsheet would run as a formula are prefixed with "
    "an apostrophe."
)


@blp.route("/posts/export.csv")
@blp.arguments(PostExportQuerySchema, location="query")
@blp.doc(responses=CSV_RESPONSE)
@documents_errors(blp)
def export_posts(query):
    """Your posts of every audience as a CSV for spreadsheets, one row a post, optionally
    within a range (naive bounds on the workspace's clock); admins may name a rep, or all for
    the team, with ``owner``."""
    rows = spreadsheet_db.post_rows(
        session(),
        principal().workspace_id,
        start=query.get("start"),
        end=query.get("end"),
        owner_id=owner_filter(query.get("owner"), "posts"),
    )
    return csv_download(spreadsheet.posts_csv(rows), "value-planner-posts")
