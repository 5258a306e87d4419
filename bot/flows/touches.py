"""Logging a touch: the dated record that keeps a lead's clocks honest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.deps import Deps
from bot.domain.access import Actor
from bot.flows import events
from bot.services import touches
from bot.services.records import LeadView, TouchView


@dataclass(frozen=True)
class Logged:
    """The touch, the lead after it, and whose Home to refresh."""

    touch: TouchView
    lead: LeadView
    homes: tuple[str, ...]


def log_touch(
    deps: Deps,
    *,
    by: Actor,
    lead_id: int,
    kind: str,
    note: str,
    now: datetime,
    occurred_at: datetime | None = None,
    next_follow_up: date | None = None,
    permalink: str | None = None,
) -> Logged:
    """Record a touch on a lead the actor may change, in one transaction."""
    with deps.session_factory.begin() as session:
        touch, lead = touches.log_touch(
            session,
            lead_id=lead_id,
            author=by,
            kind=kind,
            note=note,
            now=now,
            occurred_at=occurred_at,
            next_follow_up=next_follow_up,
            permalink=permalink,
        )
        events.touch_logged(session, deps, touch=touch, by=by.user_id, now=now)
    return Logged(touch, lead, tuple(dict.fromkeys((by.user_id, lead.owner_id))))
