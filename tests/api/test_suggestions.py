"""Suggestions over a fixed article set, dismissals, posts from articles and the planner."""

from __future__ import annotations

import datetime as dt

import pytest

from schedules.ranking import FEED_CAP, PAST_CAP
from tests.api.helpers import suggestions
from tests.articles import NOW, add_article, add_feed
from tests.helpers import give, make_audience

KEYWORDS = ["pricing", "SaaS", "churn"]


@pytest.fixture
def feeds(writer_session, rep):
    made = {
        name: add_feed(writer_session, rep.workspace_id, name)
        for name in ("SaaS Weekly", "Finance Daily", "Growth Notes", "Ops Digest")
    }
    writer_session.commit()
    return made


def titles(items):
    return [item["title"] for item in items]


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        ('{"reason": "off topic"}', "application/json"),
        ("[]", "application/json"),
        ("null", "application/json"),
        ('{"reason": ', "application/json"),  # malformed: still this 422, not a 400
        ("off topic", "text/plain"),
        ("reason=off+topic", "application/x-www-form-urlencoded"),
    ],
)
def test_a_dismissal_takes_no_body_and_says_so_when_given_one(
    rep, writer_session, feeds, data, content_type
):
    article = add_article(writer_session, feeds["SaaS Weekly"], "SaaS churn, explained")
    writer_session.commit()
    audience = make_audience(rep, keywords=KEYWORDS)
    url = f"/api/v1/audiences/{audience['id']}/suggestions/{article.id}/dismiss"

    response = rep.post(url, data=data, content_type=content_type)
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["errors"][0]["message"] == (
        "This request takes no body: send none, or {}."
    )
    assert titles(suggestions(rep, audience["id"])) == ["SaaS churn, explained"]
    # What clients send when there is nothing to say: no body, or an empty object.
    assert rep.post(url, json={}).status_code == 204
    assert rep.post(url).status_code == 204
    assert suggestions(rep, audience["id"]) == []
    # Every POST without fields answers alike, not only this one.
    assert rep.post("/api/v1/calendar/subscription", json={"rotate": True}).status_code == 422


@pytest.mark.usefixtures("lexical_only")  # freshness and caps alone, not meaning
def test_a_fresh_article_matching_three_keywords_outranks_an_old_one_matching_one(
    rep, writer_session, feeds
):
    add_article(
        writer_session, feeds["Finance Daily"], "Pricing pages compared",
        days_old=20, summary="Pricing, pricing and more pricing: twelve pricing pages.",
    )  # fmt: skip
    fresh = add_article(
        writer_session, feeds["SaaS Weekly"], "How SaaS pricing cuts churn",
        days_old=1, summary="A short note.",
    )  # fmt: skip
    add_article(writer_session, feeds["Ops Digest"], "Kubernetes upgrades", days_old=1)
    writer_session.commit()
    audience = make_audience(rep, keywords=KEYWORDS)

    items = suggestions(rep, audience["id"])

    assert titles(items) == ["How SaaS pricing cuts churn", "Pricing pages compared"]
    best = items[0]
    assert best["article_id"] == fresh.id
    assert best["matched_keywords"] == KEYWORDS
    assert best["reasons"] == [
        "Title mentions pricing, SaaS, churn",
        "1 day old",
        "From SaaS Weekly, where 1 of 1 recent article fit this audience",
    ]
    assert best["feed"] == {"id": feeds["SaaS Weekly"].id, "title": "SaaS Weekly"}
    assert best["score"] > items[1]["score"] > 0
    assert "2 weeks old" in items[1]["reasons"]


