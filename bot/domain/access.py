"""Who is asking, and the one rule for what they may see and change.

A rep sees and changes their own leads; a manager sees and changes everyone's; whoever covers for
an away rep (their delegate) sees and changes that rep's leads too. A change needs an open lead. Every surface (commands, buttons, forms, the API, jobs) asks these functions, so the rule
and its wording live here once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from typing import Protocol


class OwnedLead(Protocol):
    """What the rules need of a lead: its number, owner and status."""

    @property
    def id(self) -> int: ...
    @property
    def owner_id(self) -> str: ...
    @property
    def status(self) -> str: ...


@dataclass(frozen=True)
class Actor:
    """The person behind a request or change: whether they are a manager, and where they are."""

    user_id: str
    is_manager: bool = False
    zone: tzinfo = field(default=UTC, compare=False)
    # The reps who are away and named this person to cover for them.
    covers: frozenset[str] = field(default=frozenset(), compare=False)

    def today(self, now: datetime) -> date:
        """Their own calendar date at `now`."""
        return local_today(now, self.zone)

    @property
    def owners(self) -> frozenset[str]:
        """Whose leads are theirs to work: their own, and those of the away reps they cover for."""
        return self.covers | {self.user_id}

    def may_see(self, owner_id: str) -> bool:
        """A manager sees every lead; a rep sees their own and those they cover for."""
        return self.is_manager or owner_id in self.owners

    def may_change(self, owner_id: str) -> bool:
        """Only the owner (or who covers for them) or a manager may move, assign, close, snooze,
        qualify or touch a lead."""
        return self.is_manager or owner_id in self.owners


def owner_refusal(lead: OwnedLead, actor: Actor, *, doing: str, mrkdwn: bool = True) -> str | None:
    """Why `actor` may not do this to someone else's lead, or None when they may."""
    if actor.may_change(lead.owner_id):
        return None
    owner = f"<@{lead.owner_id}> (the owner)" if mrkdwn else "the lead's owner"
    return f"Only {owner} or a manager can {doing} lead #{lead.id}."


def closed_refusal(lead: OwnedLead) -> str | None:
    """Why a closed lead cannot be worked on, or None while it is open."""
    if lead.status == "open":
        return None
    return (
        f"Lead #{lead.id} is {lead.status}; to work on it again, reopen it with "
        f"`/lead reopen {lead.id}` or the Reopen button on its card."
    )


def refusal(lead: OwnedLead, actor: Actor, *, doing: str, mrkdwn: bool = True) -> str | None:
    """Why `actor` may not `doing` this lead (not theirs, or closed), or None when they may."""
    return owner_refusal(lead, actor, doing=doing, mrkdwn=mrkdwn) or closed_refusal(lead)


def view_refusal(lead: OwnedLead, actor: Actor) -> str | None:
    """Why `actor` may not see this lead, or None when they may."""
    if actor.may_see(lead.owner_id):
        return None
    return f"Lead #{lead.id} belongs to <@{lead.owner_id}>; only they or a manager can open it."


def local_today(now: datetime, zone: tzinfo | None) -> date:
    """The calendar date at `now` where a person is (UTC when their zone is unknown)."""
    return now.astimezone(zone or UTC).date()


def manager_refusal(actor: Actor, *, doing: str) -> str | None:
    """Why `actor` may not do what only managers do (the managers' channel buttons), or None."""
    if actor.is_manager:
        return None
    return f"Only managers can {doing}."
