"""URL normalisation for feed addresses and article identity.

Two URLs that a person would call "the same page" must compare equal, or one story syndicated
through two feeds (or shared twice with different campaign tags) becomes two articles. Only
changes that cannot alter what the server returns are made: query parameters other than known
click trackers keep their order, because servers may depend on it, and their spelling up to
RFC 3986's equivalences.
"""

from __future__ import annotations

import re
import string
from urllib.parse import SplitResult, quote, unquote_plus, urlsplit, urlunsplit

import idna

# Longer URLs exist but are never article links worth keeping, and an index on PostgreSQL
# needs a bound.
MAX_URL_LENGTH = 2048
WEB_SCHEMES = frozenset({"http", "https"})
DEFAULT_PORTS = {"http": 80, "https": 443}

TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "li_fat_id",
        "mc_cid",
        "mc_eid",
        "igshid",
        "ref",
        "ref_src",
        "ref_url",
        "_hsenc",
        "_hsmi",
        "__hstc",
        "__hssc",
        "__hsfp",
        "hsctatracking",
        "mkt_tok",
        "_ga",
        "_gl",
        "oly_anon_id",
        "oly_enc_id",
        "vero_id",
        "rb_clickid",
        "s_cid",
        "spm",
    }
)
TRACKING_PREFIXES = ("utm_",)

_UNRESERVED = frozenset(string.ascii_letters + string.digits + "-._~")
# An escape, or what a URI may not hold raw: non-ASCII text and the ASCII characters RFC 3986
# leaves out (space, '"', '<', '>', backslash, '^', '`', '{', '|', '}'), which browsers escape.
_ESCAPE_OR_NOT_IN_URI = re.compile(r'%([0-9A-Fa-f]{2})|[^\x00-\x7f]+|[ "<>\\^`{|}]')


def is_web_url(url: str) -> bool:
    """An absolute http(s) URL with a host and, if it names a port, one from 1 to 65535: the
    only kind the app fetches or links to, and so the only kind :func:`canonical_url` is given
    (reading ``port`` raises ``ValueError`` past 65535)."""
    try:
        parts = urlsplit(url.strip())
        return parts.scheme.lower() in WEB_SCHEMES and bool(parts.hostname) and parts.port != 0
    except ValueError:
        return False


def host_encodable(host: str) -> bool:
    """Whether ``host`` has the ASCII form DNS and the Host header need, as the fetcher's HTTP
    client (httpx) makes it: a non-ASCII name must IDNA-encode, and an ASCII one's ``xn--``
    labels must be punycode ("xn--.example" made every request raise IDNAError)."""
    try:
        if not host.isascii():
            idna.encode(host.lower())
        for label in host.lower().split("."):
            if label.startswith("xn--"):
                idna.decode(label)
    except UnicodeError:  # idna.IDNAError is one
        return False
    return True


def has_credentials(url: str) -> bool:
    """Whether ``url`` carries a user name or password (``https://user:pass@host/``)."""
    try:
        return "@" in urlsplit(url.strip()).netloc
    except ValueError:
        return False


# A URL's user name and password: the scheme, then up to the last @ before its path (urlsplit
# reads the host after the last one too).
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/?#\s]*@")


def mask_credentials(text: str) -> str:
    """``text`` with every URL's user name and password shown as ``***``
    (``https://***@host/path``), for URLs stored before they were refused."""
    return _USERINFO.sub(r"\1***@", text)


def _normalised_parts(url: str, *, ascii_host: bool = False) -> SplitResult:
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if ascii_host and not host.isascii():
        host = _ascii_host(host)
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    netloc = host if port is None or DEFAULT_PORTS.get(scheme) == port else f"{host}:{port}"
    if parts.username is not None:
        userinfo = parts.netloc.rpartition("@")[0]
        netloc = f"{userinfo}@{netloc}"
    path = parts.path or ("/" if scheme in WEB_SCHEMES else "")
    return SplitResult(scheme, netloc, path, parts.query, "")


def normalise_url(url: str) -> str:
    """Case, default port and fragment normalised, path and query escaped one way ("/a b" is
    "/a%20b", as a browser sends it); no query parameter dropped.

    Used for subscription URLs, where a parameter such as ``ref`` may select the feed itself
    (a branch feed, say) and so must not be stripped.

    Raises ``ValueError`` for strings ``urlsplit`` rejects (for example a bad port).
    """
    return urlunsplit(_escaped(_normalised_parts(url)))


def _escaped(parts: SplitResult) -> SplitResult:
    """Path and query with each escape one way (RFC 3986, 6.2.2): the same address either way."""
    return parts._replace(
        path=_ESCAPE_OR_NOT_IN_URI.sub(_one_escape, parts.path),
        query=_ESCAPE_OR_NOT_IN_URI.sub(_one_escape, parts.query),
    )


def _is_tracking(param: str) -> bool:
    name = unquote_plus(param.partition("=")[0]).lower()
    return name in TRACKING_PARAMS or name.startswith(TRACKING_PREFIXES)


def canonical_url(url: str) -> str:
    """The identity of a web page: :func:`normalise_url` minus click-tracking parameters, with
    an internationalised host in its ASCII (punycode) form and path and query escaped one way
    (RFC 3986, 6.2.2): "https://Exämple.com/a%7eb" is "https://xn--exmple-cua.com/a~b", and
    "/a b" is "/a%20b".

    Raises ``ValueError`` for strings ``urlsplit`` rejects.
    """
    parts = _normalised_parts(url, ascii_host=True)
    kept = [p for p in parts.query.split("&") if p and not _is_tracking(p)]
    return urlunsplit(_escaped(parts._replace(query="&".join(kept))))


def _ascii_host(host: str) -> str:
    """IDNA 2008 (with UTS 46 mapping, as browsers do); a name it refuses (an emoji domain)
    stays as written, lower-cased: the same spelling still gives the same identity."""
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except UnicodeError:  # idna.IDNAError is one
        return host


def _one_escape(match: re.Match[str]) -> str:
    """An escaped unreserved character decoded, any other escape in upper case, and non-ASCII
    text escaped as UTF-8 (RFC 3987's IRI to URI mapping; a lone surrogate is kept distinct),
    as is an ASCII character no URI holds raw."""
    if match.group(1) is None:
        return quote(match.group(), safe="", errors="surrogatepass")
    character = chr(int(match.group(1), 16))
    return character if character in _UNRESERVED else match.group().upper()