@pytest.mark.usefixtures("lexical_only")  # freshness and caps alone, not meaning
def test_a_longer_half_life_lets_strong_older_articles_compete(rep, writer_session, feeds):
    add_article(
        writer_session, feeds["Finance Daily"], "Pricing: the pricing playbook for SaaS pricing",
        days_old=12, summary="Pricing SaaS pricing churn pricing.",
    )  # fmt: skip
    add_article(writer_session, feeds["SaaS Weekly"], "A churn note", days_old=1)
    writer_session.commit()
    quick = make_audience(rep, name="Quick", keywords=KEYWORDS, half_life_days=1)
    patient = make_audience(
        rep, name="Patient", keywords=KEYWORDS, half_life_days=90, ranking="evergreen"
    )
    assert (patient["half_life_days"], patient["ranking"]) == (90, "evergreen")

    def lead(items):
        return items[0]["score"] / items[1]["score"]

    # Both rank the strong article first (freshness is gentle), the patient one by more: the
    # quick news audience keeps half of a 12-day-old article's score against three quarters of
    # a 1-day-old one's, the patient evergreen one nearly all of both.
    quick_items, patient_items = suggestions(rep, quick["id"]), suggestions(rep, patient["id"])
    assert titles(quick_items)[0].startswith("Pricing: the pricing playbook")
    assert titles(patient_items)[0].startswith("Pricing: the pricing playbook")
    assert lead(patient_items) > 1.4 * lead(quick_items)


def test_only_the_window_counts_unless_since_reaches_further(rep, writer_session, feeds):
    add_article(writer_session, feeds["SaaS Weekly"], "SaaS pricing in 2019", days_old=75)
    add_article(writer_session, feeds["SaaS Weekly"], "SaaS pricing now", days_old=2)
    writer_session.commit()
    audience = make_audience(rep, keywords=KEYWORDS)

    # News audiences look back 60 days unless told otherwise.
    assert titles(suggestions(rep, audience["id"])) == ["SaaS pricing now"]
    since = (NOW - dt.timedelta(days=90)).date().isoformat()
    assert titles(suggestions(rep, audience["id"], since=since)) == [
        "SaaS pricing now",
        "SaaS pricing in 2019",
    ]


def test_exclude_keywords_and_articles_already_shared_are_left_out(rep, writer_session, feeds):
    add_article(writer_session, feeds["SaaS Weekly"], "SaaS pricing for crypto exchanges")
    shared = add_article(writer_session, feeds["Growth Notes"], "Churn benchmarks for SaaS")
    published = add_article(writer_session, feeds["Finance Daily"], "Pricing psychology")
    drafted = add_article(writer_session, feeds["Ops Digest"], "Churn playbooks")
    writer_session.commit()
    audience = make_audience(rep, keywords=KEYWORDS, exclude_keywords=["Crypto"])
    give(rep, audience["id"], "2030-01-08T09:00", article_id=shared.id)
    give(rep, audience["id"], (dt.datetime.now(dt.UTC) - dt.timedelta(days=3)).isoformat(),
         article_id=published.id, status="published")  # fmt: skip
    response = rep.post(
        f"/api/v1/audiences/{audience['id']}/posts",
        json={"kind": "give", "article_id": drafted.id},
    )
    assert response.status_code == 201

    # A draft is not shared yet, so its article is still offered (the planner skips it).
    assert titles(suggestions(rep, audience["id"])) == ["Churn playbooks"]


def test_dismissing_hides_an_article_for_that_audience_only_and_can_be_undone(
    rep, writer_session, feeds
):
    article = add_article(writer_session, feeds["SaaS Weekly"], "SaaS churn, explained")
    writer_session.commit()
    audience = make_audience(rep, keywords=KEYWORDS)
    other = make_audience(rep, name="Founders", keywords=["churn"])
    url = f"/api/v1/audiences/{audience['id']}/suggestions/{article.id}/dismiss"

    assert rep.post(url).status_code == 204
    assert rep.post(url).status_code == 204  # dismissing twice is harmless
    assert suggestions(rep, audience["id"]) == []
    assert titles(suggestions(rep, other["id"])) == ["SaaS churn, explained"]

    assert rep.delete(url).status_code == 204
    assert titles(suggestions(rep, audience["id"])) == ["SaaS churn, explained"]


