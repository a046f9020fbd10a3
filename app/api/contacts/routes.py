from __future__ import annotations

from flask import request
from flask.views import MethodView
from marshmallow import ValidationError

from app.api.spec import Blueprint, documents_errors
from app.db import session
from app.downloads import csv_documented, csv_download
from app.principal import acting_owner, owner_filter, owner_scope, principal
from app.problems import RelationshipProblemSchema, flatten_validation
from app.schemas.contacts import (
    ConnectionRequestSchema,
    ContactExportQuerySchema,
    ContactImportFormSchema,
    ContactImportSchema,
    ContactListSchema,
    ContactQuerySchema,
    ContactSchema,
    DirectAskSchema,
    TouchListSchema,
    TouchSchema,
)
from app.schemas.posts import PostListSchema, PostSchema
from core.errors import InvalidValue
from schedules.contacts import asks_db, contacts_db, exporting, importing, touches_db

blp = Blueprint(
    "contacts", __name__, url_prefix="/api/v1/contacts", description="Contacts and direct asks"
)

RELATIONSHIP_CONFLICT = {
    "schema": RelationshipProblemSchema,
    "content_type": "application/problem+json",
    "description": "Type /problems/relationship-guard: the person has not been given enough "
    "yet; each unmet condition says what would satisfy it. Type /problems/give-before-ask "
    "(see the posts API) when only the audience rule refuses.",
}
GUARD_CONFLICT = {
    "schema": RelationshipProblemSchema,
    "content_type": "application/problem+json",
    "description": "The change would leave a one-to-one ask to this person uncovered.",
}


@blp.route("")
class Contacts(MethodView):
    @blp.arguments(ContactQuerySchema, location="query")
    @blp.response(200, ContactListSchema)
    @documents_errors(blp, 404)
    def get(self, query):
        """List your contacts by name, optionally of one audience or at one stage; admins may
        name a rep (a deactivated one too) or all with ``owner``."""
        query["owner_id"] = owner_filter(query.pop("owner", None), "contacts")
        found, total = contacts_db.list_contacts(session(), principal().workspace_id, **query)
        return {"items": found, "total": total}

    @blp.arguments(ContactSchema)
    @blp.created(ContactSchema, "contacts.ContactById", contact_id="id")
    @documents_errors(blp, 409, 413)
    def post(self, data):
        """Add a contact; give an accepted_at to record an existing connection."""
        owner_id = acting_owner(data.pop("owner_id", None))
        contact = contacts_db.create_contact(session(), principal().workspace_id, data, owner_id)
        session().commit()
        return contacts_db.standing(session(), contact)


IMPORT_FILE_FIELD = "file"
IMPORT_REQUEST = {
    "required": True,
    "description": "LinkedIn's Connections.csv as its data export writes it (Notes, BOM and "
    "all), or a CSV with the header name,profile_url,company,title (optional columns: email, "
    "accepted_at, audience; separated by commas, semicolons or tabs), uploaded as the form "
    "field `file`.",
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": [IMPORT_FILE_FIELD],
                "properties": {
                    IMPORT_FILE_FIELD: {"type": "string", "format": "binary"},
                    "owner_id": {
                        "type": "integer",
                        "minimum": 1,
                        "description": "Whose contacts (admins); default: yours.",
                    },
                    "audience_id": {
                        "type": "integer",
                        "minimum": 1,
                        "description": "The audience of the new contacts.",
                    },
                },
            }
        }
    },
}


@blp.route("/import", methods=["POST"])
@blp.doc(requestBody=IMPORT_REQUEST)
@blp.response(200, ContactImportSchema)
@documents_errors(blp, 409, 413, 415, 422)
def import_contacts():
    """Import contacts from LinkedIn's Connections.csv or a plain CSV, matched to yours by
    profile URL (updated, not duplicated). Rows that cannot be imported are skipped, each with
    its line and reason; the rest go in together, in one transaction. A file that is not such
    a CSV is a 422 saying what was expected."""
    try:
        form = ContactImportFormSchema().load(request.form.to_dict())
    except ValidationError as error:
        first = flatten_validation({"form": error.messages})[0]
        raise InvalidValue(first["field"], first["message"]) from None
    if request.mimetype != "multipart/form-data":
        raise InvalidValue(IMPORT_FILE_FIELD, "Upload the file as multipart/form-data.")
    upload = request.files.get(IMPORT_FILE_FIELD)
    if upload is None:
        raise InvalidValue(IMPORT_FILE_FIELD, "Attach the CSV file as this form field.")
    owner_id = acting_owner(form.get("owner_id"))
    report = contacts_db.import_contacts(
        session(),
        principal().workspace_id,
        importing.parse(upload.read()),
        owner_id,
        form.get("audience_id"),
    )
    session().commit()
    return report


CSV_RESPONSE = csv_documented(
    "the header "
    + ",".join(importing.PLAIN_COLUMNS)
    + ": the plain CSV POST /api/v1/contacts/import reads back unchanged. accepted_at is "
    "the day the person connected on the contact's audience's clock (UTC without one), "
    "audience the audience's name; cells a spreadsheet would run as a formula are prefixed "
    "with an apostrophe, which the import drops."
)


