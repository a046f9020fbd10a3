"""Stock invitation texts are told from personal notes after normalising them."""

import pytest

from schedules.contacts.invitations import is_stock

NAME = "Ana Lima"

STOCK = [
    "I'd like to add you to my professional network on LinkedIn.",
    "I'D LIKE TO ADD YOU TO MY PROFESSIONAL NETWORK",
    "i\u2019d like to add you to my professional network",
    "Hi Ana, I'd like to add you to my professional network on LinkedIn. - Pat",
    "Ana, I'd like to join your LinkedIn network.",
    "I would like to join your professional network",
    "Hi Ana Lima, I'd like to connect with you on LinkedIn.",
    "Dear Ms. Lima, I would like to connect with you. Best regards, Pat Smith",
    "Hi Ana,\n\nI'd like to connect with you on LinkedIn.\n\nThanks,\nPat",
    "Let's connect!",
    "let us connect on LinkedIn",
    "Hi ANA — let's connect",
    "I want to connect",
    "Hello Ana! Looking forward to connecting.",
    "Hi Ana, I came across your profile and I'd like to connect.",
    "Please accept my invitation to connect.",
    "Hi Ana",
    "Thanks!",
    "   ",
    "",
    None,
]
PERSONAL = [
    "Hi Ana, good to meet you at last night's CFO breakfast - your point on pricing stuck.",
    "Ana, Jo Park suggested we talk about month-end close. Let's connect!",
    "I'd like to connect about your talk at SaaStr on usage pricing.",
    "Congrats on the Series B, Ana!",
    "We were both at Initech in 2019 - would be good to catch up.",
]


@pytest.mark.parametrize("note", STOCK)
def test_stock_texts_and_their_variants_are_recognised(note):
    assert is_stock(note, NAME)


@pytest.mark.parametrize("note", PERSONAL)
def test_personal_notes_pass(note):
    assert not is_stock(note, NAME)


def test_the_persons_name_is_set_aside_but_other_names_are_content():
    assert is_stock("Hi Ana, let's connect", NAME)
    assert is_stock("Hi Lima, let's connect", NAME)
    assert not is_stock("Bo Chen told me to write. Let's connect", NAME)
