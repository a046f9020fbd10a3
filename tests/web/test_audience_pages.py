"""Audiences in the browser: admins create, edit and delete them with the API's own messages;
reps read the same pages with nothing to change."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest

from tests.helpers import ask, give, make_audience
from tests.web.conftest import sign_in
from tests.web.helpers import ask_form, fair_history, local_today, page_text, text_of

NEXT_YEAR = dt.date.today().year + 1


def audience_form(**fields: str) -> dict[str, str]:
    """Every input of the audience form, as a browser posts it."""
    return {
        "name": "Heads of RevOps",
        "description": "Revenue operations leaders at mid-size SaaS companies.",
        "keywords": "pricing, forecasting\nnet revenue retention",
        "exclude_keywords": "crypto",
        "timezone": "Europe/Berlin",
        "cadence_frequency": "monthly",
        "cadence_by": "weekday",
        "cadence_week": "2",
        "cadence_weekday": "TU",
        "cadence_day": "1",
        "cadence_month_of_quarter": "1",
        "cadence_time": "09:00",
        "cadence_rrule": "",
        "cadence_starts_on": "",
        "policy_preset": "",
        "policy_gives_per_ask": "3",
        "policy_min_days_between_asks": "30",
        "policy_gives_lookback_days": "365",
        "policy_record_published_within_days": "30",
        "policy_min_days_after_connect": "7",
        "policy_touches_per_ask": "2",
        "policy_touches_lookback_days": "90",
        "ranking": "news",
        "half_life_days": "14",
        **fields,
    }


def error_by(page: str, name: str) -> str:
    """The message shown by an input (``field_error``), or '' when there is none."""
    found = re.search(rf'<p class="field-error" id="{re.escape(name)}-error">([^<]*)</p>', page)
    return found[1] if found else ""


def value_of(page: str, name: str) -> str:
    """An input's value as the page shows it."""
    return re.search(rf'name="{re.escape(name)}"[^>]*value="([^"]*)"', page)[1]


def api_message(response, field: str) -> str:
    errors = {e["field"]: e["message"] for e in response.get_json().get("errors", [])}
    return errors[field]


# ---------------------------------------------------------------- admins


def test_an_admin_creates_an_audience_from_the_form(browser, rep):
    blank = page_text(browser.get("/audiences/new"))
    assert "New audience" in blank and "Create audience" in blank
    assert '<option value="TU" selected>Tuesday</option>' in blank  # the API's defaults
    assert value_of(blank, "policy_gives_per_ask") == "3"

    form = audience_form(
        cadence_frequency="quarterly",
        cadence_by="day",
        cadence_day="-1",
        cadence_month_of_quarter="3",
        cadence_time="08:30",
        policy_preset="80-20",
        policy_gives_per_ask="3",  # beside a preset, the preset's number counts
        policy_touches_per_ask="3",
        ranking="evergreen",
    )
    response = browser.post("/audiences/new", form)
    assert response.status_code == 303, page_text(response)
    (created,) = rep.get("/api/v1/audiences").get_json()["items"]
    assert response.headers["Location"] == f"/audiences/{created['id']}/settings"
    assert created["name"] == "Heads of RevOps"
    assert created["keywords"] == ["pricing", "forecasting", "net revenue retention"]
    assert created["exclude_keywords"] == ["crypto"]
    assert created["timezone"] == "Europe/Berlin"
    assert created["cadence"] == {
        "frequency": "quarterly", "day": -1, "month_of_quarter": 3, "time": "08:30"
    }  # fmt: skip
    assert created["policy"]["preset"] == "80-20"
    assert created["policy"]["gives_per_ask"] == 4
    assert created["policy"]["touches_per_ask"] == 3
    assert created["ranking"] == "evergreen"

    # Its settings show it, the other day choice starting from the API's default.
    settings = page_text(browser.get(f"/audiences/{created['id']}/settings"))
    assert "Saved the audience “Heads of RevOps”." in settings
    assert 'name="cadence_by" value="day" checked' in settings
    assert '<option value="-1" selected>Last day</option>' in settings
    assert '<option value="2" selected>Second</option>' in settings
    assert '<option value="3" selected>Third month</option>' in settings

    listed = page_text(browser.get("/audiences"))
    assert "Heads of RevOps" in listed
    assert "Quarterly, in the third month of each quarter, on the last day, at 08:30" in listed
    assert "4 value posts before each ask (80-20), asks 30 days apart or more" in listed


