"""Feed HTML made safe to render, with absolute links, and its plain-text reading.

Feed content is third-party HTML shown inside the app, so it goes through an allow-list
sanitiser (nh3, i.e. ammonia's HTML5 parser) rather than feedparser's regex-era one, which lets
``href="&#106;avascript:..."``, ``JaVaScRiPt&#58;`` and ``javascript&colon;`` through. URLs are
checked after the HTML parser has decoded character references, which is what defeats those
spellings. Relative URLs are resolved here because an article is shown far from its feed, where
``/2024/post`` means nothing.
"""

from __future__ import annotations

import re
from functools import lru_cache
from html import escape
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import nh3

ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "cite", "code", "dd", "del", "dl", "dt", "em",
        "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins",
        "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "small", "span", "strong", "sub",
        "sup", "table", "tbody", "td", "tfoot", "th", "thead", "time", "tr", "u", "ul",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "blockquote": {"cite"},
    "q": {"cite"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "time": {"datetime"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
URL_ATTRIBUTES = frozenset({"href", "src", "cite"})
LINK_REL = "noopener noreferrer nofollow"
# Removed with everything inside them: their text is code or styling, never prose.
DROPPED_WITH_CONTENT = frozenset(
    {"script", "style", "template", "noscript", "iframe", "object", "svg", "math"}
)

_BLOCK_TAGS = frozenset(
    {
        "p", "div", "blockquote", "pre", "ul", "ol", "li", "dl", "dt", "dd", "table", "tr",
        "h1", "h2", "h3", "h4", "h5", "h6", "hr", "figure", "figcaption", "section",
        "article", "header", "footer",
    }
)  # fmt: skip
# Far deeper than articles nest, and as deep as a browser builds (Blink stops at 512).
MAX_NESTING = 512
# Elements that never contain others, and those an HTML parser closes when a sibling starts
# (<li><li>), which therefore nest only inside other elements.
_VOID_TAGS = frozenset(
    {
        "area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link", "meta",
        "param", "source", "track", "wbr",
        "caption", "colgroup", "dd", "dt", "li", "optgroup", "option", "p", "rp", "rt",
        "tbody", "td", "tfoot", "th", "thead", "tr",
    }
)  # fmt: skip
# A tag: end tag or not, its name, and whether it ends with "/>".
_TAG = re.compile(r"<(/?)([A-Za-z][^\s/>]*)[^>]*?(/?)>")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
# Foreign content, where "/>" closes an element as in XML (<rect/> inside <svg>).
_FOREIGN_TAGS = frozenset({"svg", "math"})
_WHITESPACE = re.compile(r"\s+")
_SPACES = re.compile(r"[ \u00a0]+")
# What HTMLParser leaves unparsed at the end when a comment, tag or declaration never closes.
_UNFINISHED_MARKUP = re.compile(r"<[A-Za-z/!?]")
_BLANK_LINES = re.compile(r"\n{3,}")
# nh3 wants sets.
_NH3_TAGS = set(ALLOWED_TAGS)
_NH3_DROPPED = set(DROPPED_WITH_CONTENT)
_NH3_ATTRIBUTES = {tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()}
_NH3_SCHEMES = set(URL_SCHEMES)
# Small enough that a preview stops after little more than the text it needs (feeding 4 KiB
# at a time parsed twice the HTML a 1,000-character preview reads), large enough that the
# per-call cost of HTMLParser.feed stays small.
_FEED_CHUNK = 2048
_LIMIT_MARGIN = 64


def sanitize_html(html: str, base_url: str | None = None) -> str:
    """Allow-listed HTML with every URL absolute and of a safe scheme.

    ``base_url`` should be the innermost base the document gives (xml:base, then the entry
    link, then the feed URL); without an http(s) base, relative URLs are dropped rather than
    left to resolve against the app's own origin.
    """
    if not html:
        return ""
    if _nests_deeper_than(html, MAX_NESTING):
        # nh3's HTML parser takes time quadratic in the nesting depth, and no real article
        # nests this deep: its text is all that is worth keeping.
        return text_to_html(html_to_text(html))
    base = base_url if base_url and urlsplit(base_url).scheme in ("http", "https") else None
    return _cleaner(base).clean(html).strip()


def _nests_deeper_than(html: str, limit: int) -> bool:
    """Whether elements in ``html`` may nest more than ``limit`` deep.

    An estimate on the safe side: an end tag closes only an element of its own name counted
    open (a stray ``</span>`` closes nothing), while an HTML parser closes more (``</p>``
    closes the ``<span>`` left open inside it); "/>" closes only inside svg or math, as in
    HTML, and comments open nothing. A document with no more start tags than ``limit`` is
    not read at all: every "<" not starting an end tag counts as one.
    """
    if html.count("<") - html.count("</") <= limit:
        return False
    open_by_name: dict[str, int] = {}
    depth = foreign = 0
    for tag in _TAG.finditer(_COMMENT.sub("", html)):
        ending, name, self_closing = tag[1], tag[2].lower(), tag[3]
        if name in _VOID_TAGS or (foreign and self_closing):
            continue
        if not ending:
            open_by_name[name] = open_by_name.get(name, 0) + 1
            depth += 1
            foreign += name in _FOREIGN_TAGS
            if depth > limit:
                return True
        elif open_by_name.get(name):
            open_by_name[name] -= 1
            depth -= 1
            foreign -= name in _FOREIGN_TAGS
    return False


@lru_cache(maxsize=256)
def _cleaner(base: str | None) -> nh3.Cleaner:
    """A reusable nh3 cleaner per base URL: building the allow-lists into ammonia's
    configuration on every call cost a third of the sanitising time, and a feed's entries
    share one or two bases, so a small cache serves a whole refresh."""

    def absolutise(tag: str, attribute: str, value: str) -> str | None:
        if attribute not in URL_ATTRIBUTES:
            return value
        stripped = value.strip()
        # Most feed links are already absolute; nh3 has vetted their scheme, so skip urljoin.
        if stripped[:8].lower().startswith(("http://", "https://")):
            return stripped
        # nh3 has already refused unsafe schemes by the time it calls this; the scheme is
        # checked again because urljoin is a second parser with its own idea of "relative".
        try:
            resolved = urljoin(base, stripped) if base else stripped
            scheme = urlsplit(resolved).scheme.lower()
        except ValueError:
            # urllib refuses "//[x" (an unclosed IPv6 bracket); nh3 would drop the attribute
            # too, but print the exception and its traceback to standard error first.
            return None
        return resolved if scheme in URL_SCHEMES else None

    return nh3.Cleaner(
        tags=_NH3_TAGS,
        clean_content_tags=_NH3_DROPPED,
        attributes=_NH3_ATTRIBUTES,
        attribute_filter=absolutise,
        url_schemes=_NH3_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )


def text_to_html(text: str) -> str:
    """Plain text (a ``text/plain`` summary) as HTML that renders the same words."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    return "".join(f"<p>{escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs)


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.letters = 0  # non-whitespace characters kept; normalising never changes them
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in DROPPED_WITH_CONTENT:
            self._skipping += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in DROPPED_WITH_CONTENT:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def close(self) -> None:
        # HTML ends an unclosed comment or a cut-off tag with the document (a browser shows
        # none of "<!-- draft" or "</b"), where HTMLParser would hand them over as text.
        if _UNFINISHED_MARKUP.match(self.rawdata):
            self.rawdata = ""
        super().close()

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            # Source line breaks are just whitespace in HTML; only tags make new lines.
            collapsed = _WHITESPACE.sub(" ", data)
            self.parts.append(collapsed)
            self.letters += len(collapsed) - collapsed.count(" ")


def html_to_text(html: str, limit: int | None = None) -> str:
    """Readable plain text: block elements become paragraph breaks, whitespace is collapsed.

    Used for search, previews and for pasting into messages, where markup would be noise.
    With ``limit``, reading stops soon after the text is certain to exceed ``limit``
    characters: the first ``limit`` are exact, the rest is cut anywhere. A preview of a
    100 KB article then costs as much as its first few kilobytes, where the parse is the
    slowest step of ingesting a feed.
    """
    if not html:
        return ""
    extractor = _TextExtractor()
    for start in range(0, len(html), _FEED_CHUNK):
        extractor.feed(html[start : start + _FEED_CHUNK])
        # Later text can only change whitespace at the current end, so a margin suffices.
        if limit is not None and extractor.letters > limit + _LIMIT_MARGIN:
            break
    extractor.close()
    lines = (_SPACES.sub(" ", line).strip() for line in "".join(extractor.parts).split("\n"))
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
