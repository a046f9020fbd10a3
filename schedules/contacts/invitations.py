"""Telling a personal connection note from the network's stock invitation text.

A stock invitation tells the receiver nothing about why they, in particular, should connect,
and reads as mass outreach; a note that names a shared event, contact or interest gets
accepted. So a note counts as stock when, once the greeting, the sign-off and the person's name
are set aside and case, punctuation and spacing are normalised, every sentence left is one of
the well-known stock phrasings (or nothing is left at all).
"""

from __future__ import annotations

import re
import unicodedata

WHY_PERSONAL = (
    "A connection request with the network's stock text, or with no note, reads as mass "
    "outreach and is the first sign of a pitch to come; a personal note that says where you "
    "met, who you both know or what of theirs you read tells the person why you in particular "
    "want to connect, and gets accepted far more often. Write one or two sentences about them."
)

_NAME = "name"
_GREETING = r"(?:(?:hi|hello|hey|dear|greetings|good (?:morning|afternoon|evening))\b\s*)"
_TITLE = r"(?:(?:mr|mrs|ms|miss|dr|prof)\b\s*)"
_SIGN_OFF = (
    r"(?:thanks|thank you|many thanks|best|best regards|kind regards|warm regards|regards|"
    r"cheers|sincerely|all the best|best wishes)"
)
_ON_LINKEDIN = r"(?: (?:here )?on linkedin)?"
_WITH_YOU = r"(?: with you)?"
_STOCK_SENTENCES = (
    # The network's own defaults, past and present, and their everyday rewordings.
    rf"id like to add you to my (?:professional )?network{_ON_LINKEDIN}",
    rf"id like to join your (?:professional |linkedin )?network{_ON_LINKEDIN}",
    rf"(?:id like to|i want to|i wanted to|id love to) connect{_WITH_YOU}{_ON_LINKEDIN}",
    rf"(?:id like to|i want to|i wanted to|id love to) (?:stay|keep) in touch{_ON_LINKEDIN}",
    rf"lets (?:connect|stay connected|keep in touch){_ON_LINKEDIN}",
    rf"(?:please )?(?:accept|consider) my (?:connection )?(?:request|invitation)"
    rf"(?: to connect)?{_ON_LINKEDIN}",
    rf"(?:please )?(?:connect with me|add me to your network){_ON_LINKEDIN}",
    rf"i came across your profile{_ON_LINKEDIN}(?: and id like to connect{_WITH_YOU})?",
    rf"(?:i )?(?:look|am looking) forward to connecting{_WITH_YOU}",
    r"looking forward to connecting(?: with you)?",
    r"id like to expand my (?:professional )?network",
    r"(?:i )?hope (?:youre|you are) (?:well|doing well)",
)
_STOCK = re.compile("|".join(f"(?:{s})" for s in _STOCK_SENTENCES))
_FILLER = re.compile(
    rf"{_GREETING}?{_TITLE}?(?:{_NAME}\s*)*(?:{_SIGN_OFF}(?: [a-z]+){{0,3}})?(?:{_NAME}\s*)*"
)
_SENTENCE_BREAK = r"[.!?;:\n\u2026]+|(?:\s[-\u2013\u2014]+\s*)"
# A sender's name left on its own at the end ("... on LinkedIn. - Pat Smith").
_SIGNATURE = re.compile(r"\s*(?:[A-Z][\w'\u2019-]*\s*){1,3}")
_CONTRACTIONS = (
    (r"\bi would\b", "id"),
    (r"\blet us\b", "lets"),
    (r"\byou are\b", "youre"),
    (r"\bi am\b", "im"),
)


def _plain(text: str) -> str:
    """Lower case, ASCII letters and digits, apostrophes dropped ("I'd" and "Id" match)."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()
    folded = re.sub(r"['\u2019`]", "", folded)
    return " ".join(re.sub(r"[^a-z0-9]+", " ", folded).split())


def _without_name(sentence: str, names: list[str]) -> str:
    for name in names:
        sentence = re.sub(rf"\b{re.escape(name)}\b", _NAME, sentence)
    for pattern, replacement in _CONTRACTIONS:
        sentence = re.sub(pattern, replacement, sentence)
    return sentence


def is_stock(note: str | None, person_name: str = "") -> bool:
    """True when the note says nothing personal: empty, greeting only, or stock phrasing."""
    full = _plain(person_name)
    # The full name first, then each part, so "Ana Lima" and "Ana" and "Ms Lima" all match.
    names = sorted({full, *(p for p in full.split() if len(p) > 1)} - {""}, key=len, reverse=True)
    sentences = [s for s in re.split(_SENTENCE_BREAK, note or "") if s.strip()]
    if len(sentences) > 1 and _SIGNATURE.fullmatch(sentences[-1]):
        sentences.pop()
    for sentence in sentences:
        words = _without_name(_plain(sentence), names)
        if not words or _FILLER.fullmatch(words):
            continue
        core = re.sub(rf"^{_GREETING}?{_TITLE}?(?:{_NAME} )*", "", words)
        core = re.sub(rf"(?: {_NAME})+$", "", core)
        if not _STOCK.fullmatch(core):
            return False
    return True
