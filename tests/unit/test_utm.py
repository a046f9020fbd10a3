"""UTM tagging of shared links: off by default, never twice, the link's own query kept."""

from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest

from core.errors import InvalidValue
from schedules import utm

ON = utm.settings_from({"enabled": True})


def test_tagging_is_off_by_default_and_leaves_links_untouched():
    url = "https://example.com/a?b=1"
    assert utm.tag(url, utm.OFF, "CFOs", 7) == url
    assert utm.tag(url, utm.settings_from(None), "CFOs", 7) == url
    assert utm.tag(None, ON, "CFOs", 7) is None


def test_a_link_is_tagged_after_its_own_parameters_which_keep_their_spelling():
    tagged = utm.tag("https://example.com/read?id=a%2Fb&x=1#part", ON, "CFOs in DACH", 42)
    assert tagged.startswith("https://example.com/read?id=a%2Fb&x=1&utm_source=linkedin")
    assert tagged.endswith("#part")
    query = parse_qs(urlsplit(tagged).query)
    assert query["utm_medium"] == ["social"]
    assert query["utm_campaign"] == ["CFOs in DACH"]
    assert query["utm_content"] == ["post-42"]
    assert "%20" in tagged and "+" not in tagged


def test_a_link_already_tagged_keeps_its_values_and_is_never_tagged_twice():
    own = "https://example.com/?UTM_source=newsletter&q=1"
    assert utm.tag(own, ON, "CFOs", 1) == own
    once = utm.tag("https://example.com/", ON, "CFOs", 1)
    assert utm.tag(once, ON, "CFOs", 1) == once


def test_templates_fill_the_audience_and_the_post_and_other_addresses_are_left_alone():
    settings = utm.settings_from(
        {"enabled": True, "source": "li", "medium": "organic", "campaign": "q1-{audience}",
         "content": "{id}"}
    )  # fmt: skip
    query = parse_qs(urlsplit(utm.tag("http://x.example/p", settings, "CTOs", 9)).query)
    assert query == {"utm_source": ["li"], "utm_medium": ["organic"],
                     "utm_campaign": ["q1-CTOs"], "utm_content": ["9"]}  # fmt: skip
    assert utm.tag("mailto:a@x.example", settings, "CTOs", 9) == "mailto:a@x.example"


@pytest.mark.parametrize(
    ("stored", "field"),
    [({"campaign": "{team}"}, "utm.campaign"), ({"source": " "}, "utm.source"),
     ({"colour": "red"}, "utm.colour"), ({"content": "post-{"}, "utm.content")],
)  # fmt: skip
def test_bad_settings_are_refused_naming_the_field(stored, field):
    with pytest.raises(InvalidValue) as refused:
        utm.settings_from(stored)
    assert refused.value.field == field


def test_an_audience_uses_its_own_settings_else_the_workspaces_default():
    workspace = SimpleNamespace(utm={"enabled": True, "source": "team"})
    inherits = SimpleNamespace(utm=None, workspace=workspace)
    own = SimpleNamespace(utm={"enabled": False}, workspace=workspace)
    assert utm.of_audience(inherits).source == "team"
    assert utm.of_audience(own).enabled is False


def test_the_share_link_opens_linkedins_share_box_with_the_whole_link_encoded():
    link = "https://example.com/a?b=1&utm_source=linkedin"
    share = utm.linkedin_share_url(link)
    assert share.startswith("https://www.linkedin.com/sharing/share-offsite/?url=https%3A%2F%2F")
    assert parse_qs(urlsplit(share).query) == {"url": [link]}
    assert utm.share_text(" Worth a read. ", link) == f"Worth a read.\n\n{link}"
    assert utm.share_text("", None) == ""
