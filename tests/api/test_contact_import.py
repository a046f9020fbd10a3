"""Importing contacts through the API: LinkedIn's Connections.csv, a plain CSV, matching by
profile URL, skipped rows with their reasons, and all-or-nothing."""

import io

import pytest
from sqlalchemy import delete, event

from core.errors import Conflict
from schedules.contacts import contacts_db, importing
from schedules.models import Contact
from tests.api.helpers import CONNECTIONS, add_contact, direct_ask, touch, upload
from tests.helpers import give, make_audience


def imported(response):
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def contacts(caller, **query):
    return caller.get("/api/v1/contacts", query_string={"limit": 200, **query}).get_json()["items"]


def test_linkedins_export_creates_contacts_and_reports_the_rows_it_skipped(rep):
    audience = make_audience(rep, timezone="Europe/Berlin")
    answer = imported(upload(rep, CONNECTIONS.read_bytes(), audience_id=audience["id"]))
    assert answer["format"] == "linkedin"
    assert [(r["line"], r["name"]) for r in answer["created"]] == [
        (5, "Dana Whitfield"), (6, "Lars Øberg"), (9, "Tom Berg")
    ]  # fmt: skip
    assert answer["updated"] == []
    assert [(s["line"], s["field"]) for s in answer["skipped"]] == [
        (7, "profile_url"), (8, "accepted_at")
    ]  # fmt: skip
    by_name = {c["name"]: c for c in contacts(rep)}
    dana = by_name["Dana Whitfield"]
    assert (dana["company"], dana["title"], dana["email"]) == (
        "Initech", "Chief Financial Officer", "dana@initech.example"
    )  # fmt: skip
    # Connected on 03 Dec 2026: from the start of that day on the audience's clock.
    assert dana["accepted_at"] == "2026-12-02T23:00:00+00:00"
    assert dana["audience_id"] == audience["id"]
    assert by_name["Lars Øberg"]["email"] is None


def test_importing_again_updates_the_same_contacts_and_keeps_known_emails(rep):
    existing = add_contact(
        rep, name="Dana W.", profile_url="https://www.linkedin.com/in/dana-whitfield/",
        email="dana.private@example.com", title="",
    )  # fmt: skip
    first = imported(upload(rep, CONNECTIONS.read_bytes()))
    [dana] = [r for r in first["updated"] if r["contact_id"] == existing["id"]]
    assert set(dana["changed"]) == {"name", "title", "email", "accepted_at"}
    again = imported(upload(rep, CONNECTIONS.read_bytes()))
    assert again["created"] == []
    assert [r["changed"] for r in again["updated"]] == [[], [], []]
    assert len(contacts(rep)) == 3
    # A blank email in a later export never erases a known one.
    blanked = CONNECTIONS.read_bytes().replace(b"dana@initech.example", b"")
    imported(upload(rep, blanked))
    assert rep.get(f"/api/v1/contacts/{existing['id']}").get_json()["email"] == (
        "dana@initech.example"
    )


def test_a_profile_pasted_another_way_is_matched_not_duplicated(rep):
    jane = add_contact(rep, name="Jane Roe", profile_url="http://www.linkedin.com/in/Jane/")
    data = b"name,profile_url,company,title\nJane Roe,https://linkedin.com/in/jane,Hooli,CFO\n"
    answer = imported(upload(rep, data))
    assert answer["created"] == []
    assert [(r["contact_id"], r["changed"]) for r in answer["updated"]] == [
        (jane["id"], ["company"])
    ]  # fmt: skip
    [kept] = contacts(rep)
    # The rep's own spelling of the address stays.
    assert (kept["profile_url"], kept["company"]) == ("http://www.linkedin.com/in/Jane/", "Hooli")


