"""Importing from the pages: LinkedIn's Connections.csv into a rep's contacts and an OPML list
into the team's feeds, through the API's domain functions, bounds and refusals; a refused file
comes back on its form with the reason under the file input."""

from __future__ import annotations

import io
import re

import pytest

from app.security import MAX_BODY_BYTES
from app.settings import FeedFetching
from schedules.contacts import importing
from tests.api.helpers import CONNECTIONS
from tests.helpers import make_audience
from tests.web.conftest import sign_in
from tests.web.helpers import items, page_text, text_of

OPML = b"""<?xml version="1.0"?><opml version="2.0"><body>
  <outline text="Finance"><outline text="CFO Weekly" xmlUrl="https://cfo.example.com/feed"/></outline>
  <outline text="Pricing" xmlUrl="https://pricing.example.com/rss"/>
  <outline text="Private" xmlUrl="https://user:pass@secret.example.com/feed"/>
</body></opml>"""


def upload(browser, path: str, data: bytes, filename: str, csrf: bool = True, **form):
    return browser.post(
        path,
        {"file": (io.BytesIO(data), filename), **form},
        csrf=csrf,
        content_type="multipart/form-data",
    )


def refused_on(response, field: str, status: int = 422) -> str:
    """The refused form: its focused summary, the input marked, and the reason under it."""
    page = text_of(response)
    assert response.status_code == status, page
    assert re.search(r'<p class="alert" role="alert" tabindex="-1" autofocus>', page), page
    assert re.search(
        rf'id="{field}"[^>]*aria-invalid="true" aria-describedby="{field}-error"', page
    )
    found = re.search(rf'<p class="field-error" id="{field}-error">(.*?)</p>', page, re.S)
    assert found, page
    return page_text(response)


# ---------------------------------------------------------------- contacts


def test_contacts_link_to_an_import_form_that_uploads_linkedins_export(browser):
    audience = make_audience(browser.api, name="CFOs", timezone="Europe/Berlin")
    assert 'href="/contacts/import' in text_of(browser.get("/contacts"))
    form = text_of(browser.get(f"/contacts/import?audience={audience['id']}"))
    assert 'enctype="multipart/form-data"' in form
    assert re.search(r'<input id="file" name="file" type="file"', form)
    assert re.search(rf'<option value="{audience["id"]}" selected>CFOs</option>', form)

    answer = upload(
        browser, "/contacts/import", CONNECTIONS.read_bytes(), "Connections.csv",
        audience_id=str(audience["id"]),
    )  # fmt: skip
    assert answer.status_code == 200, text_of(answer)
    shown = page_text(answer)
    assert "Imported Connections.csv: 3 added, 0 already yours (0 updated), 2 skipped." in shown
    # Each skipped row with its line, column and reason, as the API's answer lists them.
    assert re.search(r"<td>7</td>\s*<td>profile_url</td>\s*<td>No profile URL", shown), shown
    assert re.search(r"<td>8</td>\s*<td>accepted_at</td>", shown), shown
    listed = {c["name"]: c for c in items(browser.api, "/api/v1/contacts")}
    assert set(listed) == {"Dana Whitfield", "Lars Øberg", "Tom Berg"}
    assert {c["audience_id"] for c in listed.values()} == {audience["id"]}

    again = upload(browser, "/contacts/import", CONNECTIONS.read_bytes(), "Connections.csv")
    assert "3 already yours (0 updated), 2 skipped." in page_text(again)
    assert len(items(browser.api, "/api/v1/contacts")) == 3


def test_a_file_that_is_not_a_csv_is_refused_on_the_file_input(browser):
    answer = upload(browser, "/contacts/import", b"%PDF-1.7\n\x00\x01", "Connections.pdf")
    assert "Not a text file." in refused_on(answer, "file")
    assert items(browser.api, "/api/v1/contacts") == []


def test_no_file_chosen_is_refused_on_the_file_input(browser):
    # A browser sends the part with an empty filename when none is chosen.
    answer = upload(browser, "/contacts/import", b"", "")
    assert "Choose the file to import." in refused_on(answer, "file")


def test_an_unknown_audience_is_refused_and_kept(browser):
    data = b"name,profile_url,company,title\nJane Roe,https://linkedin.com/in/jane,Hooli,CFO\n"
    answer = upload(browser, "/contacts/import", data, "plain.csv", audience_id="999999")
    assert "No audience 999999 in this workspace." in refused_on(answer, "audience_id")
    assert items(browser.api, "/api/v1/contacts") == []