def test_the_form_says_how_to_write_keywords_and_a_description(browser, rep):
    """Suggestions find the sense meant from several keywords and the buyer's job; a rep
    typing three words and no description learns that where they type."""
    blank = page_text(browser.get("/audiences/new"))
    for field, advice in [
        ("description", "Two sentences on the buyer's job"),
        ("keywords", "one word alone, such as “security” or “film”, also finds its other senses"),
        ("exclude_keywords", "The wrong sense that keeps coming back"),
    ]:
        hint = field.replace("_", "-") + "-hint"
        assert re.search(rf'<textarea id="{field}"[^>]* aria-describedby="{hint}"', blank)
        assert re.search(rf'<p class="hint" id="{hint}">[^<]*{re.escape(advice)}', blank)


def test_an_admin_edits_an_audience_and_the_form_shows_what_is_stored(browser, rep):
    audience = make_audience(rep, policy="80-20")
    path = f"/audiences/{audience['id']}/settings"
    page = page_text(browser.get(path))
    assert 'value="CFOs"' in page
    assert '<option value="80-20" selected>' in page
    assert '<option value="Europe/Berlin" selected>' in page

    form = audience_form(
        name="CFOs of scale-ups",
        keywords="working capital",
        cadence_week="-1",
        cadence_weekday="FR",
        cadence_time="16:00",
        policy_gives_per_ask="2",
        policy_min_days_between_asks="14",
    )
    response = browser.post(path, form)
    assert response.status_code == 303
    changed = rep.get(f"/api/v1/audiences/{audience['id']}").get_json()
    assert changed["name"] == "CFOs of scale-ups"
    assert changed["keywords"] == ["working capital"]
    assert changed["cadence"] == {
        "frequency": "monthly",
        "week": -1,
        "weekday": "FR",
        "time": "16:00",
    }
    assert changed["policy"]["preset"] is None  # your own numbers
    assert changed["policy"]["gives_per_ask"] == 2
    assert changed["policy"]["min_days_between_asks"] == 14

    # A custom rule, in the advanced part of the form.
    rrule = "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"
    custom = audience_form(
        cadence_frequency="custom", cadence_rrule=rrule, cadence_starts_on="2025-01-07"
    )
    assert browser.post(path, custom).status_code == 303
    cadence = rep.get(f"/api/v1/audiences/{audience['id']}").get_json()["cadence"]
    assert cadence["rrule"] == rrule
    assert cadence["starts_on"] == "2025-01-07"
    assert "<details open>" in page_text(browser.get(path))


# Each: the form's inputs, the same mistake in an API body, the API's field, the form's input.
MISTAKES = [
    ({"name": ""}, {"name": ""}, "name", "name"),
    ({"timezone": "Mars/Olympus"}, {"timezone": "Mars/Olympus"}, "timezone", "timezone"),
    ({"keywords": "pricing, " + "x" * 101}, {"keywords": ["pricing", "x" * 101]},
     "keywords.1", "keywords"),
    ({"cadence_time": "9 o'clock"}, {"cadence": {"time": "9 o'clock"}},
     "cadence.time", "cadence_time"),
    ({"cadence_week": "5"}, {"cadence": {"week": 5, "weekday": "TU"}},
     "cadence.week", "cadence_week"),
    ({"cadence_frequency": "custom", "cadence_rrule": "FREQ=DAILY"},
     {"cadence": {"frequency": "custom", "rrule": "FREQ=DAILY"}}, "cadence.rrule", "cadence_rrule"),
    ({"cadence_frequency": "custom"}, {"cadence": {"frequency": "custom"}},
     "cadence.rrule", "cadence_rrule"),
    ({"policy_gives_per_ask": "0"}, {"policy": {"gives_per_ask": 0}},
     "policy.gives_per_ask", "policy_gives_per_ask"),
    ({"policy_touches_lookback_days": "3"}, {"policy": {"touches_lookback_days": 3}},
     "policy.touches_lookback_days", "policy_touches_lookback_days"),
    ({"policy_min_days_between_asks": "soon"}, {"policy": {"min_days_between_asks": "soon"}},
     "policy.min_days_between_asks", "policy_min_days_between_asks"),
    ({"half_life_days": "400"}, {"half_life_days": 400}, "half_life_days", "half_life_days"),
]  # fmt: skip


