"""Stock invitation texts are told from personal notes after normalising them."""

import pytest

from schedules.contacts.invitations import is_stock

NAME = "Ana Lima"
# "Glad to meet you at the Riyadh conference", "Hello Dana, glad to meet you yesterday" in
# Arabic, and "Glad to meet you at the conference" in Russian.
ARABIC_PERSONAL = (
    "\u0633\u0639\u062f\u062a \u0628\u0644\u0642\u0627\u0626\u0643 \u0641\u064a "
    "\u0645\u0624\u062a\u0645\u0631 \u0627\u0644\u0631\u064a\u0627\u0636"
)
ARABIC_GREETED = (
    "\u0645\u0631\u062d\u0628\u0627 \u062f\u0627\u0646\u0627\u060c "
    "\u0633\u0639\u062f\u062a \u0628\u0644\u0642\u0627\u0626\u0643 \u0623\u0645\u0633"
)
RUSSIAN_PERSONAL = (
    "\u0420\u0430\u0434 \u0431\u044b\u043b "
    "\u043f\u043e\u0437\u043d\u0430\u043a\u043e\u043c\u0438\u0442\u044c\u0441\u044f "
    "\u043d\u0430 \u043a\u043e\u043d\u0444\u0435\u0440\u0435\u043d\u0446\u0438\u0438"
)
ADD = "I'd like to add you to my professional network on LinkedIn."
JOIN = "I'd like to join your LinkedIn network."
CONNECT = "I'd like to connect with you on LinkedIn."

# (note, the contact's name): the stock text with only a greeting, a sign-off or nothing
# around it, however it is greeted, spelled, punctuated or decorated.
STOCK = [
    (ADD, NAME),
    ("I'D LIKE TO ADD YOU TO MY PROFESSIONAL NETWORK", NAME),
    ("i\u2019d like to add you to my professional network", NAME),
    ("\u201cI\u2019d like to add you to my professional network on LinkedIn.\u201d", NAME),
    ("  I'd   like to\tconnect with you  on LinkedIn!!! ", NAME),
    ("Hi Ana, I'd like to add you to my professional network on LinkedIn. - Pat", NAME),
    ("Ana, I'd like to join your LinkedIn network.", NAME),
    ("I would like to join your professional network", NAME),
    ("Hi Ana Lima, I'd like to connect with you on LinkedIn.", NAME),
    ("Dear Ms. Lima, I would like to connect with you. Best regards, Pat Smith", NAME),
    ("Hi Ana,\n\nI'd like to connect with you on LinkedIn.\n\nThanks,\nPat", NAME),
    # Any greeting word or phrase, any name or nickname or none (the probe's notes).
    (f"Hi there, {ADD}", "Dana Whitfield"),
    (f"Hi Danny, {ADD}", "Dana Whitfield"),
    (f"hi danny, {ADD.lower()}", "Dana Whitfield"),
    (f"Hey Dana! {ADD}", "Dana Whitfield"),
    (f"Dear Dana, {ADD}", "Dana Whitfield"),
    (f"Danny, {ADD}", "Dana Whitfield"),
    (f"Hi {ADD}", "Dana Whitfield"),
    (f"Good morning Dana Whitfield! {JOIN}", "Dana Whitfield"),
    (f"Hello again, Dana - {CONNECT}", "Dana Whitfield"),
    (f"Dear Dr. Ana Mar\u00eda L\u00f3pez, {CONNECT}", "Ana L\u00f3pez"),
    (f"Hey Dana \U0001f44b {ADD} \U0001f642", "Dana Whitfield"),
    (f"\U0001f44b\U0001f3fd Hi Dana!!! \u2014 {JOIN}", "Dana Whitfield"),
    # Any script: the person's name in Arabic, a greeting in Arabic or Russian.
    (f"Hi Dana, {ADD}", "\u062f\u0627\u0646\u0627 \u0648\u064a\u062a\u0641\u064a\u0644\u062f"),
    (f"\u0645\u0631\u062d\u0628\u0627 \u062f\u0627\u0646\u0627\u060c {ADD}", "Dana Whitfield"),
    (f"\u0645\u0631\u062d\u0628\u0627 {ADD}", "\u062f\u0627\u0646\u0627 \u0648\u064a\u062a"),
    (f"\u041f\u0440\u0438\u0432\u0435\u0442, \u0414\u0430\u043d\u0430! {CONNECT}", "Dana"),
    # Sign-offs, with or without the sender's name.
    (f"{CONNECT} Thanks, Sam", NAME),
    (f"{CONNECT} Best, Sam", NAME),
    (f"Hi Ana, {JOIN}\nBest regards,\nSam Carter", NAME),
    (f"{ADD} Cheers! \U0001f64c", NAME),
    (f"{ADD}\n-- Sam", NAME),
    (f"Hi there! Hope you're well. {ADD} Thanks, Sam", NAME),
    # Other stock phrasings, old defaults included.
    (
        "Since you are a person I trust, I wanted to invite you to join my network on LinkedIn.",
        NAME,
    ),
    ("Let's connect!", NAME),
    ("let us connect on LinkedIn", NAME),
    ("Hi ANA \u2014 let's connect", NAME),
    ("I want to connect", NAME),
    ("Hello Ana! Looking forward to connecting.", NAME),
    ("Hi Ana, I came across your profile and I'd like to connect.", NAME),
    ("Please accept my invitation to connect.", NAME),
    # Nothing but a greeting or a sign-off.
    ("Hi Ana", NAME),
    ("Hi there!", NAME),
    ("Hey Danny \U0001f44b", "Dana Whitfield"),
    ("Thanks!", NAME),
    ("\U0001f44b", NAME),
    ("   ", NAME),
    ("", NAME),
    (None, NAME),
]

