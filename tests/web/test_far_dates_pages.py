"""The pages with dates at the calendar's far end, stored before dates were bounded."""

from __future__ import annotations

from tests.api.helpers import stored_at_the_calendars_end
from tests.web.helpers import page_text


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