@pytest.mark.parametrize(("typed", "body", "field", "name"), MISTAKES)
def test_a_refused_form_shows_the_apis_message_by_the_field_and_keeps_the_values(
    browser, rep, typed, body, field, name
):
    api = rep.post("/api/v1/audiences", json={"name": "Via the API", **body})
    assert api.status_code == 422, api.get_json()
    message = api_message(api, field)

    response = browser.post("/audiences/new", audience_form(**typed))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert error_by(html.unescape(page), name) == message
    assert f'aria-describedby="{name}-error"' in page
    assert 'value="Heads of RevOps"' in page or typed.get("name") == ""
    assert ">Revenue operations leaders at mid-size SaaS companies.</textarea>" in page
    assert rep.get("/api/v1/audiences").get_json()["total"] == 0

    # The same mistake in an edit.
    audience = make_audience(rep)
    edited = browser.post(f"/audiences/{audience['id']}/settings", audience_form(**typed))
    assert edited.status_code == 422
    assert error_by(page_text(edited), name) == message
    assert rep.get(f"/api/v1/audiences/{audience['id']}").get_json()["name"] == "CFOs"


RULE_NOT_CHOSEN = (
    "How often says Monthly: to use this rule, choose “Custom rule (advanced)” there; "
    "to keep Monthly, clear the rule."
)


def custom_section(page: str) -> str:
    """The "Custom rule (advanced)" section's opening tag: ``<details open>`` when shown."""
    return re.search(r"<details[^>]*>\s*<summary>Custom rule", page)[0].split(">")[0] + ">"


def test_a_rule_typed_while_how_often_says_monthly_is_refused_never_thrown_away(browser, rep):
    typed = audience_form(cadence_rrule="FREQ=WEEKLY;BYDAY=MO")
    response = browser.post("/audiences/new", typed)
    page = page_text(response)
    assert response.status_code == 422
    assert error_by(page, "cadence_rrule") == RULE_NOT_CHOSEN
    assert value_of(page, "cadence_rrule") == "FREQ=WEEKLY;BYDAY=MO"
    assert custom_section(page) == "<details open>"
    assert "Please check the fields marked below." in page
    assert rep.get("/api/v1/audiences").get_json()["total"] == 0

    # A rule the API would refuse is refused with the API's reason, whatever How often says.
    api = rep.post(
        "/api/v1/audiences", json={"name": "Via the API", "cadence": {"rrule": "FREQ=BOGUS"}}
    )
    bogus = page_text(browser.post("/audiences/new", audience_form(cadence_rrule="FREQ=BOGUS")))
    assert error_by(bogus, "cadence_rrule") == api_message(api, "cadence.rrule")
    # "Counting from" is a custom rule's too.
    counting = page_text(
        browser.post("/audiences/new", audience_form(cadence_starts_on="2025-01-06"))
    )
    assert error_by(counting, "cadence_starts_on").startswith(
        "“Counting from” is for a custom rule"
    )

    # The same in a monthly audience's settings: nothing changes.
    audience = make_audience(rep)
    edited = browser.post(f"/audiences/{audience['id']}/settings", typed)
    assert edited.status_code == 422
    assert error_by(page_text(edited), "cadence_rrule") == RULE_NOT_CHOSEN
    stored = rep.get(f"/api/v1/audiences/{audience['id']}").get_json()["cadence"]
    assert stored["frequency"] == "monthly"

    # With "Custom rule" chosen, the rule is the cadence.
    chosen = audience_form(cadence_frequency="custom", cadence_rrule="FREQ=WEEKLY;BYDAY=MO")
    assert browser.post("/audiences/new", chosen).status_code == 303
    listed = rep.get("/api/v1/audiences").get_json()["items"]
    (created,) = [found for found in listed if found["name"] == "Heads of RevOps"]
    assert created["cadence"]["rrule"] == "FREQ=WEEKLY;BYDAY=MO"


def test_a_custom_audience_switched_to_monthly_leaves_its_shown_rule_behind(browser, rep):
    rule = {"frequency": "custom", "rrule": "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", "time": "09:00"}
    audience = make_audience(rep, cadence=rule)
    path = f"/audiences/{audience['id']}/settings"
    shown = page_text(browser.get(path))
    kept = {n: value_of(shown, n) for n in ("cadence_rrule", "cadence_starts_on")}
    assert kept == {"cadence_rrule": rule["rrule"], "cadence_starts_on": "2024-01-01"}

    # A refused save (here the name) keeps the section open: it holds the rule.
    refused = page_text(browser.post(path, audience_form(name="", **kept)))
    assert error_by(refused, "name") and not error_by(refused, "cadence_rrule")
    assert custom_section(refused) == "<details open>"
    assert value_of(refused, "cadence_rrule") == rule["rrule"]

    # A rule changed there is typed, and refused beside Monthly.
    changed = audience_form(**{**kept, "cadence_rrule": "FREQ=WEEKLY;BYDAY=WE"})
    assert error_by(page_text(browser.post(path, changed)), "cadence_rrule") == RULE_NOT_CHOSEN

    # Choosing Monthly is the choice: the rule the page showed, untouched, is the one replaced.
    assert browser.post(path, audience_form(**kept)).status_code == 303
    cadence = rep.get(f"/api/v1/audiences/{audience['id']}").get_json()["cadence"]
    assert cadence == {"frequency": "monthly", "week": 2, "weekday": "TU", "time": "09:00"}
    assert custom_section(page_text(browser.get(path))) == "<details>"


