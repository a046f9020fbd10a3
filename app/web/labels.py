"""The words pages use for posts' stored values (kind, type, status): the API keeps the codes.

"other" is a type of both kinds, so the post form names (and values) each apart: one select
must not offer two "Other" options that look alike but save different kinds.
"""

from __future__ import annotations

from flask import Flask

from core.errors import InvalidValue
from schedules.models import POST_TYPES

KIND_LABELS = {"give": "Value post", "ask": "Ask"}
STATUS_LABELS = {
    "scheduled": "Scheduled",
    "draft": "Draft",
    "published": "Published",
    "cancelled": "Cancelled",
}
OTHER = "other"
# The select's value of each kind's "other": the kind, a colon, the type.
OTHER_LABELS = {"give": "Other value post", "ask": "Other ask"}


def type_label(type_: str, kind: str | None = None) -> str:
    """``meeting_request`` as "Meeting request"; "other" (or "give:other") by its kind."""
    of_kind, _, code = type_.rpartition(":")
    if code == OTHER and (of_kind or kind) in OTHER_LABELS:
        return OTHER_LABELS[of_kind or kind]
    return code.replace("_", " ").capitalize()


def type_option(kind: str, type_: str) -> str:
    """The post form's select value of ``type_`` among ``kind``'s types."""
    return f"{kind}:{type_}" if type_ == OTHER else type_


def type_of(kind: str, option: str) -> str:
    """The stored type of a select value, refused in the form's words when it is another kind's
    (the domain's refusal names the codes, for the API)."""
    of_kind, _, code = option.rpartition(":")
    types = POST_TYPES.get(kind)
    if types is not None and (code not in types or of_kind not in ("", kind)):
        other = "give" if kind == "ask" else "ask"
        if code in POST_TYPES[other] and of_kind in ("", other):
            whose = "a value post's" if other == "give" else "an ask's"
            start = f"{type_label(code, other)} is {whose} type."
        else:
            start = "Pick a type from the list."
        choices = ", ".join(type_label(t, kind) for t in types)
        raise InvalidValue("type", f"{start} {KIND_LABELS[kind]} types: {choices}.")
    return code


def shown_value(name: str, value: str) -> str:
    """A sent form's value as the form showed it (the "Not saved yet" page)."""
    if name == "kind":
        return KIND_LABELS.get(value, value)
    if name == "type":
        return type_label(value)
    if name == "status":
        return STATUS_LABELS.get(value, value)
    return value


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(type_option=type_option, type_name=type_label)
