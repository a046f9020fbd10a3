"""What the post and audience pages say reads as a rep talks: no "4 of 3", no internal codes
(shared_article, scheduled) and no API field names (scheduled_at: ...) in sentences."""

from __future__ import annotations

import re

from tests.api.helpers import ARTICLE, iso
from tests.helpers import PASSWORD, give, make_audience
from tests.web.helpers import SOON, csrf_token_of, page_text


def _without_tags(page: str) -> str:
    """The page's words, tags dropped (inline ones join what they split) and spaces folded."""
    spaced = re.sub(r"<(p|li|dd|dt|h\d|label)\b", " <", page)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", spaced))


def test_more_value_posts_than_needed_read_naturally_on_the_audience_and_ask_form(browser, rep):
    audience = make_audience(rep)
    for day in (1, 2, 3, 4):
        give(rep, audience["id"], iso(day), title=f"give {day}")

    calendar = _without_tags(page_text(browser.get(f"/audiences/{audience['id']}")))
    assert "4 of 3" not in calendar
    assert "4 value posts since the last ask (3 needed)" in calendar
    new_ask = f"/audiences/{audience['id']}/posts/new?kind=ask"
    ask_form = _without_tags(page_text(browser.get(new_ask)))
    assert "4 of 3" not in ask_form
    assert "4 value posts (3 needed): enough value shared for a fair ask." in ask_form
    # The API's figures are as they were.
    ratio = rep.get(f"/api/v1/audiences/{audience['id']}/ratio").get_json()
    assert ratio["gives_since_last_ask"] == 4 and ratio["gives_required"] == 3


def test_a_give_with_an_asks_type_is_refused_in_the_forms_words(browser, rep):
    audience = make_audience(rep)
    form = {"kind": "give", "type": "meeting_request", "title": "A give", "body": "",
            "url": "", "status": "scheduled", "date": SOON, "time": "09:00"}  # fmt: skip
    answer = browser.post(f"/audiences/{audience['id']}/posts/new", form)
    assert answer.status_code == 422
    page = page_text(answer)
    assert "shared_article" not in page.split('id="type"')[0] + page.split("</select>", 1)[1]
    error = re.search(r'<p class="field-error" id="type-error">(.*?)</p>', page)[1]
    assert "Meeting request is an ask's type" in error
    assert "Shared article, Original article, Tip, Congratulation" in error
    assert "_" not in error


def test_the_not_saved_yet_page_lists_what_was_sent_by_its_labels(app, rep, browser):
    audience = make_audience(rep)
    new = f"/audiences/{audience['id']}/posts/new?kind=give"
    opened = page_text(browser.get(new))
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', opened))
    assert browser.post("/signout").status_code == 303
    signin = page_text(browser.client.get("/signin"))
    browser.client.post(
        "/signin",
        data={
            "email": "rep@acme.example",
            "password": PASSWORD,
            "csrf_token": csrf_token_of(signin),
        },
    )
    typed = {"kind": "give", "type": "shared_article", "title": "Q3 close", "body": "",
             "url": "", "date": SOON, "time": "09:00", "status": "scheduled"}  # fmt: skip
    sent = browser.client.post(new, data={**hidden, **typed})

    assert sent.status_code == 400
    page = page_text(sent)
    shown = dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]*)</dd>", page))
    assert shown["Kind"] == "Value post"
    assert shown["Type"] == "Shared article"
    assert shown["Status"] == "Scheduled"
    # What is sent again is what was sent.
    assert 'name="kind" value="give"' in page and 'name="type" value="shared_article"' in page
    assert 'name="status" value="scheduled"' in page


def test_a_refused_mark_as_published_says_why_beside_its_date_without_the_field_name(browser, rep):
    audience = make_audience(rep)
    post = give(rep, audience["id"], f"{SOON}T09:00", url=ARTICLE)
    answer = browser.post(f"/posts/{post['id']}/publish", {"date": "2020-01-01", "time": "10:00"})
    assert answer.status_code == 422
    page = page_text(answer)
    assert "scheduled_at:" not in _without_tags(page)
    publish = page.split('id="publish-heading"', 1)[1]
    error = re.search(r'<p class="field-error" id="([^"]+)">(.*?)</p>', publish)
    assert error[2].startswith("This audience records published posts up to 30 days back")
    assert f'aria-describedby="{error[1]}"' in publish
    # The date typed is still in its field.
    typed = f'id="published-date-{post["id"]}" name="date" type="date" value="2020-01-01"'
    assert typed in publish


def test_the_type_select_names_each_other_apart(browser, rep):
    audience = make_audience(rep)
    page = page_text(browser.get(f"/audiences/{audience['id']}/posts/new"))
    select = page.split('<select id="type"', 1)[1].split("</select>", 1)[0]
    options = re.findall(r'<option value="([^"]+)"[^>]*>([^<]+)</option>', select)
    values, labels = [v for v, _ in options], [label for _, label in options]
    assert len(set(values)) == len(values) and len(set(labels)) == len(labels)
    assert "Other value post" in labels and "Other ask" in labels

    # Each "Other" saves a post of its own kind; the other kind's is refused, named.
    other_ask = next(v for v, label in options if label == "Other ask")
    other_give = next(v for v, label in options if label == "Other value post")
    form = {"title": "Catch-all", "body": "", "url": "", "status": "scheduled",
            "date": SOON, "time": "09:00"}  # fmt: skip
    saved = browser.post(
        f"/audiences/{audience['id']}/posts/new", {**form, "kind": "give", "type": other_give}
    )
    assert saved.status_code == 303
    posts = rep.get(f"/api/v1/audiences/{audience['id']}/posts").get_json()["items"]
    assert [(p["kind"], p["type"]) for p in posts] == [("give", "other")]
    edit = page_text(browser.get(f"/posts/{posts[0]['id']}/edit"))
    assert re.search(rf'<option value="{other_give}" selected>Other value post</option>', edit)

    refused = browser.post(
        f"/audiences/{audience['id']}/posts/new",
        {**form, "kind": "give", "type": other_ask, "title": "Wrong other"},
    )
    assert refused.status_code == 422
    assert "Other ask is an ask's type" in page_text(refused)
