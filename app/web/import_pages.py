"""Importing files from the pages: LinkedIn's Connections.csv (or a plain CSV) into the viewed
rep's contacts, and an OPML subscription list into the team's feeds (admins, as in the API).

The same domain functions and bounds as ``POST /api/v1/contacts/import`` and
``/api/v1/feeds/import`` do the work, so the pages refuse what the API refuses, in its words;
a refused file comes back on its form with the reason under the file input. The answer is a
page listing what was added and each row skipped with why: too long for a notice, and sending
it again adds nothing twice (rows and feeds are matched by profile URL and feed URL).
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import current_app, g, render_template, request
from marshmallow import ValidationError
from werkzeug.exceptions import RequestEntityTooLarge

from app.db import session
from app.feed_jobs import fetch_policy
from app.principal import principal, require_admin
from app.schemas.contacts import ContactImportFormSchema
from app.web.blueprint import blp, error_page
from app.web.forms import clean, field_errors, typed
from app.web.reps import viewed_rep, viewing_another
from core.errors import DomainError, Forbidden, InvalidValue
from feeds import subscriptions_db
from feeds.opml import FILE_FIELD  # "file", as importing.parse names it too
from schedules import audiences_db
from schedules.contacts import contacts_db, importing

# Importing into a deactivated rep (an admin viewing them) is refused about the whole form.
OWNER_INPUT = {"owner_id": "form"}


def _file() -> tuple[str, bytes]:
    """The uploaded file's name and bytes; a browser sends an empty name when none is chosen."""
    upload = request.files.get(FILE_FIELD)
    if upload is None or not upload.filename:
        raise InvalidValue(FILE_FIELD, "Choose the file to import.")
    return upload.filename, upload.read()


def _mib(size: int) -> str:
    return f"{size / 2**20:g}"


def _refused(
    error: ValidationError | DomainError, inputs: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The form's errors: a field's own (the file, the audience), else the whole form's."""
    if isinstance(error, (ValidationError, InvalidValue)):
        return field_errors(error, inputs)
    named = error.extra.get("errors") or [{"field": "form"}]  # unsafe XML names the file
    return {named[0]["field"]: error.detail}


# ---------------------------------------------------------------- contacts


def _contacts_form(values: Mapping[str, str], errors=None, status: int | None = None):
    viewed_rep()  # whose contacts: an admin viewing a rep (?rep=) imports into theirs
    page = render_template(
        "web/import_form.html",
        title="Import contacts",
        kind="contacts",
        values=values,
        errors=errors or {},
        audiences=audiences_db.list_audiences(session(), principal().workspace_id),
        viewed=viewing_another(),
        max_mib=_mib(importing.MAX_FILE_BYTES),
        back=("web.contacts_page", "Back to contacts"),
    )
    return page, status or (422 if errors else 200)


@blp.route("/contacts/import", methods=["GET", "POST"])
def import_contacts():
    if request.method == "GET":
        return _contacts_form({"audience_id": request.args.get("audience", "")})
    values = typed(["audience_id"])
    try:
        form = ContactImportFormSchema().load({k: v for k, v in clean(values).items() if v})
        name, data = _file()
        report = contacts_db.import_contacts(
            session(),
            principal().workspace_id,
            importing.parse(data),
            viewed_rep(),
            form.get("audience_id"),
        )
        session().commit()
    except (ValidationError, DomainError) as error:
        session().rollback()  # a contact added or deleted meanwhile: the 409's detail says so
        return _contacts_form(values, _refused(error, OWNER_INPUT))
    changed = sum(1 for row in report.updated if row.changed)
    return render_template(
        "web/import_result.html",
        title="Contacts imported",
        summary=f"Imported {name}: {len(report.created)} added, {len(report.updated)} already "
        f"yours ({changed} updated), {len(report.skipped)} skipped.",
        columns=("Line", "Column", "Why it was skipped"),
        skipped=[(s.line, s.field, s.reason) for s in report.skipped],
        back=("web.contacts_page", "See your contacts"),
        again="web.import_contacts",
    )


# ---------------------------------------------------------------- feeds

IMPORT_FEEDS = "import feeds"


def _feeds_form(errors=None, status: int | None = None):
    page = render_template(
        "web/import_form.html",
        title="Import feeds",
        kind="feeds",
        values={},
        errors=errors or {},
        max_feeds=fetch_policy().max_per_import,
        max_mib=_mib(current_app.config["MAX_CONTENT_LENGTH"]),
        back=("web.feeds_page", "Back to feeds"),
    )
    return page, status or (422 if errors else 200)


@blp.route("/feeds/import", methods=["GET", "POST"])
def import_feeds():
    require_admin(IMPORT_FEEDS)
    if request.method == "GET":
        return _feeds_form()
    try:
        name, data = _file()
        summary = subscriptions_db.import_opml(
            session(), principal().workspace_id, data, policy=fetch_policy()
        )
        session().commit()
    except DomainError as error:
        session().rollback()
        return _feeds_form(_refused(error))
    return render_template(
        "web/import_result.html",
        title="Feeds imported",
        summary=f"Imported {name}: {summary.created} feeds added, {summary.updated} already "
        f"followed gained its tags, {len(summary.skipped)} skipped.",
        columns=("Feed address", "Why it was skipped"),
        skipped=summary.skipped,
        back=("web.feeds_page", "See your feeds"),
        again="web.import_feeds",
    )


# ---------------------------------------------------------------- a file over the bound


@blp.errorhandler(RequestEntityTooLarge)
def _too_large(error: RequestEntityTooLarge):
    """A file over the import's bound, raised where the form is first read (the CSRF check):
    the import's form with the bound under the file input, as for any refused file. Showing
    the form is what GET does, and nothing was read or saved; app/security.py leaves these
    two pages to say it themselves, with the sender signed in. Other pages: the error page."""
    if request.endpoint not in FORMS or g.get("principal") is None:
        return error_page(413, error.description)
    if request.endpoint == "web.import_feeds":
        try:
            require_admin(IMPORT_FEEDS)
        except Forbidden as refused:
            return error_page(403, refused.detail)
    message = (
        f"The file is over {_mib(request.max_content_length)} MiB, the most one import "
        "takes: split it. What is already here is matched (contacts by profile URL, feeds "
        "by address), so importing the parts adds nothing twice."
    )
    return FORMS[request.endpoint]({FILE_FIELD: message}, 413)


FORMS = {
    "web.import_contacts": lambda errors, status: _contacts_form({}, errors, status),
    "web.import_feeds": _feeds_form,
}
