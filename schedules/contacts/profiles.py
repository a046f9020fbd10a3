"""Which profile URLs name the same person, however a rep pasted them.

Pure: a comparison key, not a URL to visit. Reps paste profile addresses from the browser bar,
the mobile app or an e-mail, so one person arrives as ``https://www.linkedin.com/in/dana/``,
``http://linkedin.com/in/Dana?trk=...`` or ``https://de.linkedin.com/in/dana``. The stored URL
stays as typed; only comparisons use the key.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

# LinkedIn serves one profile under every country and mobile subdomain, and its profile
# addresses ignore case.
LINKEDIN = "linkedin.com"
# A query parameter that names the person (Facebook's ``profile.php?id=``); every other
# parameter (tracking, locale, referrer) is dropped.
IDENTIFYING_PARAMS = frozenset({"id"})
_DEFAULT_PORTS = frozenset({80, 443})
_SEARCHABLE = re.compile(r"[a-z0-9._~-]{3,}")
# A fragment that is a route of a single-page app ("#/people/123", "#!/user/5") names the page,
# and so the person; any other ("#experience") is a place on the page.
_ROUTE = ("/", "!/")


def profile_key(url: str | None) -> str | None:
    """``host/path`` with scheme, ``www.``, default port, trailing slashes, a fragment that is
    no route and non-identifying query parameters gone, the host in lower case and the path
    percent-decoded; None for a blank or unreadable URL."""
    text = (url or "").strip()
    if not text:
        return None
    if "://" not in text:
        text = "//" + text  # pasted without a scheme: "linkedin.com/in/dana"
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").rstrip(".")
        port = parts.port
    except ValueError:
        return None
    if not host:
        return None
    host = host.removeprefix("www.")
    path = unquote(parts.path).rstrip("/")
    if parts.fragment.startswith(_ROUTE):
        path += "#" + unquote(parts.fragment).rstrip("/")
    if host == LINKEDIN or host.endswith("." + LINKEDIN):
        host, path = LINKEDIN, path.lower()
    if port is not None and port not in _DEFAULT_PORTS:
        host = f"{host}:{port}"
    kept = sorted(
        (k.lower(), v) for k, v in parse_qsl(parts.query) if k.lower() in IDENTIFYING_PARAMS
    )
    return f"{host}{path}" + (f"?{urlencode(kept)}" if kept else "")


def search_term(key: str) -> str | None:
    """A piece of the key every stored spelling of it contains, once lower-cased: the longest
    plain-ASCII run of its last path segment (or of its host), for a database pre-filter.
    None when no run is long enough to narrow anything."""
    host, _, path = key.partition("/")
    segment = path.rpartition("/")[2].partition("?")[0] or host
    runs = _SEARCHABLE.findall(segment.lower())
    return max(runs, key=len) if runs else None
