"""Keyed digests: values the app derives under its secret key rather than stores."""

from __future__ import annotations

import hashlib
import hmac


def keyed_digest(secret: str, purpose: str, *parts: object, length: int) -> str:
    """HMAC-SHA256 of ``"<purpose>:<part>:<part>…"`` under ``secret``, as ``length`` hex digits.

    The purpose keeps one use's digest from standing in for another's with the same parts.
    """
    message = ":".join([purpose, *map(str, parts)]).encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:length]
