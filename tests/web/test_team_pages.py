"""The managers' team page: admins only, the figures at a glance, and refused asks recorded
from the pages as from the API."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from schedules.models import AskRefusal, Post
from tests.api.helpers import NEXT
from tests.helpers import ask, give, make_audience
from tests.web.browser import BROWSER_MARKS, assert_accessible, assert_fits_phone, sign_in
from tests.web.conftest import sign_in as sign_in_client
from tests.web.helpers import page_text

WINDOW = f"/team?from={NEXT}-01-01&until={NEXT}-03-31"


def counts(app) -> tuple[int, list[tuple[int, str, str]]]:
    with app.extensions["planner_db"].reader() as session:
        posts = session.scalar(select(func.count()).select_from(Post))
        found = session.execute(select(AskRefusal.owner_id, AskRefusal.rule, AskRefusal.type))
        return posts, [tuple(row) for row in found]


def test_an_admin_sees_who_needs_help_and_each_reps_figures(browser, rep, colleague):
    cfos = make_audience(rep, name="CFOs")
    give(rep, cfos["id"], f"{NEXT}-01-05T10:00")
    give(colleague, cfos["id"], f"{NEXT}-02-05T10:00")
    home = page_text(browser.get("/"))
    assert re.search(r'<a href="/team"\s*>Team</a>', home)
    response = browser.get(WINDOW)
    assert response.status_code == 200
    page = page_text(response)
    assert f"Rep: 2 open slots from {NEXT}-01-01 to {NEXT}-03-31" in page
    assert f"Sam: 2 open slots from {NEXT}-01-01 to {NEXT}-03-31" in page
    assert f'value="{NEXT}-01-01"' in page and f'value="{NEXT}-03-31"' in page
    assert page.count('<svg class="team-chart"') == 2
    assert "1 of 3 slots filled; 1 value post and 0 asks" in page
    row = re.search(r"<th scope=\"row\">CFOs</th>(.*?)</tr>", page, re.S)[1]
    assert re.findall(r"<td>(\d+)</td>", row) == ["1", "0", "1", "2", "0"]
    # The page's CSP allows the inline SVG: it forbids inline script and style, not markup.
    assert "style=" not in page.split("<main", 1)[1]


def test_a_rep_gets_an_html_403_and_no_team_link(app, colleague):
    sam = sign_in_client(app, colleague, "sam@acme.example")
    response = sam.get("/team")
    assert response.status_code == 403
    assert response.mimetype == "text/html"
    assert "rep@acme.example" in page_text(response)
    assert 'href="/team"' not in page_text(sam.get("/"))


def test_a_bad_window_is_refused_by_its_field(browser):
    response = browser.get(f"/team?from={NEXT}-03-01&until={NEXT}-01-01")
    assert response.status_code == 422
    assert 'id="until-error"' in page_text(response)
    response = browser.get("/team?until=31/03")
    assert response.status_code == 422
    assert "Must be a date such as" in page_text(response)


def test_window_errors_speak_of_the_forms_fields_on_the_workspaces_clock(browser):
    clock = page_text(browser.get("/team")).count("on UTC clock")
    assert clock == 1
    backwards = page_text(browser.get(f"/team?from={NEXT}-03-01&until={NEXT}-02-28"))
    assert '<p class="field-error" id="until-error">Must be on or after From.</p>' in backwards
    too_long = page_text(browser.get(f"/team?from={NEXT}-01-01&until={NEXT + 1}-01-01"))
    assert '<p class="field-error" id="until-error">Ask for at most a year at once.</p>' in too_long
    for page in (backwards, too_long):
        assert "to:" not in page and "on UTC clock" in page


def test_a_refused_window_has_the_forms_error_summary_and_speaks_of_dates(browser):
    summary = '<p class="alert" role="alert" tabindex="-1" autofocus>Please check the fields'
    backwards = page_text(browser.get(f"/team?from={NEXT}-03-01&until={NEXT}-02-28"))
    assert summary in backwards
    for typed in ("abc", f"{NEXT}-03-01T09:00", f"{NEXT}-02-30"):
        response = browser.get(f"/team?from={typed}&until={NEXT}-03-31")
        assert response.status_code == 422
        page = page_text(response)
        assert summary in page
        assert (
            '<p class="field-error" id="from-error">Must be a date such as 2027-03-01.</p>' in page
        )
        assert f'value="{typed}"' in page and "ISO 8601" not in page
    # The calendar's last day has no day after it, the API's exclusive end.
    last = page_text(browser.get("/team?from=9999-12-01&until=9999-12-31"))
    assert error_by(last, "until") == "Too close to the calendar's limits (years 1 to 9999)."
    assert summary not in page_text(browser.get(WINDOW))


def error_by(page: str, name: str) -> str:
    return re.search(rf'<p class="field-error" id="{name}-error">([^<]*)</p>', page)[1]


def test_an_ask_refused_in_the_post_form_is_recorded_and_nothing_else(app, browser, rep):
    cfos = make_audience(rep, name="CFOs")
    give(rep, cfos["id"], f"{NEXT}-01-05T10:00")
    before, _ = counts(app)
    form = {"kind": "ask", "type": "meeting_request", "title": "Coffee?",
            "date": f"{NEXT}-01-20", "time": "10:00", "status": "scheduled"}  # fmt: skip
    refused = browser.post(f"/audiences/{cfos['id']}/posts/new", form)
    assert refused.status_code == 422
    assert "more value posts" in page_text(refused)
    # A give refused (in the past) is not an ask: not recorded.
    past = {**form, "kind": "give", "type": "shared_article", "date": "2020-01-01"}
    assert browser.post(f"/audiences/{cfos['id']}/posts/new", past).status_code != 303
    posts, found = counts(app)
    me = rep.get("/api/v1/me").get_json()["id"]
    assert (posts, found) == (before, [(me, "give_before_ask", "meeting_request")])


def test_an_ask_an_admin_makes_for_a_rep_and_the_rule_refuses_is_not_the_reps(
    app, browser, rep, colleague
):
    """The Owner select makes the ask Sam's, but the manager tried it: the team page does
    not count it against Sam."""
    cfos = make_audience(rep, name="CFOs")
    sam_id = colleague.get("/api/v1/me").get_json()["id"]
    form = {"kind": "ask", "type": "meeting_request", "title": "Coffee?", "owner_id": sam_id,
            "date": f"{NEXT}-01-20", "time": "10:00", "status": "scheduled"}  # fmt: skip
    refused = browser.post(f"/audiences/{cfos['id']}/posts/new", form)
    assert refused.status_code == 422
    assert "more value posts" in page_text(refused)
    assert counts(app)[1] == []
    page = page_text(browser.get("/team"))
    assert "refused ask" not in page


def test_the_team_page_in_a_browser_and_on_a_phone(page, phone, planner, rep):
    give(rep, planner["audience"]["id"], f"{NEXT}-01-05T10:00")
    url = planner["url"]
    sign_in(page, url)
    page.get_by_role("link", name="Team").click()
    page.get_by_role("heading", name="Who needs help").wait_for()
    page.get_by_label("From").fill(f"{NEXT}-01-01")
    page.get_by_label("Until (included)").fill(f"{NEXT}-03-31")
    page.get_by_role("button", name="Show").click()
    page.get_by_text(f"Rep: 2 open slots from {NEXT}-01-01 to {NEXT}-03-31").wait_for()
    chart = page.get_by_role("img", name="1 of 3 slots filled; 1 value post and 0 asks")
    assert chart.is_visible()
    assert_accessible(page)
    sign_in(phone, url)
    assert_fits_phone(phone, url, [WINDOW])


test_the_team_page_in_a_browser_and_on_a_phone.pytestmark = BROWSER_MARKS


def needing_help(page: str) -> list[str]:
    listed = re.search(r'<ul class="needs-help">(.*?)</ul>', page, re.S)[1]
    return re.findall(r">([^<:]+):", listed)


def test_who_needs_help_comes_most_in_need_first(browser, rep, colleague, second_rep):
    """Refused asks first, then the most open slots; the name only breaks ties."""
    cfos = make_audience(rep, name="CFOs")
    give(rep, cfos["id"], f"{NEXT}-01-13T09:00")  # fills one of the window's three slots
    assert needing_help(page_text(browser.get(WINDOW))) == ["Sam", "Second", "Rep"]
    # Refusals count when the rep tried (now): the current quarter's window.
    for day in (1, 2, 3):  # Sam pitches with no value post shared: refused, three times
        assert ask(colleague, cfos["id"], f"{NEXT}-01-0{day}T10:00").status_code == 409
    assert needing_help(page_text(browser.get("/team")))[0] == "Sam"
