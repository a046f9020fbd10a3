"""What the pages say about the rule now: the next ask's cover, overdue posts, prefilled asks."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from tests.api.helpers import add_contact, iso, touch
from tests.helpers import ask, give, make_audience
from tests.web.helpers import text_of


def berlin(at: str) -> dt.datetime:
    return dt.datetime.fromisoformat(at).astimezone(ZoneInfo("Europe/Berlin"))


def test_the_home_meter_after_a_future_ask_shows_its_cover_and_what_a_new_ask_needs(browser, rep):
    """The issue's probe: five gives and an ask later on read "0 of 4" and nothing else."""
    audience = make_audience(rep, policy={"preset": "80-20"})
    for day in range(1, 6):
        give(rep, audience["id"], iso(day))
    assert ask(rep, audience["id"], iso(40)).status_code == 201
    page = text_of(browser.get("/"))
    assert re.search(
        r"Your next ask, on [^:]+:[^<]*<strong>4 of 4</strong> value posts, covered", page
    )
    assert "Value posts toward a new ask after your ask on" in page
    assert "share 4 more before a new ask" in page


def test_the_home_page_lists_overdue_posts_to_mark_published_or_move(browser, rep):
    audience = make_audience(rep)
    late = give(rep, audience["id"], iso(hours=-1 / 60), title="The checklist post")
    page = text_of(browser.get("/"))
    assert "Overdue:" in page and "Mark published or move it." in page
    assert f'href="/posts/{late["id"]}/edit"><bdi>The checklist post</bdi></a>' in page
    rep.patch(f"/api/v1/posts/{late['id']}", json={"status": "published"})
    assert "Overdue:" not in text_of(browser.get("/"))


def test_the_ask_form_opens_with_the_earliest_allowed_date_and_the_meter(browser, rep):
    audience = make_audience(rep)
    gives = [give(rep, audience["id"], iso(day)) for day in (1, 2, 3)]
    page = text_of(browser.get(f"/audiences/{audience['id']}/posts/new?kind=ask"))
    earliest = berlin(gives[-1]["scheduled_at"]) + dt.timedelta(minutes=1)
    assert f'value="{earliest:%Y-%m-%d}"' in page and f'value="{earliest:%H:%M}"' in page
    assert 'id="ask-meter"' in page and "<strong>3 of 3</strong>" in page
    date = re.search(r'id="date"[^>]*value="([^"]+)"', page)[1]
    time = re.search(r'id="time"[^>]*value="([^"]+)"', page)[1]
    form = {"kind": "ask", "type": "meeting_request", "title": "Invite", "date": date,
            "time": time, "status": "scheduled"}  # fmt: skip
    sent = browser.post(f"/audiences/{audience['id']}/posts/new", form)
    assert sent.status_code == 303, text_of(sent)
    # A give's form has neither.
    give_form = text_of(browser.get(f"/audiences/{audience['id']}/posts/new?kind=give"))
    assert 'id="ask-meter"' not in give_form


def test_the_contact_ask_form_opens_with_the_first_date_both_rules_allow(browser, rep):
    audience = make_audience(rep, policy={"gives_per_ask": 1})
    contact = add_contact(rep, audience, name="Dana Reyes", accepted_at=iso(-3))
    touch(rep, contact, iso(-2))
    touch(rep, contact, iso(-1))
    give(rep, audience["id"], iso(1))
    page = text_of(browser.get(f"/contacts/{contact['id']}/asks/new"))
    # Connected 3 days ago: the person's 14 days come after the audience's give.
    ready = berlin(iso(-3)) + dt.timedelta(days=14)
    assert f'value="{ready:%Y-%m-%d}"' in page
    assert 'id="ask-meter"' in page and "<strong>1 of 1</strong>" in page
    assert "Before a fair ask to <bdi>Dana</bdi>:" in page and "Wait until" in page
    # Sent as it opened, the form is accepted.
    date = re.search(r'id="date"[^>]*value="([^"]+)"', page)[1]
    time = re.search(r'id="time"[^>]*value="([^"]+)"', page)[1]
    form = {"type": "meeting_request", "title": "A short call", "date": date, "time": time}
    sent = browser.post(f"/contacts/{contact['id']}/asks/new", form)
    assert sent.status_code == 303, text_of(sent)


def test_a_refused_ask_says_when_no_date_before_the_next_ask_would_pass(browser, rep):
    audience = make_audience(rep)
    for day in (1, 2, 3):
        give(rep, audience["id"], iso(day))
    assert ask(rep, audience["id"], iso(60)).status_code == 201
    early = berlin(iso(0.5))
    form = {"kind": "ask", "type": "meeting_request", "title": "Invite", "status": "scheduled",
            "date": f"{early:%Y-%m-%d}", "time": f"{early:%H:%M}"}  # fmt: skip
    page = text_of(browser.post(f"/audiences/{audience['id']}/posts/new", form))
    assert "only value posts from the 365 days before an ask count" in page
    assert re.search(r"no date before your next ask on [^,]+, \d\d:\d\d leaves both covered", page)
    assert "choose a date on or after" not in page