# Notes that say something about the person, however much they borrow from the stock text,
# mention LinkedIn or networks, or are written in another script.
PERSONAL = [
    ("Hi Ana, good to meet you at last night's CFO breakfast - your point on pricing stuck.", NAME),
    ("Ana, Jo Park suggested we talk about month-end close. Let's connect!", NAME),
    ("I'd like to connect about your talk at SaaStr on usage pricing.", NAME),
    ("Congrats on the Series B, Ana!", NAME),
    ("We were both at Initech in 2019 - would be good to catch up.", NAME),
    ("Hi Dana, loved your LinkedIn post on usage pricing - I'd like to connect.", "Dana Whitfield"),
    ("Hey loved your talk, let's connect", "Dana Whitfield"),
    ("Great talk yesterday, I'd like to connect.", "Dana Whitfield"),
    (f"Hi Dana, great to meet you at the CFO network breakfast. {ADD}", "Dana Whitfield"),
    (f"{ADD} We met at SaaStr.", "Dana Whitfield"),
    ("Hi Dana, Jo from our alumni network suggested I reach out. Let's connect on LinkedIn.", NAME),
    ("Your LinkedIn post on network effects in payments was the best I read this year.", NAME),
    ("I'd like to add you to my network of CFOs who moved to usage pricing.", NAME),
    ("I'd love to connect again after the Initech years.", NAME),
    ("Hi Fellow Initech alum, I'd like to connect!", NAME),
    # Personal notes in other scripts.
    (ARABIC_PERSONAL, NAME),
    (ARABIC_GREETED, NAME),
    (RUSSIAN_PERSONAL, NAME),
    ("Bo Chen told me to write. Let's connect", NAME),
]


@pytest.mark.parametrize(("note", "name"), STOCK)
def test_stock_texts_and_their_variants_are_recognised(note, name):
    assert is_stock(note, name)


@pytest.mark.parametrize(("note", "name"), PERSONAL)
def test_personal_notes_pass(note, name):
    assert not is_stock(note, name)


def test_the_persons_name_is_set_aside_but_other_names_are_content():
    assert is_stock("Hi Ana, let's connect", NAME)
    assert is_stock("Hi Lima, let's connect", NAME)
    assert is_stock("let's connect ana", NAME)
    assert not is_stock("Bo Chen told me to write. Let's connect", NAME)