@pytest.mark.usefixtures("lexical_only")  # freshness and caps alone, not meaning
def test_a_busy_feed_takes_two_of_the_top_ten_when_other_feeds_match_as_well(
    rep, writer_session, feeds
):
    loud = feeds["SaaS Weekly"]
    for i in range(5):  # the loud feed has the five freshest articles
        add_article(
            writer_session, loud, f"SaaS pricing and churn, part {i}", days_old=0.1 + i / 10
        )
    for i in range(9):  # as good a match, a few days older
        feed = add_feed(writer_session, rep.workspace_id, f"Quiet feed {i}")
        add_article(writer_session, feed, f"SaaS pricing and churn, notes {i}", days_old=3 + i)
    writer_session.commit()
    audience = make_audience(rep, keywords=KEYWORDS)

    items = suggestions(rep, audience["id"], limit=14)

    top_feeds = [item["feed"]["id"] for item in items[:10]]
    assert top_feeds.count(loud.id) == 2
    assert len(items) == 14
    # The capped articles are not lost: they come after the first ten, best first.
    assert titles(items[10:13]) == [f"SaaS pricing and churn, part {i}" for i in (2, 3, 4)]


@pytest.mark.usefixtures("lexical_only")
def test_a_feed_whose_articles_far_outscore_the_rest_takes_more_than_two_places(
    rep, writer_session, feeds
):
    niche = feeds["SaaS Weekly"]
    for i in range(5):  # every keyword in the title
        add_article(
            writer_session, niche, f"SaaS pricing and churn, part {i}", days_old=0.1 + i / 10
        )
    for i in range(9):  # one keyword, in passing: weak evidence
        feed = add_feed(writer_session, rep.workspace_id, f"Quiet feed {i}")
        add_article(writer_session, feed, f"Notes on pricing number {i}", days_old=3 + i)
    writer_session.commit()
    audience = make_audience(rep, keywords=KEYWORDS)

    items = suggestions(rep, audience["id"], limit=14)

    placed = 0
    for index, item in enumerate(items[:10]):
        if item["feed"]["id"] != niche.id:
            continue
        placed += 1
        if placed > FEED_CAP:  # it went before every other feed's article listed after it
            discounted = item["score"] * PAST_CAP
            others = [o["score"] for o in items[index + 1 :] if o["feed"]["id"] != niche.id]
            assert others and all(discounted >= score for score in others)
    assert placed > FEED_CAP
    assert len(items) == 14  # no quiet article is lost


@pytest.mark.usefixtures("lexical_only")  # freshness and caps alone, not meaning
def test_with_too_few_feeds_the_cap_gives_way_rather_than_hiding_articles(
    rep, writer_session, feeds
):
    for i in range(4):
        add_article(writer_session, feeds["SaaS Weekly"], f"Churn lesson {i}", days_old=1 + i)
    writer_session.commit()
    audience = make_audience(rep, keywords=KEYWORDS)

    assert titles(suggestions(rep, audience["id"])) == [f"Churn lesson {i}" for i in range(4)]


def test_the_same_story_from_several_feeds_appears_once(rep, writer_session, feeds):
    add_article(
        writer_session, feeds["SaaS Weekly"], "Acme raises SaaS prices by ten percent",
        days_old=1, summary="Acme pricing changes.",
    )  # fmt: skip
    add_article(
        writer_session, feeds["Finance Daily"], "Acme raises SaaS prices by ten percent!",
        days_old=1.5,
    )  # fmt: skip
    add_article(
        writer_session, feeds["Growth Notes"], "Acme raises its SaaS prices by ten percent",
        days_old=2,
    )  # fmt: skip
    add_article(writer_session, feeds["Ops Digest"], "Notes on pricing", days_old=5)
    writer_session.commit()
    audience = make_audience(rep, keywords=KEYWORDS)

    items = suggestions(rep, audience["id"])

    assert titles(items) == [
        "Acme raises SaaS prices by ten percent",
        "Notes on pricing",
    ]
    assert items[0]["feed"]["title"] == "SaaS Weekly"