def test_an_email_longer_than_rfc_5321_allows_is_refused_or_skipped(rep):
    too_long = "a" * 250 + "@example.com"
    response = rep.post("/api/v1/contacts", json={"name": "Ana Lima", "email": too_long})
    assert response.status_code == 422
    [error] = response.get_json()["errors"]
    assert error["field"] == "email" and "64 bytes (RFC 5321)" in error["message"]
    assert rep.post("/api/v1/contacts", json={"name": "Ana", "email": "a" * 64 + "@example.com"}
                    ).status_code == 201  # fmt: skip
    # Past the column's 320 characters too, the row is skipped with RFC 5321's reason.
    past_column = "bo@" + "d" * 320 + ".example"
    data = (
        b"name,profile_url,company,title,email\n"
        b"Bo Chen,https://www.linkedin.com/in/bo,Hooli,CTO," + too_long.encode() + b"\n"
        b"Cy Diaz,https://www.linkedin.com/in/cy,Hooli,CFO," + past_column.encode() + b"\n"
    )
    answer = imported(upload(rep, data, filename="contacts.csv"))
    assert [(s["line"], s["field"]) for s in answer["skipped"]] == [(2, "email"), (3, "email")]
    assert answer["skipped"][1]["reason"] == (
        "An email address is at most 254 bytes (RFC 5321); this one has 331."
    )
    assert [c["name"] for c in contacts(rep)] == ["Ana"]


def test_a_plain_csv_with_an_unknown_audience_skips_that_row_only(rep):
    make_audience(rep, name="CFOs")
    data = (
        b"name,profile_url,company,title,audience\n"
        b"Ana Lima,https://www.linkedin.com/in/ana,Initech,CFO,CFOs\n"
        b"Bo Chen,https://www.linkedin.com/in/bo,Hooli,CTO,CTOs\n"
    )
    answer = imported(upload(rep, data, filename="contacts.csv"))
    assert answer["format"] == "plain"
    assert [r["name"] for r in answer["created"]] == ["Ana Lima"]
    [skip] = answer["skipped"]
    assert (skip["line"], skip["field"]) == (3, "audience")
    assert "CTOs" in skip["reason"]


@pytest.mark.parametrize("delimiter", [";", "\t"], ids=["semicolons", "tabs"])
def test_a_csv_separated_by_semicolons_or_tabs_as_excel_saves_one_is_read_alike(rep, delimiter):
    """Excel saves a CSV with the list separator of the machine's region, ";" across most of
    Europe (tabs as "Unicode Text"), behind a byte order mark and with CRLF line ends."""
    rows = [
        ["name", "profile_url", "company", "title"],
        ["Ana Lima", "https://www.linkedin.com/in/ana", '"Initech, Inc."', '"CFO; EMEA"'],
        ['"Bo ""B"" Chen"', "https://www.linkedin.com/in/bo", '"Hooli;\r\nGmbH, Berlin"', "CTO"],
        ["Cy Park", "https://www.linkedin.com/in/cy", "Globex", "VP"],
    ]
    data = ("\ufeff" + "".join(delimiter.join(row) + "\r\n" for row in rows)).encode()
    answer = imported(upload(rep, data, filename="contacts.csv"))
    assert answer["format"] == "plain" and answer["skipped"] == []
    assert [(r["line"], r["name"]) for r in answer["created"]] == [
        (2, "Ana Lima"), (3, 'Bo "B" Chen'), (5, "Cy Park")
    ]  # fmt: skip
    assert {(c["name"], c["company"], c["title"]) for c in contacts(rep)} == {
        ("Ana Lima", "Initech, Inc.", "CFO; EMEA"),
        ('Bo "B" Chen', "Hooli;\r\nGmbH, Berlin", "CTO"),
        ("Cy Park", "Globex", "VP"),
    }

    # A quote left open is found in such a file too, after a stray one on its line.
    unclosed = data.replace(b'"Bo ""B"" Chen"', b'"Bo" Chen').replace(b'Berlin"', b"Berlin")
    response = upload(rep, unclosed, filename="contacts.csv")
    assert response.status_code == 422, response.get_json()
    assert "line 3 is not closed" in response.get_json()["errors"][0]["message"]


@pytest.mark.parametrize(
    ("data", "filename"),
    [(b"%PDF-1.7\n\x00\x01", "Connections.pdf"), (b"<html><body>hi</body></html>", "x.html")],
)
def test_a_file_that_is_not_such_a_csv_is_a_422_saying_what_was_expected(rep, data, filename):
    response = upload(rep, data, filename=filename)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["errors"][0]["field"] == "file"
    assert "First Name,Last Name,URL" in problem["detail"]
    assert contacts(rep) == []


