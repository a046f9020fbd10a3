"""Domain errors.

Every refusal the domain can explain derives from :class:`DomainError`, so the delivery layer
(HTTP or CLI) needs one mapping, keyed by ``status`` and ``slug``, rather than knowing each error.
"""

from __future__ import annotations

from typing import Any


def on_field(field: str, message: str) -> list[dict[str, str]]:
    """A refusal's ``errors`` when one field is to blame, named as a validation error names it,
    so a client (or a form) can point at it."""
    return [{"field": field, "message": message}]


class DomainError(Exception):
    """A refusal with a stable problem slug, an HTTP-like status and extra, JSON-safe fields."""

    status = 400
    slug = "bad-request"
    title = "Bad request"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class NotFound(DomainError):
    status = 404
    slug = "not-found"
    title = "Not found"


class Forbidden(DomainError):
    status = 403
    slug = "forbidden"
    title = "Forbidden"


class Conflict(DomainError):
    status = 409
    slug = "conflict"
    title = "Conflict"


class LastAdmin(Conflict):
    """The change would leave a team's active users without an admin to manage them."""

    slug = "last-admin"
    title = "The team needs an admin"


class InvalidValue(DomainError):
    """A value that passed the schema but breaks a domain rule (unknown timezone, bad rrule...)."""

    status = 422
    slug = "validation-error"
    title = "Invalid request"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}", errors=on_field(field, message))
        self.field = field
        self.message = message
