"""Downloads as the API and the pages answer them: a CSV export, and the file name every
download is saved under."""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

from flask import Response

# Kept in a file name: letters, digits and their marks (Arabic vowels, accents) in any script,
# and symbols such as emoji. Punctuation, spaces, controls and format characters (bidi
# overrides, which can disguise a file's extension) become one hyphen.
_KEPT_CATEGORIES = ("L", "M", "N")


def csv_documented(description: str) -> dict:
    """The OpenAPI answer of a CSV export: ``description`` (its columns) after the encoding
    every export shares."""
    return {
        "200": {
            "description": "UTF-8 (with a byte order mark, for Excel) with " + description,
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    }


def csv_download(text: str, name: str) -> Response:
    response = Response(text, mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    return attachment(response, name, "csv")


def attachment(
    response: Response, name: str, extension: str, default: str = "download"
) -> Response:
    """Save ``response`` as ``name`` (lowercased, hyphens between words) and ``extension``.

    A name beyond ASCII also goes as ``filename*=UTF-8''…`` (RFC 6266 and 5987), which browsers
    prefer, after an ASCII ``filename`` for clients that read only that: the name with its
    accents dropped, or ``default`` when that would lose letters ("مديرو المشتريات <i>x</i>"
    is not "i-x-i")."""
    kept = "".join(c if _kept(c) else " " for c in name.lower())
    slug = "-".join(kept.split()) or default
    plain = "".join(c for c in unicodedata.normalize("NFKD", slug) if not unicodedata.combining(c))
    fallback = plain if plain.isascii() else default
    disposition = f'attachment; filename="{fallback}.{extension}"'
    if fallback != slug:
        disposition += f"; filename*=UTF-8''{quote(f'{slug}.{extension}', safe='')}"
    response.headers["Content-Disposition"] = disposition
    return response


def _kept(character: str) -> bool:
    category = unicodedata.category(character)
    return category[0] in _KEPT_CATEGORIES or category == "So"
