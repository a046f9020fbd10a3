"""Telling a personal connection note from the network's stock invitation text.

A stock invitation tells the receiver nothing about why they, in particular, should connect,
and reads as mass outreach; a note that names a shared event, contact or interest gets
accepted. So a note counts as stock when it is one or more of the well-known stock phrasings
with nothing around them but greetings and sign-offs ("Hi there,", "Hey Danny 👋", "Thanks,
Sam"), or when it is only such a greeting. Words are compared casefolded, without accents,
apostrophes (straight and curly alike), punctuation or emoji, in any script.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

WHY_PERSONAL = (
    "A connection request with the network's stock text, or with no note, reads as mass "
    "outreach and is the first sign of a pitch to come; a personal note that says where you "
    "met, who you both know or what of theirs you read tells the person why you in particular "
    "want to connect, and gets accepted far more often. Write one or two sentences about them."
)

_ON_LINKEDIN = r"(?: (?:here )?on linkedin)?"
_WITH_YOU = r"(?: with you)?"
_STOCK_SENTENCES = (
    # The network's own defaults, past and present, and their everyday rewordings.
    rf"id like to add you to my (?:professional |linkedin )?network{_ON_LINKEDIN}",
    rf"id like to join your (?:professional |linkedin )?network{_ON_LINKEDIN}",
    rf"(?:since youre a person i trust )?i wanted to invite you to join my "
    rf"(?:professional )?network{_ON_LINKEDIN}",
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
_LONGEST_STOCK = 20  # words; the longest stock sentence has 17
_CONTRACTIONS = (
    (re.compile(r"\bi would\b"), "id"),
    (re.compile(r"\blet us\b"), "lets"),
    (re.compile(r"\byou are\b"), "youre"),
    (re.compile(r"\bi am\b"), "im"),
)
# A word: letters and digits of any script, joined by apostrophes or hyphens ("I'd", "Anne-Marie").
_WORD = re.compile(r"[^\W_]+(?:['\u2018\u2019\u02bc`\u00b4-][^\W_]+)*")
_JOINERS = re.compile(r"['\u2018\u2019\u02bc`\u00b4-]")
# At most this many name-like words address or sign a note ("Dear Dr. Ana María López").
_MOST_NAME_WORDS = 4


@dataclass(frozen=True)
class _Word:
    key: str  # casefolded, without accents or apostrophes
    capitalised: bool


def _words(text: str) -> list[_Word]:
    decomposed = unicodedata.normalize("NFKD", text)
    bare = unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.category(c).startswith("M"))
    )
    return [
        _Word(_JOINERS.sub("", m[0]).casefold(), m[0][0].isupper()) for m in _WORD.finditer(bare)
    ]


def _phrases(*lines: str) -> frozenset[tuple[str, ...]]:
    """The ``|``-separated phrases of ``lines``, as the words a note is compared by."""
    return frozenset(tuple(w.key for w in _words(p)) for line in lines for p in line.split("|"))


# Opening and closing words that say nothing about the person, in a few languages.
_GREETINGS_AND_SIGN_OFFS = _phrases(
    "hi|hello|hey|heya|hiya|howdy|yo|dear|greetings|hi again|hello again|hey again|good morning",
    "good afternoon|good evening|good day|hallo|hola|bonjour|salut|ciao|hej|hei|moin|servus|ola",
    "namaste|merhaba|salam|shalom|привет|здравствуйте|مرحبا|أهلا|السلام عليكم",
    "你好|こんにちは|안녕하세요",
    "thanks|thank you|thx|many thanks|thanks again|thanks in advance|best|best regards",
    "kind regards|warm regards|warmest regards|regards|cheers|sincerely|all the best|best wishes",
    "with best wishes|talk soon|take care|yours|yours truly|yours sincerely|merci|danke|gracias",
    "grazie|obrigado|obrigada|спасибо|شكرا|谢谢",
)
_LONGEST_PHRASE = max(map(len, _GREETINGS_AND_SIGN_OFFS))
# Titles and ways to address anyone, which read as a name does.
_ADDRESS = frozenset(
    key
    for (key,) in _phrases(
        "mr|mrs|ms|miss|mx|dr|prof|sir|madam|there|all|everyone|team|friend|folks"
    )
)


def _phrase_at(keys: list[str], start: int) -> int:
    """Length of the longest greeting or sign-off at ``start``, 0 without one."""
    for length in range(min(_LONGEST_PHRASE, len(keys) - start), 0, -1):
        if tuple(keys[start : start + length]) in _GREETINGS_AND_SIGN_OFFS:
            return length
    return 0


def _clause_ends(words: list[_Word], start: int, plain: frozenset[str]) -> set[int]:
    """Where runs of greetings and sign-offs starting at ``start`` can end (``start`` too).

    Each is an optional greeting or sign-off phrase, then a few name-like words (capitalised,
    the person's name, a title) or a single word of any kind after a phrase or at the very
    start ("hi danny,"): a lower-case run of words is something said, not a name.
    """
    keys = [w.key for w in words]
    ends, todo = {start}, [start]
    while todo:
        at = todo.pop()
        after = at + _phrase_at(keys, at)
        found = {after} if after > at else set()
        if after < len(words) and (after > at or at == 0):
            found.add(after + 1)
        for end in range(after, min(len(words), after + _MOST_NAME_WORDS)):
            if not (words[end].capitalised or words[end].key in plain):
                break
            found.add(end + 1)
        todo.extend(found - ends)
        ends |= found
    return ends


def _stock_ends(keys: list[str], start: int) -> list[int]:
    """Where a stock sentence starting at ``start`` can end."""
    return [
        end
        for end in range(start + 1, min(len(keys), start + _LONGEST_STOCK) + 1)
        if _STOCK.fullmatch(_canonical(" ".join(keys[start:end])))
    ]


def _canonical(text: str) -> str:
    for pattern, contraction in _CONTRACTIONS:
        text = pattern.sub(contraction, text)
    return text


def is_stock(note: str | None, person_name: str = "") -> bool:
    """True when the note says nothing personal: empty, greeting only, or stock phrasing."""
    words = _words(note or "")
    keys = [w.key for w in words]
    plain = _ADDRESS | {w.key for w in _words(person_name)}
    # Only greetings and sign-offs: nothing said, unless two words or more are left over
    # beside the person's name ("Hi Fellow Wolverine!" is a line, "Hey Danny!" is not).
    at, said = 0, 0
    while at < len(words):
        phrase = _phrase_at(keys, at)
        said += not phrase and keys[at] not in plain
        at += phrase or 1
    if said <= 1:
        return True
    # Otherwise greetings and sign-offs around one or more stock sentences, read left to
    # right from each place a stock sentence can end.
    done, todo = set(), [0]
    while todo:
        start = todo.pop()
        for end in _clause_ends(words, start, plain):
            if end == len(words) and start > 0:
                return True
            after = set(_stock_ends(keys, end)) - done
            done |= after
            todo.extend(after)
    return False
