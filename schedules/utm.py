"""UTM tagging of the links a rep shares, wherever they leave the product (share links, copy
text, calendar exports, webhook payloads): pure, so every exit tags the same way.

Settings are a workspace default and an optional per-audience override; off unless enabled.
A link that already carries any ``utm_`` parameter is left as it is (never tagged twice, and
a rep's own campaign wins); the link's other parameters and fragment are kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from core.errors import InvalidValue

UTM_VALUE_MAX = 100
# ``{audience}`` is the audience's name, ``{id}`` the post's id.
PLACEHOLDERS = ("audience", "id")


@dataclass(frozen=True)
class UtmSettings:
    enabled: bool = False
    source: str = "linkedin"
    medium: str = "social"
    campaign: str = "{audience}"
    content: str = "post-{id}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


OFF = UtmSettings()


def settings_from(stored: Mapping[str, Any] | None) -> UtmSettings:
    """Stored JSON (or an API body) to settings; unknown keys, empty values and unknown
    placeholders are refused, naming the field."""
    if stored is None:
        return OFF
    unknown = set(stored) - set(UtmSettings.__dataclass_fields__)
    if unknown:
        raise InvalidValue(f"utm.{sorted(unknown)[0]}", "Unknown UTM setting.")
    values = {**OFF.to_dict(), **stored}
    for field in ("source", "medium", "campaign", "content"):
        value = values[field]
        if not isinstance(value, str) or not value.strip() or len(value) > UTM_VALUE_MAX:
            raise InvalidValue(f"utm.{field}", f"Must be 1 to {UTM_VALUE_MAX} characters.")
        try:
            value.format(**dict.fromkeys(PLACEHOLDERS, ""))
        except (KeyError, IndexError, ValueError):
            raise InvalidValue(
                f"utm.{field}", "Placeholders are {audience} and {id}; write braces as {{ }}."
            ) from None
        values[field] = value.strip()
    values["enabled"] = bool(values["enabled"])
    return UtmSettings(**values)


def stored(settings: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Settings as stored: complete, so later changes to the defaults never retag a rep's
    links; None (off) stays None."""
    return None if settings is None else settings_from(settings).to_dict()


def effective(
    workspace: Mapping[str, Any] | None, audience: Mapping[str, Any] | None
) -> UtmSettings:
    """An audience's own settings when it has them, else the workspace's default."""
    return settings_from(audience if audience is not None else workspace)


def tag(
    url: str | None, settings: UtmSettings, audience_name: str, post_id: int | None
) -> str | None:
    """``url`` with the UTM parameters added, or unchanged when tagging is off, the link
    already carries UTM parameters, or it is not an http(s) address."""
    if not url or not settings.enabled:
        return url
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return url
    query = parse_qsl(parts.query, keep_blank_values=True)
    if any(key.lower().startswith("utm_") for key, _ in query):
        return url
    fill = {"audience": audience_name, "id": "" if post_id is None else str(post_id)}
    added = [
        (f"utm_{field}", getattr(settings, field).format(**fill))
        for field in ("source", "medium", "campaign", "content")
    ]
    # Appended to the query as it is, so the link's own parameters keep their spelling.
    extra = urlencode([(k, v) for k, v in added if v], quote_via=quote)
    return urlunsplit(parts._replace(query=f"{parts.query}&{extra}" if parts.query else extra))


def of_audience(audience: Any) -> UtmSettings:
    """An audience's effective settings (its own, else its workspace's default)."""
    return effective(audience.workspace.utm, audience.utm)


LINKEDIN_SHARE = "https://www.linkedin.com/sharing/share-offsite/"


def linkedin_share_url(url: str) -> str:
    """LinkedIn's public share box for ``url`` (already tagged), the way reps publish."""
    return f"{LINKEDIN_SHARE}?{urlencode({'url': url}, quote_via=quote)}"


def share_text(body: str | None, url: str | None) -> str:
    """What "Copy text" puts on the clipboard: the post's text, then its (tagged) link."""
    return "\n\n".join(part for part in ((body or "").strip(), url) if part)