def test_a_file_over_the_apis_bound_is_refused_on_its_form_unread(browser):
    big = b"name,profile_url,company,title\n" + b"x" * importing.MAX_FILE_BYTES
    answer = upload(browser, "/contacts/import", big, "Connections.csv")
    assert "over 16 MiB" in refused_on(answer, "file", status=413)
    # Under the bound, a body larger than the pages' other forms take is read.
    data = b"name,profile_url,company,title\nJane Roe,https://linkedin.com/in/jane,Hooli,CFO\n"
    padded = data + b"\n" * MAX_BODY_BYTES
    assert "1 added" in page_text(upload(browser, "/contacts/import", padded, "plain.csv"))


def test_the_import_form_needs_the_csrf_token(browser):
    answer = upload(browser, "/contacts/import", CONNECTIONS.read_bytes(), "c.csv", csrf=False)
    assert answer.status_code == 400
    assert items(browser.api, "/api/v1/contacts") == []


def test_an_admin_viewing_a_rep_imports_into_that_reps_contacts(app, browser, second_rep):
    rep_id = second_rep.get("/api/v1/me").get_json()["id"]
    form = text_of(browser.get(f"/contacts/import?rep={rep_id}"))
    assert "Importing contacts for second@acme.example." in form
    answer = upload(browser, f"/contacts/import?rep={rep_id}", CONNECTIONS.read_bytes(), "c.csv")
    assert "3 added" in page_text(answer)
    assert len(items(second_rep, "/api/v1/contacts")) == 3
    assert items(browser.api, "/api/v1/contacts") == []


# ---------------------------------------------------------------- feeds


def test_an_admin_imports_an_opml_list_from_the_feeds_page(browser):
    assert 'href="/feeds/import"' in text_of(browser.get("/feeds"))
    form = text_of(browser.get("/feeds/import"))
    assert 'enctype="multipart/form-data"' in form
    answer = upload(browser, "/feeds/import", OPML, "feedly.opml")
    assert answer.status_code == 200, text_of(answer)
    shown = page_text(answer)
    assert (
        "Imported feedly.opml: 2 feeds added, 0 already followed gained its tags, 1 skipped."
        in shown
    )
    assert "https://user:pass@secret.example.com/feed" in shown
    feeds = {f["url"]: f["tags"] for f in items(browser.api, "/api/v1/feeds")}
    assert feeds == {
        "https://cfo.example.com/feed": ["Finance"],
        "https://pricing.example.com/rss": [],
    }


def test_a_rep_is_not_offered_the_opml_import_and_is_refused_it(app, browser, second_rep):
    rep = sign_in(app, second_rep, "second@acme.example")
    assert "/feeds/import" not in text_of(rep.get("/feeds"))
    too_large = OPML + b" " * MAX_BODY_BYTES
    for answer in (
        rep.get("/feeds/import"),
        upload(rep, "/feeds/import", OPML, "f.opml"),
        upload(rep, "/feeds/import", too_large, "f.opml"),
    ):
        assert answer.status_code == 403
        assert "Only a workspace admin can import feeds" in page_text(answer)
    assert items(browser.api, "/api/v1/feeds") == []


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"<html><body>hi</body></html>", "The file is not an OPML subscription list."),
        (b'<!DOCTYPE x [<!ENTITY a "b">]><opml/>', "entit"),
    ],
)
def test_a_file_that_is_not_opml_is_refused_on_the_file_input(browser, data, reason):
    assert reason in refused_on(upload(browser, "/feeds/import", data, "f.opml"), "file")
    assert items(browser.api, "/api/v1/feeds") == []


@pytest.mark.options(FEED_FETCHING=FeedFetching(max_per_import=1))
def test_a_list_over_the_import_bound_is_refused_whole(browser):
    answer = upload(browser, "/feeds/import", OPML, "f.opml")
    assert "(PLANNER_FEEDS_MAX_PER_IMPORT): split it." in refused_on(answer, "file")
    assert items(browser.api, "/api/v1/feeds") == []


def test_an_opml_file_over_one_mib_is_refused_on_its_form(browser):
    answer = upload(browser, "/feeds/import", OPML + b" " * MAX_BODY_BYTES, "f.opml")
    assert "over 1 MiB" in refused_on(answer, "file", status=413)
    assert items(browser.api, "/api/v1/feeds") == []
