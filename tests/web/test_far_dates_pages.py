"""The pages with dates at the calendar's far end: read as pages where they were stored before
dates were bounded, refused next to the input where they are typed."""

from __future__ import annotations

import datetime as dt

from tests.api.helpers import stored_at_the_calendars_end
from tests.helpers import make_audience
from tests.web.helpers import add_contact, ask_form, berlin, local_today, page_text

FAR_AHEAD = "more than 100 years from now"


def test_pages_of_a_history_stored_at_the_calendars_end_are_pages(app, rep, browser):
    """The probe's browser got application/problem+json for / and the audience's page."""
    stored = stored_at_the_calendars_end(app, rep)
    audience_id, ready, far = stored["audience"]["id"], stored["ready"], stored["far"]
    paths = [
        "/", f"/audiences/{audience_id}", "/audiences", "/contacts", f"/contacts/{far['id']}",
        f"/contacts/{ready['id']}", "/team", "/calendar", "/calendar?start=9999-12",
        f"/audiences/{audience_id}?start=9999-11", f"/audiences/{audience_id}?start=9999-12",
        f"/audiences/{audience_id}?view=quarter&start=9999-12",
        f"/posts/{stored['ask']['id']}/edit", f"/contacts/{ready['id']}/asks/new",
        f"/audiences/{audience_id}/posts/new?kind=ask",
    ]  # fmt: skip
    for path in paths:
        response = browser.get(path)
        assert (response.status_code, response.mimetype) == (200, "text/html"), path
    assert "Fut Ure" in page_text(browser.get("/contacts"))


def test_forms_refuse_a_date_past_a_hundred_years_next_to_its_input(rep, browser):
    audience = make_audience(rep)
    post_form = {"kind": "give", "type": "tip", "title": "A tip", "status": "scheduled",
                 "date": "9999-12-01", "time": "09:00"}  # fmt: skip
    refused = browser.post(f"/audiences/{audience['id']}/posts/new", post_form)
    assert refused.status_code == 422
    assert 'id="date-error"' in page_text(refused) and FAR_AHEAD in page_text(refused)

    today = local_today()
    contact = add_contact(rep, audience)
    path = f"/contacts/{contact['id']}"
    accepted = browser.post(
        f"{path}/acceptance", {"accepted_date": "9999-12-31", "accepted_time": "09:00"}
    )
    assert accepted.status_code == 422
    assert 'id="accepted_date-error"' in page_text(accepted) and FAR_AHEAD in page_text(accepted)
    assert rep.get(f"/api/v1/contacts/{contact['id']}").get_json()["accepted_at"] is None

    connected = add_contact(
        rep, audience, accepted_at=berlin(today - dt.timedelta(days=20)).isoformat()
    )
    asked = browser.post(f"/contacts/{connected['id']}/asks/new", ask_form(dt.date(9999, 12, 20)))
    assert asked.status_code == 422
    assert 'id="date-error"' in page_text(asked) and FAR_AHEAD in page_text(asked)
    assert rep.get(f"/api/v1/audiences/{audience['id']}/posts").get_json()["total"] == 0