def test_matching_inflects_folds_case_and_accents_and_keeps_phrases(rep, writer_session, feeds):
    add_article(writer_session, feeds["SaaS Weekly"], "Prices rise again", days_old=1)
    add_article(writer_session, feeds["Finance Daily"], "Le CAFÉ des RÉSUMÉS", days_old=2)
    add_article(
        writer_session, feeds["Growth Notes"], "Hiring for customer success teams", days_old=3
    )
    add_article(writer_session, feeds["Ops Digest"], "Success with every customer", days_old=0.5)
    writer_session.commit()
    audience = make_audience(rep, keywords=["pricing", "cafe", "résumé", "Customer Success"])

    items = suggestions(rep, audience["id"])

    matched = {item["title"]: item["matched_keywords"] for item in items}
    # "Success with every customer" has both words, but not the phrase.
    assert matched == {
        "Prices rise again": ["pricing"],
        "Le CAFÉ des RÉSUMÉS": ["cafe", "résumé"],
        "Hiring for customer success teams": ["Customer Success"],
    }


def test_an_audience_without_keywords_gets_no_suggestions(rep, writer_session, feeds):
    add_article(writer_session, feeds["SaaS Weekly"], "SaaS pricing")
    writer_session.commit()
    audience = make_audience(rep, keywords=[])
    assert suggestions(rep, audience["id"]) == []
    answer = rep.get(f"/api/v1/audiences/{audience['id']}/suggestions").get_json()
    assert answer["empty"]["code"] == "no_keywords"
    assert "no keywords" in answer["empty"]["message"]


def test_an_empty_list_says_why_no_feeds_or_nothing_in_the_window(rep, writer_session):
    audience = make_audience(rep, keywords=KEYWORDS)
    answer = rep.get(f"/api/v1/audiences/{audience['id']}/suggestions").get_json()
    assert (answer["items"], answer["empty"]["code"]) == ([], "no_feeds")

    feed = add_feed(writer_session, rep.workspace_id, "SaaS Weekly")
    for days in (70, 100):
        add_article(writer_session, feed, f"SaaS pricing, {days} days on", days_old=days)
    add_article(writer_session, feed, "Gardening in spring", days_old=1)
    writer_session.commit()
    answer = rep.get(f"/api/v1/audiences/{audience['id']}/suggestions").get_json()
    assert answer["items"] == []
    assert answer["empty"]["code"] == "nothing_in_window"
    assert answer["empty"]["older_matches"] == 2
    assert "2 older ones do" in answer["empty"]["message"]
    start = dt.datetime.fromisoformat(answer["empty"]["window_start"])
    # The window ends at the request, not at NOW (taken at import: minutes earlier under load).
    assert abs(dt.datetime.now(dt.UTC) - dt.timedelta(days=60) - start) < dt.timedelta(minutes=5)
    # Looking further back, as the message suggests, finds them.
    since = (NOW - dt.timedelta(days=120)).date().isoformat()
    assert len(suggestions(rep, audience["id"], since=since)) == 2
    answer = rep.get(f"/api/v1/audiences/{audience['id']}/suggestions?since={since}").get_json()
    assert answer["empty"] is None


def give_from_article(rep, audience_id, article_id):
    return rep.post(
        f"/api/v1/audiences/{audience_id}/posts",
        json={"kind": "give", "article_id": article_id, "scheduled_at": "2030-01-08T09:00"},
    )