def test_a_name_already_used_is_refused_by_the_name(browser, rep):
    make_audience(rep, name="Heads of RevOps")
    api = rep.post("/api/v1/audiences", json={"name": "Heads of RevOps"})
    assert api.status_code == 409
    response = browser.post("/audiences/new", audience_form())
    assert response.status_code == 422
    assert error_by(page_text(response), "name") == api_message(api, "name")


def test_a_stricter_policy_that_would_uncover_an_ask_is_refused_with_the_rule(browser, rep):
    audience = make_audience(rep)  # three gives per ask
    for day in (2, 3, 4):
        give(rep, audience["id"], f"{NEXT_YEAR}-03-{day:02d}T09:00")
    planned = ask(rep, audience["id"], f"{NEXT_YEAR}-03-10T09:00", title="Pricing review?")
    assert planned.status_code == 201, planned.get_json()
    path = f"/audiences/{audience['id']}/settings"

    api = rep.patch(f"/api/v1/audiences/{audience['id']}", json={"policy": {"gives_per_ask": 5}})
    assert api.status_code == 409

    response = browser.post(path, audience_form(name="CFOs", policy_gives_per_ask="5"))
    page = page_text(response)
    assert response.status_code == 422
    assert "This policy would uncover asks" in page
    assert "This would leave your ask “Pricing review?” on" in page
    assert "with only 3 of the 5 value posts it needs" in page
    assert value_of(page, "policy_gives_per_ask") == "5"
    stored = rep.get(f"/api/v1/audiences/{audience['id']}").get_json()
    assert stored["policy"]["gives_per_ask"] == 3

    # Looser is always fine.
    assert (
        browser.post(path, audience_form(name="CFOs", policy_gives_per_ask="2")).status_code == 303
    )


def test_a_stricter_person_guard_that_would_uncover_a_one_to_one_ask_is_refused(browser, rep):
    audience = make_audience(rep)
    contact = fair_history(rep, audience)  # two touches: a fair ask with two per ask
    tomorrow = local_today() + dt.timedelta(days=1)
    assert (
        browser.post(f"/contacts/{contact['id']}/asks/new", ask_form(tomorrow)).status_code == 303
    )

    path = f"/audiences/{audience['id']}/settings"
    response = browser.post(path, audience_form(name="CFOs", policy_touches_per_ask="4"))
    page = page_text(response)
    assert response.status_code == 422
    assert "This would leave your ask “A 20-minute forecasting review” on" in page
    assert " short: give Dana 2 more touches first" in page
    stored = rep.get(f"/api/v1/audiences/{audience['id']}").get_json()
    assert stored["policy"]["touches_per_ask"] == 2


def test_an_admin_deletes_an_audience_after_confirming(browser, rep):
    audience = make_audience(rep)
    give(rep, audience["id"], f"{NEXT_YEAR}-03-02T09:00")
    confirm = page_text(browser.get(f"/audiences/{audience['id']}/delete"))
    assert "Delete the audience “CFOs”?" in confirm
    assert "This cannot be undone." in confirm
    assert rep.get(f"/api/v1/audiences/{audience['id']}").status_code == 200  # not yet

    response = browser.post(f"/audiences/{audience['id']}/delete")
    assert response.status_code == 303
    assert response.headers["Location"] == "/audiences"
    assert "Deleted the audience “CFOs” and its posts." in page_text(browser.get("/audiences"))
    assert rep.get(f"/api/v1/audiences/{audience['id']}").status_code == 404
    assert browser.get(f"/audiences/{audience['id']}/settings").status_code == 404


