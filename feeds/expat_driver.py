"""A SAX driver for feedparser: the standard library's expat reader with text buffering on.

Expat reports character data line by line unless told to buffer it, and feedparser handles
every report through several Python calls (``characters``, ``handle_data``, a
``FeedParserDict`` lookup). The corpus's 2,300 entries came as 900,000 reports; buffered, a
run of text is one report, and feedparser's strict parse takes about 30% less time. feedparser
joins the pieces of an element before using them, so its results are the same either way
(``tests/unit/feeds/test_feed_corpus.py`` compares both on the real-feed corpus).

feedparser asks ``xml.sax.make_parser`` for a parser, trying the module names in
``feedparser.api.PREFERRED_XML_PARSERS`` first; :func:`install` puts this module there. The
list is process-wide, so every feedparser call in the process buffers: with identical results,
nothing in the process can tell, except a benchmark timing feedparser's defaults, which
therefore runs in a process of its own.
"""

from __future__ import annotations

from xml.sax.expatreader import ExpatParser

import feedparser.api


class BufferedExpatParser(ExpatParser):
    def reset(self) -> None:
        # expat's parser object is made anew here for every document.
        super().reset()
        self._parser.buffer_text = True


def create_parser() -> BufferedExpatParser:
    """The driver entry point ``xml.sax.make_parser`` calls."""
    return BufferedExpatParser()


def install() -> bool:
    """Make feedparser prefer this driver; False if this feedparser has no such setting (it
    then parses as before, only slower)."""
    preferred = getattr(feedparser.api, "PREFERRED_XML_PARSERS", None)
    if not isinstance(preferred, list):
        return False
    if __name__ not in preferred:
        preferred.insert(0, __name__)
    return True