def test_a_post_made_from_an_article_takes_its_title_link_and_summary(rep, writer_session, feeds):
    long_summary = "Pricing matters. " * 60
    article = add_article(
        writer_session, feeds["SaaS Weekly"], "Why pricing matters",
        summary=long_summary, url="https://saas.example/pricing",
    )  # fmt: skip
    writer_session.commit()
    audience = make_audience(rep, keywords=KEYWORDS)

    response = give_from_article(rep, audience["id"], article.id)
    assert response.status_code == 201, response.get_json()
    post = response.get_json()
    assert post["title"] == "Why pricing matters"
    assert post["url"] == "https://saas.example/pricing"
    assert post["type"] == "shared_article"
    assert post["article_id"] == article.id
    assert post["body"].startswith("Pricing matters. Pricing matters.")
    assert post["body"].endswith("…") and len(post["body"]) <= 600
    assert "<p>" not in post["body"]

    edited = rep.post(
        f"/api/v1/audiences/{audience['id']}/posts",
        json={"kind": "give", "article_id": article.id, "title": "My take on pricing",
              "body": "Worth ten minutes."},
    ).get_json()  # fmt: skip
    assert (edited["title"], edited["body"]) == ("My take on pricing", "Worth ten minutes.")
    assert edited["url"] == "https://saas.example/pricing"

    unlinked = rep.patch(f"/api/v1/posts/{edited['id']}", json={"article_id": None})
    assert unlinked.get_json()["article_id"] is None


def test_a_post_from_an_article_stored_untitled_takes_its_first_words(rep, writer_session, feeds):
    """Articles stored before entries were titled at parse time may have no title, and some
    no link: a post from one is titled as the parser titles such entries now."""
    article = add_article(
        writer_session, feeds["SaaS Weekly"], "",
        summary="Five pricing page patterns from forty SaaS teams, and which ones cut churn.",
    )  # fmt: skip
    article.canonical_url = None
    writer_session.commit()
    audience = make_audience(rep, keywords=KEYWORDS)

    response = give_from_article(rep, audience["id"], article.id)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["title"] == (
        "Five pricing page patterns from forty SaaS teams, and which ones cut churn."
    )


def test_plan_fills_empty_slots_with_drafts_once(rep, writer_session, feeds):
    for i, feed in enumerate(("SaaS Weekly", "Finance Daily")):
        add_article(writer_session, feeds[feed], f"SaaS pricing and churn {i}", days_old=1 + i)
    writer_session.commit()
    audience = make_audience(rep, keywords=KEYWORDS)  # second Tuesday, 09:00 Berlin
    # February is already filled by a scheduled give.
    give(rep, audience["id"], "2030-02-12T09:00")
    url = f"/api/v1/audiences/{audience['id']}/plan"
    body = {"from": "2030-01-01", "to": "2030-05-01"}

    first = rep.post(url, json=body)

    assert first.status_code == 200, first.get_json()
    plan = first.get_json()
    assert [f["slot"] for f in plan["filled"]] == [
        "2030-01-08T08:00:00+00:00",
        "2030-03-12T08:00:00+00:00",
    ]
    drafts = [f["post"] for f in plan["filled"]]
    assert titles(drafts) == ["SaaS pricing and churn 0", "SaaS pricing and churn 1"]
    assert {(d["status"], d["kind"], d["type"]) for d in drafts} == {
        ("draft", "give", "shared_article")
    }
    assert drafts[0]["scheduled_at"] == "2030-01-08T08:00:00+00:00"
    assert plan["unfilled"] == [
        {"slot": "2030-04-09T07:00:00+00:00", "reason": plan["unfilled"][0]["reason"]}
    ]
    assert "No unused suggestion" in plan["unfilled"][0]["reason"]

    again = rep.post(url, json=body).get_json()
    assert again["filled"] == []
    assert [u["slot"] for u in again["unfilled"]] == ["2030-04-09T07:00:00+00:00"]
    posts = rep.get(f"/api/v1/audiences/{audience['id']}/posts").get_json()
    assert posts["total"] == 3  # the scheduled give and two drafts, nothing doubled


