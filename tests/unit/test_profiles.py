"""Profile URLs as reps paste them: the spellings of one person compare equal, others do not."""

from __future__ import annotations

import pytest

from schedules.contacts.profiles import profile_key, search_term

DANA = "linkedin.com/in/dana-whitfield"


@pytest.mark.parametrize(
    "pasted",
    [
        "https://www.linkedin.com/in/dana-whitfield",
        "https://www.linkedin.com/in/dana-whitfield/",
        "http://linkedin.com/in/dana-whitfield",
        "https://WWW.LinkedIn.com/in/dana-whitfield",
        "https://www.linkedin.com/in/Dana-Whitfield/",  # LinkedIn's addresses ignore case
        "https://de.linkedin.com/in/dana-whitfield",  # a country subdomain
        "https://www.linkedin.com/in/dana-whitfield?originalSubdomain=de&trk=people",
        "https://www.linkedin.com/in/dana-whitfield/#experience",
        "https://www.linkedin.com:443/in/dana-whitfield",
        "  linkedin.com/in/dana-whitfield  ",  # pasted without a scheme
    ],
)
def test_the_spellings_of_one_profile_share_a_key(pasted):
    assert profile_key(pasted) == DANA


def test_different_people_keep_different_keys():
    assert profile_key("https://www.linkedin.com/in/dana-whitfield-2") != DANA
    assert profile_key("https://www.linkedin.com/company/dana-whitfield") != DANA
    # Outside LinkedIn the path's case may matter, the host's never does.
    assert profile_key("https://GitHub.com/DanaW") == "github.com/DanaW"
    assert profile_key("https://github.com/danaw") != profile_key("https://github.com/DanaW")


def test_a_fragment_that_routes_to_the_person_is_kept():
    # A single-page app's profile addresses differ only after "#": they once shared one key.
    one = profile_key("https://crm.example.com/#/people/123")
    assert one == "crm.example.com#/people/123"
    assert profile_key("https://crm.example.com/#/people/456") != one
    assert profile_key("https://crm.example.com/#!/people/123/") == "crm.example.com#!/people/123"
    assert search_term(one) == "123"  # in every stored spelling, for the pre-filter


def test_a_parameter_that_names_the_person_is_kept():
    one = profile_key("https://www.facebook.com/profile.php?id=100001&ref=bookmarks")
    assert one == "facebook.com/profile.php?id=100001"
    assert profile_key("https://facebook.com/profile.php?id=100002") != one


def test_percent_encoding_is_decoded():
    assert profile_key("https://www.linkedin.com/in/j%C3%BCrgen-m%C3%BCller/") == (
        "linkedin.com/in/jürgen-müller"
    )
    assert profile_key("https://www.linkedin.com/in/jürgen-müller") == (
        "linkedin.com/in/jürgen-müller"
    )


@pytest.mark.parametrize("pasted", [None, "", "   ", "https://", "http://[::1"])
def test_blank_or_unreadable_urls_have_no_key(pasted):
    assert profile_key(pasted) is None


def test_the_search_term_is_in_every_stored_spelling():
    assert search_term(DANA) == "dana-whitfield"
    # The ASCII run survives percent-encoding of the rest.
    term = search_term("linkedin.com/in/jürgen-müller")
    assert term == "rgen-m"
    assert term in "https://www.linkedin.com/in/j%c3%bcrgen-m%c3%bcller/"
    assert search_term("facebook.com/profile.php?id=1") == "profile.php"
    assert search_term("example.com") == "example.com"
    assert search_term("linkedin.com/in/李") is None  # nothing to narrow on