@pytest.mark.parametrize(
    ("closing", "unclosed", "line", "end"),
    [
        # Read on to the next quote (Priya's position): Mia's row vanished, Lars's was skipped.
        (b'"Nordlys, AS"', b'"Nordlys, AS', 6, "line 8"),
        # Read on to the end of the file: Tom's row vanished, Priya's was skipped.
        (b'"Head of FP&A, EMEA"', b'"Head of FP&A, EMEA', 8, "the end of the file"),
    ],
    ids=["to-the-next-quote", "to-the-end"],
)
def test_a_quote_not_closed_is_a_422_naming_its_line_where_rows_vanished(
    rep, closing, unclosed, line, end
):
    """Python's csv module reads a quote left open into the lines after it, as one field: only
    that record was reported (skipped), the rows it swallowed were gone without a word."""
    response = upload(rep, CONNECTIONS.read_bytes().replace(closing, unclosed))
    assert (response.status_code, response.mimetype) == (422, "application/problem+json")
    assert response.get_json()["errors"] == [{"field": "file", "location": "files", "message": (
        f"Not a readable CSV: a quote in the record on line {line} is not closed where its "
        f"field ends, so the lines after it, to {end}, were read into that field. Close it (a "
        "quote inside a quoted field is written twice) and import again."
    )}]  # fmt: skip
    assert contacts(rep) == []


# '"Lars" L' is read leniently as 'Lars L' on one line; beside a closed field over two lines,
# a strict re-read once refused that record as an unclosed quote.
STRAY_QUOTE = (b"Lars,\xc3\x98berg", b'"Lars" L,\xc3\x98berg')


@pytest.mark.parametrize(
    ("first_name", "lars"),
    [((b"", b""), "Lars Øberg"), (STRAY_QUOTE, "Lars L Øberg")],
    ids=["alone", "beside-a-stray-quote"],
)
def test_a_quoted_field_over_several_lines_that_is_closed_is_a_field_like_any_other(
    rep, first_name, lars
):
    closed = CONNECTIONS.read_bytes().replace(b'"Nordlys, AS"', b'"Nordlys,\r\nAS"')
    created = imported(upload(rep, closed.replace(*first_name)))["created"]
    assert [(r["line"], r["name"]) for r in created] == [
        (5, "Dana Whitfield"), (6, lars), (10, "Tom Berg")
    ]  # fmt: skip


def test_a_quote_left_open_after_a_stray_one_on_the_same_line_is_still_a_422(rep):
    # The stray quote's strict refusal on the first line once hid the open one after it.
    stray = CONNECTIONS.read_bytes().replace(*STRAY_QUOTE)
    response = upload(rep, stray.replace(b'"Nordlys, AS"', b'"Nordlys, AS'))
    assert (response.status_code, response.get_json()["errors"][0]["field"]) == (422, "file")
    assert "line 6 is not closed" in response.get_json()["errors"][0]["message"]
    assert contacts(rep) == []


def test_missing_file_bad_form_fields_and_an_unknown_audience_are_422s_naming_the_field(rep):
    no_file = rep.post("/api/v1/contacts/import", data={}, content_type="multipart/form-data")
    assert no_file.get_json()["errors"][0]["field"] == "file"
    bad = upload(rep, CONNECTIONS.read_bytes(), audience_id="x")
    assert (bad.status_code, bad.get_json()["errors"][0]["field"]) == (422, "audience_id")
    unknown = upload(rep, CONNECTIONS.read_bytes(), audience_id=999)
    assert (unknown.status_code, unknown.get_json()["errors"][0]["field"]) == (422, "audience_id")
    assert contacts(rep) == []


@pytest.mark.parametrize(("location", "name"), [("files", "file"), ("form", "audience_id")])
def test_a_file_or_field_sent_twice_is_a_422_not_the_first_one_silently(rep, location, name):
    def csv(data: bytes) -> tuple[io.BytesIO, str]:
        return io.BytesIO(data), "contacts.csv"

    fields = {"file": csv(CONNECTIONS.read_bytes())}
    if name == "file":
        fields["file"] = [fields["file"], csv(b"name,profile_url,company,title\n")]
    else:
        fields["audience_id"] = [str(make_audience(rep, name=n)["id"]) for n in ("A", "B")]
    response = rep.post("/api/v1/contacts/import", data=fields, content_type="multipart/form-data")
    assert (response.status_code, response.mimetype) == (422, "application/problem+json")
    assert response.get_json()["errors"] == [
        {"field": name, "location": location, "message": "Sent twice: send each field once."}
    ]
    assert contacts(rep) == []