def test_a_deletion_an_ask_relies_on_is_a_refused_page_naming_the_person_isolated(browser, rep):
    """A refused form's status (422, as every page answers one), and the reason in the pages'
    words, the person's name and the ask's title each in <bdi>."""
    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)

    def days(n: int) -> str:  # n days from now; negative is the past
        return (now + dt.timedelta(days=n)).isoformat()

    policy = {"gives_per_ask": 1, "min_days_between_asks": 30, "min_days_after_connect": 14,
              "touches_per_ask": 2}  # fmt: skip
    theirs = make_audience(rep, name="مدراء المالية", timezone="UTC", policy=policy)
    other = make_audience(rep, name="COOs", timezone="UTC", policy=policy)
    contact = rep.post(
        "/api/v1/contacts",
        json={"name": "دانا حداد", "audience_id": theirs["id"], "accepted_at": days(-20)},
    ).get_json()
    touches = f"/api/v1/contacts/{contact['id']}/touches"
    assert rep.post(touches, json={"kind": "commented", "at": days(-3)}).status_code == 201
    planned = give(rep, other["id"], days(2))
    linked = rep.post(touches, json={"kind": "shared_article", "post_id": planned["id"]})
    assert linked.status_code == 201
    give(rep, theirs["id"], days(3))
    ask = rep.post(
        f"/api/v1/contacts/{contact['id']}/asks",
        json={"type": "meeting_request", "title": "عرض الأسعار", "scheduled_at": days(5)},
    )
    assert ask.status_code == 201, ask.get_json()
    assert rep.delete(f"/api/v1/audiences/{other['id']}").status_code == 409

    response = browser.post(f"/audiences/{other['id']}/delete")
    assert response.status_code == 422
    page = text_of(response)
    assert "This would leave your ask “<bdi>عرض الأسعار</bdi>” on" in page
    assert "short: give <bdi>دانا</bdi> 1 more touch first" in page
    assert "Nothing was deleted." in page
    assert rep.get(f"/api/v1/audiences/{other['id']}").status_code == 200


# ---------------------------------------------------------------- reps and strangers


def test_a_rep_reads_the_settings_but_cannot_create_change_or_delete(app, browser, rep, second_rep):
    audience = make_audience(rep)
    seller = sign_in(app, second_rep, "second@acme.example")
    path = f"/audiences/{audience['id']}/settings"

    listed = page_text(seller.get("/audiences"))
    assert "CFOs" in listed and "Monthly, on the second Tuesday, at 09:00" in listed
    assert "New audience" not in listed and "Delete" not in listed
    page = page_text(seller.get(path))
    assert "Read only: only a workspace admin can create, change or delete audiences." in page
    assert page.count('disabled aria-describedby="read-only"') == 5
    assert "Save changes" not in page and "Delete this audience" not in page
    assert 'value="CFOs"' in page

    refusals = [
        (path, audience_form(policy_gives_per_ask="1"), "change"),
        ("/audiences/new", audience_form(), "create"),
        (f"/audiences/{audience['id']}/delete", {}, "delete"),
    ]
    for url, form, verb in refusals:
        response = seller.post(url, form)
        assert response.status_code == 403, url
        assert response.mimetype == "text/html"
        assert f"Only a workspace admin can {verb} audiences" in page_text(response)
    stored = rep.get(f"/api/v1/audiences/{audience['id']}").get_json()
    assert stored["policy"]["gives_per_ask"] == 3
    assert rep.get("/api/v1/audiences").get_json()["total"] == 1
    for url in ("/audiences/new", f"/audiences/{audience['id']}/delete"):
        page = seller.get(url)
        assert page.status_code == 403
        assert "Only a workspace admin can" in page_text(page)
        assert "Create audience" not in page_text(page) and "Delete “CFOs”" not in page_text(page)

    # The admin's list has the buttons.
    admin = page_text(browser.get("/audiences"))
    assert "New audience" in admin and "Edit" in admin and "Delete" in admin


def test_another_workspaces_audience_pages_answer_404(rep, stranger):
    audience = make_audience(rep)
    for path in ("settings", "delete"):
        assert stranger.get(f"/audiences/{audience['id']}/{path}").status_code == 404
        assert (
            stranger.post(f"/audiences/{audience['id']}/{path}", audience_form()).status_code == 404
        )
    assert rep.get(f"/api/v1/audiences/{audience['id']}").get_json()["name"] == "CFOs"


def test_audience_forms_without_the_csrf_token_are_refused(browser, rep):
    audience = make_audience(rep)
    for path in ("/audiences/new", f"/audiences/{audience['id']}/settings",
                 f"/audiences/{audience['id']}/delete"):  # fmt: skip
        assert browser.post(path, audience_form(), csrf=False).status_code == 400
    assert rep.get(f"/api/v1/audiences/{audience['id']}").status_code == 200