def test_plan_looks_as_far_back_as_the_suggestions_list_it_was_asked_beside(
    rep, writer_session, feeds
):
    add_article(writer_session, feeds["SaaS Weekly"], "SaaS pricing a quarter on", days_old=100)
    writer_session.commit()
    audience = make_audience(rep, keywords=KEYWORDS)  # news: the last 60 days by default
    url = f"/api/v1/audiences/{audience['id']}/plan"
    body = {"from": "2030-01-01", "to": "2030-02-01"}
    since = (NOW - dt.timedelta(days=120)).date().isoformat()
    assert titles(suggestions(rep, audience["id"], since=since)) == ["SaaS pricing a quarter on"]

    default = rep.post(url, json=body).get_json()
    assert default["filled"] == [] and len(default["unfilled"]) == 1

    further = rep.post(url, json={**body, "since": since}).get_json()
    assert titles([f["post"] for f in further["filled"]]) == ["SaaS pricing a quarter on"]
    for wrong in ("last spring", (NOW + dt.timedelta(days=2)).date().isoformat()):
        refused = rep.post(url, json={**body, "since": wrong})
        assert refused.status_code == 422, refused.get_json()
        assert refused.mimetype == "application/problem+json"
        assert [e["field"] for e in refused.get_json()["errors"]] == ["since"]


def test_another_workspace_gets_404s(rep, outsider, writer_session, feeds):
    article = add_article(writer_session, feeds["SaaS Weekly"], "SaaS pricing")
    writer_session.commit()
    audience = make_audience(rep, keywords=KEYWORDS)
    theirs = make_audience(outsider, keywords=KEYWORDS)
    base = f"/api/v1/audiences/{audience['id']}"

    assert outsider.get(f"{base}/suggestions").status_code == 404
    assert outsider.post(f"{base}/suggestions/{article.id}/dismiss").status_code == 404
    assert (
        outsider.post(f"{base}/plan", json={"from": "2030-01-01", "to": "2030-02-01"}).status_code
        == 404
    )
    # Their own audience, but our article: not found either, and never suggested to them.
    own = f"/api/v1/audiences/{theirs['id']}/suggestions"
    assert outsider.post(f"{own}/{article.id}/dismiss").status_code == 404
    assert outsider.delete(f"{own}/{article.id}/dismiss").status_code == 404
    assert suggestions(outsider, theirs["id"]) == []
    response = outsider.post(
        f"/api/v1/audiences/{theirs['id']}/posts", json={"kind": "give", "article_id": article.id}
    )
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "article_id"


@pytest.mark.parametrize(
    ("path", "method", "payload", "field"),
    [
        ("suggestions?limit=0", "get", None, "limit"),
        ("suggestions?limit=51", "get", None, "limit"),
        ("suggestions?since=yesterday-ish", "get", None, "since"),
        ("suggestions?since=2999-01-01", "get", None, "since"),
        ("plan", "post", {"from": "2030-01-01"}, "to"),
        ("plan", "post", {"from": "2030-02-01", "to": "2030-01-01"}, "to"),
        ("plan", "post", {"from": "soon", "to": "2030-01-01"}, "from"),
    ],
)
def test_invalid_requests_are_422_naming_the_field_and_where_it_was(
    rep, path, method, payload, field
):
    audience = make_audience(rep, keywords=KEYWORDS)
    url = f"/api/v1/audiences/{audience['id']}/{path}"
    response = getattr(rep, method)(url, **({"json": payload} if payload is not None else {}))
    assert response.status_code == 422, response.get_json()
    assert response.content_type == "application/problem+json"
    named = {(error["field"], error.get("location")) for error in response.get_json()["errors"]}
    assert (field, "query" if method == "get" else "json") in named


def test_half_life_is_validated(rep):
    response = rep.post("/api/v1/audiences", json={"name": "X", "half_life_days": 0})
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "half_life_days"