def test_a_form_field_whose_name_cannot_be_read_is_a_422_naming_the_form(rep):
    """A part's name broken over a line (as a fuzzer sent it) reaches the app as no name at
    all; the answer still names a field, as the documented error format promises."""
    body = (b'--XX\r\nContent-Disposition: form-data; name="B;\n*"\r\n\r\ntrue\r\n'
            b'--XX\r\nContent-Disposition: form-data; name="file"; filename="c.csv"\r\n\r\n'
            + CONNECTIONS.read_bytes() + b"\r\n--XX--\r\n")  # fmt: skip
    response = rep.post(
        "/api/v1/contacts/import", data=body, content_type="multipart/form-data; boundary=XX"
    )
    assert (response.status_code, response.mimetype) == (422, "application/problem+json")
    assert response.get_json()["errors"] == [
        {"field": "form", "message": "A form field's name cannot be read."}
    ]
    assert contacts(rep) == []


def test_an_acceptance_that_would_uncover_an_ask_is_skipped_and_the_rest_imported(rep):
    """A row the relationship guard refuses leaves that contact as it was; the file's other
    rows still go in, in the same transaction."""
    policy = {"gives_per_ask": 1, "min_days_after_connect": 14, "touches_per_ask": 1}
    audience = make_audience(rep, timezone="UTC", policy=policy)
    give(rep, audience["id"], "2026-12-08T09:00", status="scheduled")
    dana = add_contact(
        rep, audience, name="Dana Whitfield",
        profile_url="https://www.linkedin.com/in/dana-whitfield",
        accepted_at="2026-09-01T09:00",
    )  # fmt: skip
    touch(rep, dana, "2026-12-05T09:00")
    assert direct_ask(rep, dana, "2026-12-10T09:00").status_code == 201
    # The export says 03 Dec: an ask on 10 Dec would come 7 days after connecting.
    answer = imported(upload(rep, CONNECTIONS.read_bytes()))
    [skip] = [s for s in answer["skipped"] if s["line"] == 5]
    assert skip["field"] == "accepted_at" and "Dana Whitfield" in skip["reason"]
    assert [r["name"] for r in answer["created"]] == ["Lars Øberg", "Tom Berg"]
    kept = rep.get(f"/api/v1/contacts/{dana['id']}").get_json()
    assert kept["accepted_at"] == "2026-09-01T09:00:00+00:00"


def test_a_rep_imports_their_own_contacts_and_only_admins_name_another_rep(rep, colleague):
    sam_id = colleague.get("/api/v1/me").get_json()["id"]
    forbidden = upload(colleague, CONNECTIONS.read_bytes(), owner_id=1)
    assert forbidden.status_code == 403
    imported(upload(rep, CONNECTIONS.read_bytes(), owner_id=sam_id))
    assert len(contacts(colleague)) == 3 and contacts(rep) == []
    # The same people in the admin's own list are new contacts of theirs, not Sam's updated.
    mine = imported(upload(rep, CONNECTIONS.read_bytes()))
    assert len(mine["created"]) == 3


def test_a_contacts_file_over_the_json_limit_is_accepted(rep):
    lines = [f"Person {i},https://www.linkedin.com/in/p{i},Co,Title" for i in range(30_000)]
    data = ("name,profile_url,company,title\n" + "\n".join(lines)).encode()
    assert len(data) > 1024 * 1024
    answer = imported(upload(rep, data))
    assert len(answer["created"]) == 30_000


def test_a_matched_contact_deleted_while_the_file_imports_is_a_conflict(rep, writer_session):
    """Contacts whose text alone changes are not locked; one deleted between the import's read
    and its update is refused, for the caller to roll back, rather than a server error."""
    dana = add_contact(rep, name="Dana", profile_url="https://www.linkedin.com/in/dana", title="")
    stored = writer_session.get(Contact, dana["id"])
    workspace_id, owner_id = stored.workspace_id, stored.owner_id

    @event.listens_for(writer_session, "do_orm_execute")
    def delete_first(state):
        if state.is_update:  # another request deletes the contact just now
            state.session.execute(delete(Contact).where(Contact.id == dana["id"]))

    data = b"name,profile_url,company,title\nDana,https://www.linkedin.com/in/dana,Initech,CFO\n"
    with pytest.raises(Conflict, match="deleted meanwhile"):
        contacts_db.import_contacts(writer_session, workspace_id, importing.parse(data), owner_id)
