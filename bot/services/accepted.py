"""Slash commands acknowledged but not yet answered: recorded before the ack, forgotten once answered.

A process killed between acknowledging a command and answering it leaves its record behind; the
`owed-replies` job finds such records and tells their users, so an acknowledged command always
ends in its result or an apology.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, insert, select
from sqlalchemy.orm import Session

from bot.models import AcceptedCommand

TEXT_KEPT = 500
# Core statements on the table: every slash command writes and deletes a row, so these skip the
# ORM's unit of work. Built once, compiled once.
_TABLE = AcceptedCommand.__table__
_INSERT = insert(_TABLE).returning(_TABLE.c.id)


@dataclass(frozen=True)
class Owed:
    """A command whose user never heard back."""

    id: int
    user_id: str
    channel_id: str | None
    command: str
    text: str
    response_url: str | None
    received_at: datetime


def accept(
    db: Session | Connection,
    *,
    user_id: str,
    channel_id: str | None,
    command: str,
    text: str,
    response_url: str | None,
    now: datetime,
) -> int:
    """Record a command about to be acknowledged; returns its id."""
    row = {
        "user_id": user_id[:32],
        "channel_id": (channel_id or None) and channel_id[:32],
        "command": command[:32],
        "text": text[:TEXT_KEPT],
        "response_url": response_url if response_url and len(response_url) <= 500 else None,
        "received_at": now,
    }
    return db.execute(_INSERT, row).scalar_one()


def answered(db: Session | Connection, *, command_ids: Sequence[int]) -> None:
    """Forget commands once their users have their answers (or their errors)."""
    db.execute(delete(_TABLE).where(_TABLE.c.id.in_(command_ids)))


def claim_owed(session: Session, *, received_before: datetime, limit: int = 50) -> list[Owed]:
    """Take the commands older than `received_before` still unanswered, removing them (one claimant wins)."""
    query = (
        select(AcceptedCommand)
        .where(AcceptedCommand.received_at < received_before)
        .order_by(AcceptedCommand.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows: Sequence[AcceptedCommand] = session.scalars(query).all()
    owed = [
        Owed(r.id, r.user_id, r.channel_id, r.command, r.text, r.response_url, r.received_at)
        for r in rows
    ]
    if owed:
        session.execute(
            delete(AcceptedCommand).where(AcceptedCommand.id.in_([item.id for item in owed]))
        )
    return owed
