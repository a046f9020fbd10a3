"""The ranking learns from the rep's verdicts: like the useful, unlike the not useful."""

from __future__ import annotations

from tests.articles import add_article, add_feed
from tests.helpers import make_audience

API = "Metering API calls, tokens and usage tiers for cloud developer platforms."
API_TOO = "Developer platforms bill cloud usage: tokens metered per API call, tiers by volume."
GROCERY = "Shelf discounts, loyalty cards and grocery margins in retail stores."
GROCERY_TOO = "Retail stores trade grocery margins for loyalty cards and shelf discounts."


def suggested(caller, audience_id):
    response = caller.get(f"/api/v1/audiences/{audience_id}/suggestions")
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def test_useful_feedback_lifts_similar_articles_and_says_so(rep, writer_session):
    feeds = [add_feed(writer_session, rep.workspace_id, f"Feed {i}") for i in range(4)]
    liked = add_article(writer_session, feeds[0], "Pricing usage-based cloud APIs",
                        days_old=1, summary=API)  # fmt: skip
    add_article(writer_session, feeds[1], "Pricing lessons from grocery retail",
                days_old=2, summary=GROCERY)  # fmt: skip
    add_article(writer_session, feeds[2], "Pricing cloud APIs by usage tiers",
                days_old=4, summary=API_TOO)  # fmt: skip
    add_article(writer_session, feeds[3], "Pricing aisles: what grocery shoppers pay",
                days_old=3, summary=GROCERY_TOO)  # fmt: skip
    writer_session.commit()
    audience = make_audience(rep, keywords=["pricing"])
    before = [item["title"] for item in suggested(rep, audience["id"])]
    assert before.index("Pricing cloud APIs by usage tiers") == 3

    url = f"/api/v1/audiences/{audience['id']}/suggestions/{liked.id}/feedback"
    assert rep.post(url, json={"verdict": "useful"}).status_code == 200

    after = suggested(rep, audience["id"])
    titles = [item["title"] for item in after]
    assert titles[:2] == ["Pricing usage-based cloud APIs", "Pricing cloud APIs by usage tiers"]
    assert "Like 'Pricing usage-based cloud APIs', which you found useful" in after[1]["reasons"]
    assert not any("found useful" in r for r in after[2]["reasons"] + after[3]["reasons"])

    # Not useful pushes the grocery pair down below the API pair even when fresher; undo restores.
    grocery = next(i for i in after if i["title"] == "Pricing lessons from grocery retail")
    down = f"/api/v1/audiences/{audience['id']}/suggestions/{grocery['article_id']}/feedback"
    assert rep.post(down, json={"verdict": "not_useful"}).status_code == 200
    last = suggested(rep, audience["id"])
    assert [i["title"] for i in last][-1] in {
        "Pricing lessons from grocery retail", "Pricing aisles: what grocery shoppers pay"
    }  # fmt: skip
    assert any("found not useful" in r for r in last[-1]["reasons"])
    assert rep.delete(down).status_code == 204 and rep.delete(url).status_code == 204
    assert [item["title"] for item in suggested(rep, audience["id"])] == before


def test_planning_never_drafts_an_article_found_not_useful_which_stays_listed(rep, writer_session):
    feeds = [add_feed(writer_session, rep.workspace_id, f"Feed {i}") for i in range(2)]
    waved = add_article(writer_session, feeds[0], "Pricing cloud APIs by usage tiers",
                        days_old=1, summary=API)  # fmt: skip
    add_article(writer_session, feeds[1], "Pricing aisles: what grocery shoppers pay",
                days_old=30, summary=GROCERY)  # fmt: skip
    writer_session.commit()
    audience = make_audience(rep, keywords=["pricing", "cloud", "usage"])
    feedback = f"/api/v1/audiences/{audience['id']}/suggestions/{waved.id}/feedback"
    assert rep.post(feedback, json={"verdict": "not_useful"}).status_code == 200
    listed = suggested(rep, audience["id"])
    assert listed[0]["title"] == waved.title  # ranked first all the same
    assert "You found it not useful" in listed[0]["reasons"]
    assert not any(waved.title in reason for reason in listed[0]["reasons"])

    plan = f"/api/v1/audiences/{audience['id']}/plan"
    filled = rep.post(plan, json={"from": "2030-01-01", "to": "2030-03-01"}).get_json()["filled"]

    assert [f["post"]["title"] for f in filled] == ["Pricing aisles: what grocery shoppers pay"]
