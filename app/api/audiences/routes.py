from __future__ import annotations

import datetime as dt

from flask.views import MethodView

from app.api.spec import Blueprint, documents_errors
from app.db import session
from app.principal import owner_filter, principal, require_admin
from app.problems import GiveBeforeAskProblemSchema
from app.schemas.audiences import (
    AudienceListSchema,
    AudienceQuerySchema,
    AudienceSchema,
    RatioQuerySchema,
    RatioSchema,
    SlotListSchema,
    SlotQuerySchema,
)
from core.errors import InvalidValue
from schedules import audiences_db, explain, slots_db, timeline_db, times

blp = Blueprint(
    "audiences", __name__, url_prefix="/api/v1/audiences", description="Target audiences"
)

RULE_CONFLICT = {
    "schema": GiveBeforeAskProblemSchema,
    "content_type": "application/problem+json",
    "description": "The change would leave an ask without enough gives before it.",
}


@blp.route("")
class Audiences(MethodView):
    @blp.arguments(AudienceQuerySchema, location="query")
    @blp.response(200, AudienceListSchema)
    @documents_errors(blp)
    def get(self, query):
        """List the workspace's audiences."""
        found = audiences_db.list_audiences(session(), principal().workspace_id)
        page = found[query["offset"] : query["offset"] + query["limit"]]
        return {"items": page, "total": len(found)}

    @blp.arguments(AudienceSchema)
    @blp.created(AudienceSchema, "audiences.AudienceById", audience_id="id")
    @documents_errors(blp, 409, 413)
    def post(self, data):
        """Create an audience with its cadence and give-before-ask policy (admins)."""
        require_admin("create audiences")
        audience = audiences_db.create_audience(session(), principal().workspace_id, **data)
        session().commit()
        return audience


@blp.route("/<int:audience_id>")
class AudienceById(MethodView):
    @blp.response(200, AudienceSchema)
    @documents_errors(blp, 404)
    def get(self, audience_id):
        return audiences_db.get_audience(session(), principal().workspace_id, audience_id)

    @blp.arguments(AudienceSchema(partial=True))
    @blp.response(200, AudienceSchema)
    @blp.alt_response(409, **RULE_CONFLICT)
    @documents_errors(blp, 404, 413)
    def patch(self, data, audience_id):
        """Change an audience (admins); a stricter policy is refused if it would uncover any
        rep's ask."""
        require_admin("change audiences and their policy")
        audience = audiences_db.update_audience(
            session(), principal().workspace_id, audience_id, data
        )
        session().commit()
        return audience

    @blp.response(204)
    @documents_errors(blp, 404, 409)
    def delete(self, audience_id):
        """Delete an audience with all its posts (admins).

        Touches linked to its published gives stay; those linked to gives not yet out go, and
        while a one-to-one ask relies on one the deletion is refused (409)."""
        require_admin("delete audiences")
        audiences_db.delete_audience(session(), principal().workspace_id, audience_id)
        session().commit()


@blp.route("/<int:audience_id>/slots")
@blp.arguments(SlotQuerySchema, location="query")
@blp.response(200, SlotListSchema)
@documents_errors(blp, 404)
def slots(query, audience_id):
    """Thought-leadership slots in a range, each with your give that fills it or null (admins:
    ``owner``'s, or any rep's for all)."""
    audience = audiences_db.get_audience(session(), principal().workspace_id, audience_id)
    owner_id = owner_filter(query.get("owner"), "slots")
    zone = audience.timezone
    start = times.parse_when("from", query.get("start"), zone) or _today(zone)
    end = times.parse_when("to", query.get("end"), zone) or _year_after(start)
    found = slots_db.slots(session(), audience, owner_id, start, end)
    return {
        "timezone": zone,
        "items": [
            {"at": at, "local": times.local_iso(at, zone), "post": post} for at, post in found
        ],
    }


def _year_after(start: dt.datetime) -> dt.datetime:
    try:
        return start + dt.timedelta(days=366)
    except OverflowError:  # from=9999-12-31: no calendar goes that far
        raise InvalidValue("from", "Too late: the calendar ends in 9999.") from None


def _today(zone: str) -> dt.datetime:
    return times.parse_when("from", dt.date.today().isoformat(), zone)


@blp.route("/<int:audience_id>/ratio")
@blp.arguments(RatioQuerySchema, location="query")
@blp.response(200, RatioSchema)
@documents_errors(blp, 404)
def ratio(query, audience_id):
    """Your next ask's cover, and what a new ask of yours needs: your gives (within the
    lookback) since the ask it would follow, gives still needed and the earliest date from now
    that would pass. The rule is per rep: admins may name one with ``owner``."""
    audience = audiences_db.get_audience(session(), principal().workspace_id, audience_id)
    owner_id = owner_filter(query.get("owner"), "standing")
    if owner_id is None:
        raise InvalidValue("owner", "The ratio is each rep's own: name one rep.")
    standing = timeline_db.ratio(session(), audience, owner_id)
    return {
        **vars(standing),
        "next_ask": standing.next_ask,
        "no_date_reason": explain.no_date(standing.no_date),
        "min_days_between_asks": audience.min_days_between_asks,
    }
