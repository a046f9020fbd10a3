"""URL normalisation for feed addresses and article identity.

Two URLs that a person would call "the same page" must compare equal, or one story syndicated
through two feeds (or shared twice with different campaign tags) becomes two articles. Only
changes that cannot alter what the server returns are made: query parameters other than known
click trackers keep their raw spelling and order, because servers may depend on both.
"""

from __future__ import annotations

from urllib.parse import SplitResult, unquote_plus, urlsplit, urlunsplit

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


def is_web_url(url: str) -> bool:
    """An absolute http(s) URL with a host and, if it names a port, one from 1 to 65535: the
    only kind the app fetches or links to, and so the only kind :func:`canonical_url` is given
    (reading ``port`` raises ``ValueError`` past 65535)."""
    try:
        parts = urlsplit(url.strip())
        return parts.scheme.lower() in WEB_SCHEMES and bool(parts.hostname) and parts.port != 0
    except ValueError:
        return False


def _normalised_parts(url: str) -> SplitResult:
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
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
    """Case, default port and fragment normalised; query untouched.

    Used for subscription URLs, where a parameter such as ``ref`` may select the feed itself
    (a branch feed, say) and so must not be stripped.

    Raises ``ValueError`` for strings ``urlsplit`` rejects (for example a bad port).
    """
    return urlunsplit(_normalised_parts(url))


def _is_tracking(param: str) -> bool:
    name = unquote_plus(param.partition("=")[0]).lower()
    return name in TRACKING_PARAMS or name.startswith(TRACKING_PREFIXES)


def canonical_url(url: str) -> str:
    """The identity of a web page: :func:`normalise_url` minus click-tracking parameters.

    Raises ``ValueError`` for strings ``urlsplit`` rejects.
    """
    parts = _normalised_parts(url)
    kept = [p for p in parts.query.split("&") if p and not _is_tracking(p)]
    return urlunsplit(parts._replace(query="&".join(kept)))
