"""Whose page this is: the rep an admin is viewing (``?rep=<user id>``), else the caller.

Pages that show one rep's meters, slots, posts and contacts ask ``viewed_rep()``; the choice
then rides along in every link and form address the page builds (``url_for`` below), so an
admin stays on that rep while clicking through, and what they create lands on that rep.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import Flask, g, request

from app.db import session
from app.principal import principal
from app.web.blueprint import blp
from core import accounts_db
from core.db import row_id
from core.errors import InvalidValue, NotFound
from core.models import User

REP_ARG = "rep"
# Only an admin's post and contact forms have it: whose calendar or contact it is.
OWNER_FIELD = "owner_id"


def viewed_rep() -> int:
    """The user id whose page this is. A rep sees only their own pages: naming anyone else
    is "nothing here", as another rep's post id is; so is a user outside the admin's team."""
    if "viewed_rep" not in g:
        me, asked = principal(), request.args.get(REP_ARG, "").strip()
        rep_id = row_id(asked)
        if asked and rep_id is None:
            raise NotFound("There is no such rep.")
        if rep_id is not None and rep_id != me.user_id:
            user = session().get(User, rep_id) if me.is_admin else None
            if user is None or user.workspace_id != me.workspace_id:
                raise NotFound("There is no such rep.")
        g.viewed_rep = rep_id or me.user_id
    return g.viewed_rep


def viewing_another() -> User | None:
    """The rep an admin is viewing, when not themselves (for the page's banner)."""
    rep_id = g.get("viewed_rep")
    if rep_id is None or rep_id == principal().user_id:
        return None
    return session().get(User, rep_id)


def rep_choices() -> list[tuple[int, str]]:
    """The team as (user id, label), for an admin's rep selector and a post's or contact's
    Owner; read once a request, though a page and its macros may ask more than once."""
    if "rep_choices" not in g:
        me = principal()
        g.rep_choices = [
            (user.id, user.email + (" (you)" if user.id == me.user_id else "")
             + (" (deactivated)" if user.deactivated_at else ""))
            for user in accounts_db.list_users(session(), me.workspace_id)
        ]  # fmt: skip
    return g.rep_choices


def owner_choices() -> list[tuple[int, str]] | None:
    """An admin's Owner choices on a form, when the team has someone to choose."""
    choices = rep_choices() if principal().is_admin else []
    return choices if len(choices) > 1 else None


def chosen_owner(values: Mapping[str, str], default: int) -> int:
    """The rep a form puts its row on: an admin's Owner choice, else ``default``."""
    chosen = values.get(OWNER_FIELD, "")
    if not principal().is_admin or not chosen:
        return default
    if (owner_id := row_id(chosen)) is None:
        raise InvalidValue(OWNER_FIELD, "Choose a rep of this team.")
    return owner_id


@blp.url_defaults
def _keep_rep(endpoint: str, values: dict) -> None:
    """Links built on a page showing another rep keep showing that rep."""
    rep_id = g.get("viewed_rep")
    if rep_id is not None and rep_id != principal().user_id:
        values.setdefault(REP_ARG, rep_id)


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(rep_choices=rep_choices, viewing_another=viewing_another)
