"""Each way suggestions went wrong on real feeds, on a small crafted corpus (both databases).

One test per failure kind found in the held-out evaluation: technical tokens, stems that cross
into other words, one ambiguous keyword, tags, busy off-topic feeds, duplicate stories, and
recency swamping relevance; and feedback, which must move what resembles a verdict. They test
the lexical ranking, which must be good without the meaning factor (tests/unit/test_semantic.py
tests that), so the factor is off here.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from feeds.analysis import analyse
from schedules import audiences_db, feedback_db, learning, ranking, suggestions_db
from tests.articles import add_article, add_feed

NOW = dt.datetime(2026, 2, 20, 12, tzinfo=dt.UTC)

pytestmark = pytest.mark.usefixtures("lexical_only")


def ranked(session: Session, workspace_id: int, **audience) -> list[ranking.Suggestion]:
    name = f"Audience {len(audiences_db.list_audiences(session, workspace_id)) + 1}"
    made = audiences_db.create_audience(session, workspace_id, name=name, **audience)
    session.flush()
    return suggestions_db.suggest(session, workspace_id, made.id, limit=20, now=NOW)


def titles(found: list[ranking.Suggestion]) -> list[str]:
    return [s.title for s in found]


def feeds(session, workspace_id, *names):
    return [add_feed(session, workspace_id, name) for name in names]


def article(session, feed, title, days_old=1.0, summary="", tags=()):
    return add_article(session, feed, title, days_old=days_old, summary=summary, tags=tags, now=NOW)


def test_technical_tokens_stay_whole(session, workspace_id):
    feed = add_feed(session, workspace_id, "Mixed")
    article(session, feed, "Victorian house, c. 1900, with a C-shaped garden")
    article(session, feed, "Modern C++ templates without tears")
    article(session, feed, "Why we moved from C# to F#")
    article(session, feed, "GPT-3 was yesterday", summary="A look back at GPT-3.")
    article(session, feed, "What GPT-4 changes", summary="Benchmarks of GPT-4.")
    article(session, feed, "Patch now: CVE-2026-1234 in OpenSSL")
    article(session, feed, "Node.js 24 and the .NET 10 runtime compared")

    assert titles(ranked(session, workspace_id, keywords=["C++"])) == [
        "Modern C++ templates without tears"
    ]
    assert titles(ranked(session, workspace_id, keywords=["GPT-4"])) == ["What GPT-4 changes"]
    found = ranked(session, workspace_id, keywords=["CVE-2026-1234"])
    assert titles(found) == ["Patch now: CVE-2026-1234 in OpenSSL"]
    # "CVE" alone still finds the identifier's part.
    assert titles(ranked(session, workspace_id, keywords=["CVE"])) == titles(found)
    assert titles(ranked(session, workspace_id, keywords=["C#"])) == ["Why we moved from C# to F#"]
    both = ranked(session, workspace_id, keywords=[".NET", "node.js"])
    assert titles(both) == ["Node.js 24 and the .NET 10 runtime compared"]
    assert analyse("C++ C# .NET Node.js", query=True) == ["cplusplus", "csharp", "dotnet", "nodejs"]


def test_matching_widens_to_inflections_only_and_prefers_the_exact_form(session, workspace_id):
    feed = add_feed(session, workspace_id, "Mixed")
    article(session, feed, "The digital transformation of banks")
    article(session, feed, "Authentic Italian cooking at home")
    article(session, feed, "Transformer attention, explained", days_old=2)
    article(session, feed, "Transformers attention, explained", days_old=2)
    article(session, feed, "Passkeys replace password authentication", days_old=2)

    found = ranked(session, workspace_id, keywords=["transformer", "authentication"])

    assert titles(found) == [
        "Passkeys replace password authentication",
        "Transformer attention, explained",
        "Transformers attention, explained",
    ] or titles(found)[1:] == [
        "Transformer attention, explained",
        "Transformers attention, explained",
    ]
    assert set(titles(found)) == {
        "Passkeys replace password authentication",
        "Transformer attention, explained",
        "Transformers attention, explained",
    }
    exact, inflected = (s for s in found if s.title.startswith("Transformer"))
    assert exact.score > inflected.score
    assert "Only as another form: transformer" in inflected.reasons


def test_the_description_decides_which_sense_of_an_ambiguous_keyword_is_meant(
    session, workspace_id
):
    world, tech = add_feed(session, workspace_id, "World"), add_feed(session, workspace_id, "Tech")
    article(
        session, world, "Security council meets over border security", days_old=0.5,
        summary="Ministers discussed troops, sanctions and the security of the border region.",
    )  # fmt: skip
    article(
        session, tech, "The security of your software supply chain", days_old=3,
        summary="Signed builds and dependency pinning stop attackers who poison packages "
        "before they reach your software.",
    )  # fmt: skip

    found = ranked(
        session, workspace_id, keywords=["security"],
        description="Engineers who secure software: supply chain attacks, dependency "
        "pinning, signed builds, attackers and the packages they poison.",
    )  # fmt: skip

    assert titles(found)[0] == "The security of your software supply chain"
    best, other = found
    assert any(r.startswith("About ") and "software" in r for r in best.reasons)
    assert any("Only one keyword (security)" in r for r in other.reasons)


def test_a_lone_keyword_mentioned_only_in_the_text_is_a_passing_mention(session, workspace_id):
    # A podcast's sponsor read says "free shipping"; a trade story has it in its headline. The
    # podcast also happens to use two description words, which once outweighed the headline.
    podcast, trade = feeds(session, workspace_id, "Comedy Hour", "Trade Wire")
    article(
        session, podcast, "Episode 642: the casino kook", days_old=0.2,
        summary="Joe follows a casino kook across town and Mark heads to Texas to count the "
        "costs. For free shipping on your order and 365-day returns, go to our sponsor's "
        "site; shipping is free on the first order. Heads up: tickets for the tour are on "
        "sale now, follow us for dates.",
    )  # fmt: skip
    article(session, trade, "Red Sea shipping detours add two weeks to Asia routes", days_old=9,
            summary="Carriers reroute around the Cape.")  # fmt: skip

    found = ranked(
        session, workspace_id, keywords=["shipping", "freight", "ports"],
        description="Heads of logistics who follow shipping routes and freight costs.",
    )  # fmt: skip

    headline, passing = found
    assert headline.title == "Red Sea shipping detours add two weeks to Asia routes"
    assert "Only one keyword (shipping), and only in the text: weak evidence" in passing.reasons
    # A kept list (suggestions_db.ListingCache) lets the match go and says the same.
    kept = passing.kept()
    assert kept.match is None and kept.reasons == passing.reasons


def test_a_tag_alone_does_not_match_and_beside_the_text_is_only_a_hint(session, workspace_id):
    policy, tools = feeds(session, workspace_id, "Policy", "Tools")
    article(session, policy, "Sanctions and the new trade order", tags=("Editors' Picks",))
    article(session, tools, "A faster code editor for large repos", days_old=2)
    article(session, tools, "Plugins for your editor", days_old=2, tags=("editor",))

    found = ranked(session, workspace_id, keywords=["editor"])

    assert "Sanctions and the new trade order" not in titles(found)
    tagged = next(s for s in found if s.title == "Plugins for your editor")
    assert "Tagged editor (a weak hint)" in tagged.reasons


def test_a_niche_feed_that_always_fits_outranks_a_busy_feed_that_rarely_does(session, workspace_id):
    wire, niche = feeds(session, workspace_id, "Wire", "K8s Blog")
    for i in range(40):
        article(session, wire, f"Elections, markets and weather, day {i}", days_old=i / 2)
    article(session, wire, "Kubernetes adoption rises in banks", days_old=0.2,
            summary="Banks run containers on Kubernetes.")  # fmt: skip
    for i in range(4):
        article(
            session, niche, f"Kubernetes operators in practice, part {i}", days_old=4 + i,
            summary="Running containers on Kubernetes with operators.",
        )  # fmt: skip

    found = ranked(session, workspace_id, keywords=["Kubernetes", "containers"])

    assert [s.feed_title for s in found[:2]] == ["K8s Blog", "K8s Blog"]
    wire_item = next(s for s in found if s.feed_title == "Wire")
    assert titles(found).index(wire_item.title) >= 2
    assert "From Wire, where 1 of 41 recent articles fit this audience" in wire_item.reasons


def test_a_feeds_first_article_is_presumed_average_not_half_fitting(session, workspace_id):
    # A feed's first few articles say little about it: one matching article of one must not
    # count as a record beside a feed whose every other article fits (it once did: smoothed
    # towards one half, 1 of 1 was a prior of 0.67 against 0.5 for 5 of 10).
    wire, proven, new = feeds(session, workspace_id, "Wire", "Ops Journal", "New Blog")
    for i in range(40):
        article(session, wire, f"Elections, markets and weather, day {i}", days_old=i / 2)
    for i in range(5):
        article(session, proven, f"Kubernetes containers in production, part {i}", days_old=3,
                summary="Containers on Kubernetes.")  # fmt: skip
        article(session, proven, f"Our office move, part {i}", days_old=3)
    article(session, new, "Kubernetes containers, a first look", days_old=1,
            summary="Containers on Kubernetes.")  # fmt: skip

    found = ranked(session, workspace_id, keywords=["Kubernetes", "containers"])

    assert [s.feed_title for s in found[:2]] == ["Ops Journal", "Ops Journal"]
    newcomer = next(s for s in found if s.feed_title == "New Blog")
    assert "From New Blog, where 1 of 1 recent article fit this audience" in newcomer.reasons


def test_the_same_story_from_two_wires_appears_once_naming_the_other(session, workspace_id):
    dawn, reuters = feeds(session, workspace_id, "Dawn", "Reuters")
    lead = (
        "A magnitude 6.1 earthquake struck northern Pakistan on Tuesday, damaging homes in "
        "three districts and cutting roads, officials said, as rescue teams searched for "
        "survivors in the mountains."
    )
    article(session, reuters, "Earthquake hits Pakistan's north, homes damaged", summary=lead)
    article(session, dawn, "Quake strikes northern areas", days_old=1.2,
            summary=lead + " The provincial government declared an emergency.")  # fmt: skip
    article(session, dawn, "Pakistan budget talks resume", days_old=2)

    found = ranked(session, workspace_id, keywords=["earthquake", "Pakistan"])

    assert len([s for s in found if "uake" in s.title]) == 1
    story = found[0]
    assert story.also_in == ("Dawn",) or story.also_in == ("Reuters",)
    assert f"Also in {story.also_in[0]}" in story.reasons


def test_a_month_old_analysis_beats_a_keyword_coincidence_from_today(session, workspace_id):
    blog, sport = feeds(session, workspace_id, "GPU Notes", "Sport")
    article(
        session, blog, "How we run GPU training and inference at scale", days_old=30,
        summary="Our model training fleet of GPU nodes, scheduling, inference latency and "
        "the cost of idle accelerators.",
    )  # fmt: skip
    article(session, sport, "Marathon training tips for winter", days_old=0.1,
            summary="Training plans for runners in the cold.")  # fmt: skip

    found = ranked(
        session, workspace_id, keywords=["GPU", "training", "inference"],
        description="ML platform leads who run model training and inference on GPU fleets.",
    )  # fmt: skip

    assert titles(found) == [
        "How we run GPU training and inference at scale",
        "Marathon training tips for winter",
    ]


def test_site_pages_and_promotions_rank_below_articles_unless_the_audience_asks(
    session, workspace_id
):
    blog, shop = feeds(session, workspace_id, "Rails Notes", "Rails Shop")
    article(session, shop, "Privacy Policy", summary="How we use Rails cookies and your data.")
    article(session, shop, "Rails Composer Kickstarter campaign: back us now",
            summary="Fund the next Rails Composer release on Kickstarter.")  # fmt: skip
    article(session, blog, "Upgrading a Rails monolith", days_old=20,
            summary="Notes from our Rails upgrade.")  # fmt: skip

    found = ranked(session, workspace_id, keywords=["Rails"])
    assert titles(found)[0] == "Upgrading a Rails monolith"
    assert (
        'Looks like a promotion or a site page ("kickstarter"): ranked lower'
        in found[titles(found).index("Rails Composer Kickstarter campaign: back us now")].reasons
    )
    assert found[0].promotion is None

    asked = ranked(session, workspace_id, keywords=["Rails", "Kickstarter"])
    assert titles(asked)[0] == "Rails Composer Kickstarter campaign: back us now"
    assert asked[0].promotion is None


@pytest.mark.parametrize(
    ("title", "keywords", "cue"),
    [
        ("Books For Sale", "", "for sale"),
        ("20% off every plan this week", "", "% off"),
        (
            "Sponsorship Opportunities for the Design Systems Newsletter",
            "",
            "sponsorship opportunities",
        ),
        ("Newsletter", "", "newsletter"),
        ("AI for sales leaders: a playbook", "", None),
        ("Why commission sales teams churn", "", None),
        ("About the new pricing model", "", None),
        ("Newsletter", "newsletter, email marketing", None),
    ],
)
def test_promotion_cues_are_whole_phrases_the_audience_did_not_ask_for(title, keywords, cue):
    assert ranking.promotion_cue(title, keywords) == cue


def _verdict(session, workspace_id, audience_id, article, verdict):
    feedback_db.record_feedback(session, workspace_id, audience_id, article.id, verdict, NOW)
    session.flush()


def test_feedback_compares_headlines_and_stays_within_its_bounds(session, workspace_id):
    # The summaries share a byline and boilerplate; only the headlines say what each is about.
    boiler = "By the newsroom staff. Subscribe for more pricing coverage every week."
    feeds = [add_feed(session, workspace_id, f"Feed {i}") for i in range(4)]
    liked = article(session, feeds[0], "Pricing usage-based cloud APIs", summary=boiler)
    alike = article(session, feeds[1], "Pricing cloud APIs by usage tiers", days_old=3,
                    summary="Metered tiers.")  # fmt: skip
    article(session, feeds[2], "Pricing lessons from grocery retail", days_old=2, summary=boiler)
    article(session, feeds[3], "Pricing aisles: what shoppers pay", days_old=2, summary=boiler)
    made = audiences_db.create_audience(session, workspace_id, name="Growth", keywords=["pricing"])
    before = {
        s.title: s.score for s in suggestions_db.suggest(session, workspace_id, made.id, now=NOW)
    }

    _verdict(session, workspace_id, made.id, liked, "useful")
    after = suggestions_db.suggest(session, workspace_id, made.id, now=NOW)

    assert titles(after)[:2] == [liked.title, alike.title]
    assert f"Like '{liked.title}', which you found useful" in after[1].reasons
    assert not any("found useful" in r for s in after[2:] for r in s.reasons)
    for s in after:  # feedback only multiplies, within bounds: the keywords still lead
        assert learning.MIN_BOOST <= s.score / before[s.title] <= learning.MAX_BOOST


def test_a_feeds_verdicts_move_its_other_articles(session, workspace_id):
    wire, blog = add_feed(session, workspace_id, "Wire"), add_feed(session, workspace_id, "Blog")
    waved = article(session, wire, "Markets: pricing power returns to retailers")
    article(session, wire, "Election week: parties fight over fuel pricing", days_old=1.5)
    article(session, blog, "Why we changed our SaaS pricing page", days_old=3)
    made = audiences_db.create_audience(session, workspace_id, name="Growth", keywords=["pricing"])
    before = titles(suggestions_db.suggest(session, workspace_id, made.id, now=NOW))
    assert before.index("Election week: parties fight over fuel pricing") == 1

    _verdict(session, workspace_id, made.id, waved, "not_useful")
    after = suggestions_db.suggest(session, workspace_id, made.id, now=NOW)

    assert titles(after)[0] == "Why we changed our SaaS pricing page"
    election = next(s for s in after if s.title.startswith("Election week"))
    assert "Its feed gave not useful articles before" in election.reasons
    _verdict(session, workspace_id, made.id, waved, "useful")
    liked = suggestions_db.suggest(session, workspace_id, made.id, now=NOW)
    assert "Its feed gave useful articles before" in liked[titles(liked).index(
        "Election week: parties fight over fuel pricing")].reasons  # fmt: skip


def test_a_feed_the_rep_found_useful_twice_may_take_one_more_place(session, workspace_id):
    blog = add_feed(session, workspace_id, "K8s Blog")
    posts = [
        article(
            session,
            blog,
            f"Kubernetes operators in practice, part {i}",
            days_old=1 + i,
            summary="Running containers on Kubernetes with operators.",
        )
        for i in range(6)
    ]
    # Matches by its text only, and shares no headline word with the others, so that a verdict
    # on it says something about the feed and nothing about their subject.
    pager = article(
        session, blog, "A week on call: lessons from the pager", days_old=1,
        summary="Kubernetes containers paged us twice.",
    )  # fmt: skip
    for i, wire in enumerate(feeds(session, workspace_id, *(f"Wire {i}" for i in range(9)))):
        # A little weaker than the blog's (a week older), so that without the rep's trust the
        # blog's third article (better, but not four times better) waits behind them.
        article(
            session, wire, f"Kubernetes at banks, day {i}", days_old=8 + i / 10,
            summary="Containers at a bank.",
        )  # fmt: skip
    made = audiences_db.create_audience(
        session, workspace_id, name="SRE", keywords=["Kubernetes", "containers"]
    )

    def places() -> int:
        found = suggestions_db.suggest(session, workspace_id, made.id, limit=20, now=NOW)
        return sum(s.feed_title == "K8s Blog" for s in found[: ranking.CAP_SPAN])

    assert places() == ranking.FEED_CAP
    _verdict(session, workspace_id, made.id, posts[0], "useful")
    assert places() == ranking.FEED_CAP  # one verdict is not yet a pattern
    _verdict(session, workspace_id, made.id, posts[1], "useful")
    assert places() == ranking.FEED_CAP + 1
    _verdict(session, workspace_id, made.id, pager, "not_useful")
    assert places() == ranking.FEED_CAP  # a mixed record earns no extra place


def test_the_words_of_teamwork_in_a_description_are_topics_not_function_words(
    session, workspace_id
):
    feed = add_feed(session, workspace_id, "Mixed")
    article(session, feed, "Hiring slows at carmakers", summary="Factories paused hiring.")
    article(session, feed, "Hiring your first engineers", days_old=2,
            summary="A team lead grows people and teams: work, trust, feedback.")  # fmt: skip

    found = ranked(
        session, workspace_id, keywords=["hiring"],
        description="Team leads who grow people and teams, and care how their team works.",
    )  # fmt: skip

    assert titles(found)[0] == "Hiring your first engineers"
    assert any(r.startswith("About ") and "people" in r and "team" in r for r in found[0].reasons)
    # "lead" names the buyer, not a topic: it is no evidence.
    assert not any("lead" in r for r in found[0].reasons if r.startswith("About "))


def test_words_naming_the_buyers_role_or_habits_are_no_evidence(session, workspace_id):
    # "Heads of ... who follow ..." says who reads, not what about: a comedy podcast that
    # heads to Texas and asks listeners to follow it is not about the buyers' topic.
    feed = add_feed(session, workspace_id, "Mixed")
    article(session, feed, "Episode 643: the mail manager", summary="Joe heads to Texas; "
            "follow us for tour dates. Free shipping from our sponsor.")  # fmt: skip
    article(session, feed, "Freight rates climb on Asia routes", days_old=3,
            summary="Carriers raise freight rates as routes lengthen.")  # fmt: skip

    found = ranked(
        session, workspace_id, keywords=["shipping", "freight"],
        description="Heads of logistics who follow freight rates and shipping routes.",
    )  # fmt: skip

    assert titles(found)[0] == "Freight rates climb on Asia routes"
    podcast = found[1]
    assert not any(r.startswith("About ") for r in podcast.reasons)
