"""What the web test modules share: contacts with a fair history, the ask form, page text."""

from __future__ import annotations

import datetime as dt
import html
import re
from zoneinfo import ZoneInfo

from tests.articles import add_article, add_feed
from tests.helpers import give

BERLIN = ZoneInfo("Europe/Berlin")
SOON = (dt.date.today() + dt.timedelta(days=3)).isoformat()


def text_of(response) -> str:
    return response.get_data(as_text=True)


def page_text(response) -> str:
    """The page as a reader sees its text: entities such as &#39; decoded, and without the
    <bdi> tags that isolate typed names and titles in its sentences."""
    return html.unescape(re.sub(r"</?bdi>", "", response.get_data(as_text=True)))


def csrf_token_of(page: str) -> str:
    """The CSRF token rendered in the page's first form."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "no CSRF token on the page"
    return found[1]


def items(caller, path: str) -> list[dict]:
    """An API listing's items, read as ``caller``."""
    response = caller.get(path)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def local_today() -> dt.date:
    return dt.datetime.now(BERLIN).date()


def berlin(day: dt.date, time: str = "10:00") -> dt.datetime:
    return dt.datetime.combine(day, dt.time.fromisoformat(time), BERLIN)


def add_contact(caller, audience=None, **fields):
    body = {"name": "Dana Whitfield", "company": "Initech", "title": "CFO", **fields}
    if audience is not None:
        body["audience_id"] = audience["id"]
    response = caller.post("/api/v1/contacts", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def touch(caller, contact, at: dt.datetime, kind="commented"):
    response = caller.post(
        f"/api/v1/contacts/{contact['id']}/touches", json={"kind": kind, "at": at.isoformat()}
    )
    assert response.status_code == 201, response.get_json()


def ask_form(day: dt.date, time: str = "10:00", **fields) -> dict[str, str]:
    return {
        "type": "meeting_request",
        "title": "A 20-minute forecasting review",
        "body": "Dana, would a short call on your rolling forecast help?",
        "date": day.isoformat(),
        "time": time,
        **fields,
    }


def fair_history(rep, audience):
    """Accepted 20 days ago, two touches and three gives since: a fair ask from now on."""
    today = local_today()
    contact = add_contact(rep, audience, accepted_at=berlin(today - dt.timedelta(20)).isoformat())
    for days_ago in (10, 9):
        touch(rep, contact, berlin(today - dt.timedelta(days_ago)))
    for days_ago in (8, 7, 6):
        give(
            rep,
            audience["id"],
            berlin(today - dt.timedelta(days_ago)).isoformat(),
            status="published",
        )
    return contact


def seed(app, workspace_id: int, *titles: str) -> list[int]:
    """Articles of one feed, a day old, that the default audience's keyword "pricing" finds."""
    with app.extensions["planner_db"].writer() as session:
        feed = add_feed(session, workspace_id, "SaaStr")
        ids = [add_article(session, feed, title, summary="Pricing lessons.").id for title in titles]
        session.commit()
    return ids


def known_by_colleague(colleague) -> None:
    """Dana, a connection of the colleague's, with notes only the colleague may read."""
    known = colleague.post(
        "/api/v1/contacts",
        json={"name": "Dana Whitfield", "profile_url": "https://www.linkedin.com/in/dana-whitfield/",
              "notes": "Owes me a favour", "accepted_at": "2026-11-02T10:00"},
    )  # fmt: skip
    assert known.status_code == 201
