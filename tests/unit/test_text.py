"""Names as typed: one form, and blank however they are made blank."""

import pytest

from core.errors import InvalidValue
from core.text import one_line, required, visible, with_article


def test_one_line_composes_and_collapses_whitespace():
    assert one_line("  Cafe\u0301 \t owners\n") == "Caf\u00e9 owners"


@pytest.mark.parametrize("text", ["", " \u3000", "\u200b", "\u200c\u200d\u2060", "\ufeff\u200e",
                                  "\u00ad", "\u3164\u115f", "\u2800", "\x01"])  # fmt: skip
def test_nothing_that_shows_is_not_visible(text):
    assert not visible(text)


@pytest.mark.parametrize("text", ["a", "\u200bx", "\U0001f469\u200d\U0001f4bb", "\u0645\u200c"])
def test_anything_that_shows_is_visible(text):
    assert visible(text)


def test_required_names_the_field_and_bounds_the_length():
    with pytest.raises(InvalidValue) as blank:
        required("name", "\u200b", "An audience needs a name.")
    assert (blank.value.field, blank.value.message) == ("name", "An audience needs a name.")
    # U+0958 has no composed form in NFC: it decomposes, so 1 character becomes 2.
    with pytest.raises(InvalidValue, match="At most 3 characters"):
        required("name", "\u0958\u0958", "x", max_length=3)


@pytest.mark.parametrize(
    ("word", "said"),
    [("ask", "an ask"), ("give", "a give"), ("draft", "a draft"), ("scheduled", "a scheduled"),
     ("published", "a published"), ("cancelled", "a cancelled"), ("Ask", "an Ask")],
)  # fmt: skip
def test_with_article_reads_the_post_kinds_and_statuses(word, said):
    assert with_article(word) == said
