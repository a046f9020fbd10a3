"""A CSV export as the API and the pages answer it: a UTF-8 attachment a browser saves."""

from __future__ import annotations

from flask import Response


def csv_download(text: str, filename: str) -> Response:
    response = Response(text, mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