@blp.route("/export.csv")
@blp.arguments(ContactExportQuerySchema, location="query")
@blp.doc(responses=CSV_RESPONSE)
@documents_errors(blp)
def export_contacts(query):
    """Your contacts as a CSV for spreadsheets, one row a contact by name, in the columns the
    import reads; admins may name a rep (a deactivated one too), or all for the team, with
    ``owner``."""
    rows = contacts_db.contact_rows(
        session(), principal().workspace_id, owner_filter(query.get("owner"), "contacts")
    )
    return csv_download(exporting.contacts_csv(rows), "value-planner-contacts")


@blp.route("/<int:contact_id>")
class ContactById(MethodView):
    @blp.response(200, ContactSchema)
    @documents_errors(blp, 404)
    def get(self, contact_id):
        contact = contacts_db.get_contact(
            session(), principal().workspace_id, contact_id, owner_scope()
        )
        return contacts_db.standing(session(), contact)

    @blp.arguments(ContactSchema(partial=True))
    @blp.response(200, ContactSchema)
    @blp.alt_response(409, **GUARD_CONFLICT)
    @documents_errors(blp, 404, 413)
    def patch(self, data, contact_id):
        """Edit a contact or record the acceptance; refused if it would uncover an ask."""
        if "owner_id" in data:
            acting_owner(data["owner_id"])  # only admins hand a contact to another rep
        contact = contacts_db.update_contact(
            session(), principal().workspace_id, contact_id, data, owner_scope()
        )
        session().commit()
        return contacts_db.standing(session(), contact)

    @blp.response(204)
    @documents_errors(blp, 404, 409)
    def delete(self, contact_id):
        """Delete a contact with its touches and its one-to-one asks.

        409 when someone added an ask for the contact meanwhile: try again.
        """
        contacts_db.delete_contact(session(), principal().workspace_id, contact_id, owner_scope())
        session().commit()


@blp.route("/<int:contact_id>/connection-request", methods=["POST"])
@blp.arguments(ConnectionRequestSchema)
@blp.response(200, ContactSchema)
@documents_errors(blp, 404, 409, 413)
def connection_request(data, contact_id):
    """Record a connection request; one without a personal note is refused with 422."""
    contact = contacts_db.record_connection_request(
        session(),
        principal().workspace_id,
        contact_id,
        data["note"],
        data.get("requested_at"),
        owner_scope(),
    )
    session().commit()
    return contacts_db.standing(session(), contact)


@blp.route("/<int:contact_id>/touches")
class Touches(MethodView):
    @blp.response(200, TouchListSchema)
    @documents_errors(blp, 404)
    def get(self, contact_id):
        """The gives aimed at this person, by date."""
        return {
            "items": touches_db.list_touches(
                session(), principal().workspace_id, contact_id, owner_scope()
            )
        }

    @blp.arguments(TouchSchema)
    @blp.created(TouchSchema, "contacts.TouchById", contact_id="contact_id", touch_id="id")
    @documents_errors(blp, 404, 413)
    def post(self, data, contact_id):
        """Record a give aimed at this person: what earns a one-to-one ask."""
        touch = touches_db.add_touch(
            session(), principal().workspace_id, contact_id, data, owner_scope()
        )
        session().commit()
        return touch


@blp.route("/<int:contact_id>/touches/<int:touch_id>")
class TouchById(MethodView):
    @blp.response(200, TouchSchema)
    @documents_errors(blp, 404)
    def get(self, contact_id, touch_id):
        return touches_db.get_touch(
            session(), principal().workspace_id, contact_id, touch_id, owner_scope()
        )

    @blp.arguments(TouchSchema(partial=True))
    @blp.response(200, TouchSchema)
    @blp.alt_response(409, **GUARD_CONFLICT)
    @documents_errors(blp, 404, 413)
    def patch(self, data, contact_id, touch_id):
        """Edit a touch; re-dating one that a scheduled ask relies on is refused."""
        touch = touches_db.update_touch(
            session(), principal().workspace_id, contact_id, touch_id, data, owner_scope()
        )
        session().commit()
        return touch

    @blp.response(204)
    @blp.alt_response(409, **GUARD_CONFLICT)
    @documents_errors(blp, 404)
    def delete(self, contact_id, touch_id):
        """Delete a touch; refused while an ask relies on it (cancel the ask to free it)."""
        touches_db.delete_touch(
            session(), principal().workspace_id, contact_id, touch_id, owner_scope()
        )
        session().commit()


@blp.route("/<int:contact_id>/asks")
class DirectAsks(MethodView):
    @blp.response(200, PostListSchema)
    @documents_errors(blp, 404)
    def get(self, contact_id):
        """This person's one-to-one asks, any status; change or cancel them as posts."""
        found = asks_db.list_asks(session(), principal().workspace_id, contact_id, owner_scope())
        return {"items": found, "total": len(found)}

    @blp.arguments(DirectAskSchema)
    @blp.created(PostSchema, "posts.PostById", post_id="id")
    @blp.alt_response(409, **RELATIONSHIP_CONFLICT)
    @documents_errors(blp, 404, 413)
    def post(self, data, contact_id):
        """Schedule a one-to-one ask; refused until the person has been given enough."""
        post = asks_db.create_ask(
            session(), principal().workspace_id, contact_id, data, owner_scope()
        )
        session().commit()
        return post
