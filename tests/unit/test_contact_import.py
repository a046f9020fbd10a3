"""Reading contacts files: LinkedIn's Connections.csv as its export writes it, and plain CSV."""

import datetime as dt

import pytest

from core.errors import InvalidValue
from schedules.contacts import importing
from tests.api.helpers import CONNECTIONS


def test_linkedins_export_is_read_past_its_bom_and_notes_with_bad_rows_skipped():
    parsed = importing.parse(CONNECTIONS.read_bytes())
    assert parsed.format == "linkedin"
    dana, lars, tom = parsed.rows
    assert (dana.line, dana.name, dana.company, dana.title, dana.email) == (
        5, "Dana Whitfield", "Initech", "Chief Financial Officer", "dana@initech.example"
    )  # fmt: skip
    assert dana.profile_url == "https://www.linkedin.com/in/dana-whitfield"
    assert dana.accepted_on == dt.date(2026, 12, 3)
    assert (lars.name, lars.company, lars.email) == ("Lars Øberg", "Nordlys, AS", None)
    assert tom.line == 9
    assert [(s.line, s.field) for s in parsed.skipped] == [(7, "profile_url"), (8, "accepted_at")]
    assert "31 Feb 2026" in parsed.skipped[1].reason


def test_a_plain_csv_names_its_columns_in_any_order_and_may_name_an_audience():
    data = (
        b"title,name,company,profile_url,audience,email\n"
        b"CFO,Ana Lima,Initech,HTTPS://WWW.LinkedIn.com/in/ana/,CFOs,\n"
        b"CTO,,Hooli,https://www.linkedin.com/in/nobody,,\n"
        b"CEO,Ana again,Initech,https://www.linkedin.com/in/ana,,\n"
        b"COO,Bo,Hooli,ftp://example.com/bo,,\n"
    )
    parsed = importing.parse(data)
    assert parsed.format == "plain"
    [ana] = parsed.rows
    assert (ana.line, ana.title, ana.audience, ana.email) == (2, "CFO", "CFOs", None)
    # Kept as pasted; matched (and told apart from line 4's spelling) by its profile key.
    assert (ana.profile_url, ana.key) == ("HTTPS://WWW.LinkedIn.com/in/ana/", "linkedin.com/in/ana")
    assert [(s.line, s.field) for s in parsed.skipped] == [
        (3, "name"), (4, "profile_url"), (5, "profile_url")
    ]  # fmt: skip
    assert parsed.skipped[1].reason == "The same profile as line 2."


def test_a_quoted_field_over_two_lines_reports_the_line_its_row_starts_on():
    data = (
        b'name,profile_url,company,title\n"Ana","https://x.example/in/a","Multi\nline",CFO\nBo,,,\n'
    )
    parsed = importing.parse(data)
    assert parsed.rows[0].company == "Multi\nline"
    assert [(s.line, s.field) for s in parsed.skipped] == [(4, "profile_url")]


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7\n\x00\x01binary",
        b"\xff\xfe\x00n\x00a",
        b"<html><body>Not a CSV</body></html>",
        b"id;vorname;nachname\n1;Ana;Lima\n",
        b"",
    ],
)
def test_a_file_that_is_no_contacts_csv_is_refused_saying_what_was_expected(data):
    with pytest.raises(InvalidValue) as refused:
        importing.parse(data)
    assert refused.value.field == "file"
    assert "First Name,Last Name,URL,Email Address" in refused.value.message
    assert "name,profile_url,company,title" in refused.value.message


def test_too_long_values_are_skipped_naming_the_column():
    data = f"name,profile_url,company,title\nAna,https://x.example/a,{'x' * 201},CFO\n".encode()
    parsed = importing.parse(data)
    assert parsed.rows == [] and parsed.skipped[0].field == "company"
