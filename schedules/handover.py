"""Handing a rep's plans to a colleague, in words: what a departed rep still owns, and the way
round a reassignment the rule refuses.

One post at a time cannot move an ask with the value posts it stands on: the first give to go
uncovers the ask on its rep's timeline, and the ask alone lacks the colleague's gives. So a
refused reassignment points to the handover of them all at once (``handover_db``).
"""

from __future__ import annotations

from dataclasses import dataclass

from schedules.team import display_name, plural

CONTACT_HANDOVER = 'PATCH /api/v1/contacts/{id} and {"owner_id": <user id>}'


def api_handover(user_id: int) -> str:
    """How the API hands a rep's posts over, for sentences that point to it."""
    return f'POST /api/v1/users/{user_id}/handover and {{"to": <user id>}}'


@dataclass(frozen=True)
class Holdings:
    """What a rep owns that still needs someone: posts still to go out, and contacts.
    ``one_to_one_asks`` (among the posts) stay with the contact, not the handover."""

    user_id: int
    email: str
    scheduled_posts: int
    draft_posts: int
    one_to_one_asks: int
    contacts: int

    def sentence(self, posts_how: str, contacts_how: str = CONTACT_HANDOVER) -> str:
        """What they still own and how to hand it over: ``posts_how`` and ``contacts_how``
        name the route or command."""
        owned = [
            plural(n, word)
            for n, word in (
                (self.scheduled_posts, "scheduled post"),
                (self.draft_posts, "draft"),
                (self.contacts, "contact"),
            )
            if n
        ]
        if not owned:
            return f"{self.email} owns no draft or scheduled post and no contact."
        posts = self.scheduled_posts + self.draft_posts - self.one_to_one_asks
        ways = [
            (n, word, how)
            for n, word, how in (
                (posts, "post", posts_how),
                (self.contacts, "contact", contacts_how),
            )
            if n
        ]
        clauses = []
        if len(ways) == 1:
            n, _, how = ways[0]
            clauses.append(f"hand {'it' if n == 1 else 'them'} over with {how}")
        elif ways:
            clauses.append(
                "hand "
                + ", ".join(f"the {w}{'' if n == 1 else 's'} over with {h}" for n, w, h in ways)
            )
        n = self.one_to_one_asks
        if n:
            clauses.append(
                "the one-to-one ask among them stays with its contact: cancel it before "
                "handing the contact over"
                if n == 1
                else f"the {n} one-to-one asks among them stay with their contacts: cancel "
                "them before handing the contacts over"
            )
        return f"{self.email} still owns {_and(owned)}: {'; '.join(clauses)}."


def _and(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"


def reassign_advice(
    from_email: str, from_id: int, to_id: int, audience_name: str, audience_id: int
) -> str:
    """The way round a refused reassignment of one post: all of them at once, or the ask
    off the timeline while its value posts move."""
    name = display_name(from_email)
    return (
        f"To move an ask with the value posts it stands on, hand over {name}'s posts on "
        f"{audience_name} together (POST /api/v1/users/{from_id}/handover with "
        f'{{"to": {to_id}, "audience_id": {audience_id}}}), or make the ask a draft first, '
        "move its value posts, then move the ask and schedule it again."
    )


def handover_advice(
    from_email: str, to_email: str, taker_refuses: bool, one_to_one: bool, stays: bool
) -> str:
    """The way round a refused handover, per calendar that refused it: ``taker_refuses``, an
    ask the colleague would take on; ``one_to_one``, a one-to-one ask that stays behind;
    ``stays``, another ask that stays (one already published)."""
    found = ["Nothing was handed over."]
    if taker_refuses:
        found.append(
            f"On {display_name(to_email)}'s calendar: make the ask a draft first and schedule "
            "it again after the handover, or move it to a date that passes."
        )
    on_givers = f"On {display_name(from_email)}'s calendar:"
    if one_to_one:
        found.append(
            f"{on_givers} a one-to-one ask stays with the rep who knows the person; cancel it "
            "first, or hand over its contact once it is cancelled."
        )
    if stays:
        found.append(
            f"{on_givers} an ask already published stays, and needs the value posts before "
            "it: mark them published first."
        )
    return " ".join(found)
