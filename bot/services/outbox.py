"""The notification outbox: a message is recorded under its idempotency key before it is sent.

Recording marks the session; when that transaction commits, the hook installed by
`wake_after_commit` wakes the sender at once, so no caller has to remember to.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, cast

from sqlalchemy import ColumnElement, CursorResult, and_, event, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import utc
from bot.db import insert_if_missing
from bot.models import Notification
from bot.stored_json import Packed

PRIORITY_ALERT = 1
PRIORITY_DIRECT = 3
PRIORITY_DIGEST = 5


_QUEUED = "pipebot.outbox.queued"


class Postable(Protocol):
    """What the outbox stores: a message's `chat.postMessage` arguments besides the channel, or a file to share."""

    def payload(self) -> dict[str, Any]: ...


def enqueue(
    session: Session,
    *,
    key: str,
    kind: str,
    recipient: str,
    message: Postable,
    now: datetime,
    priority: int = PRIORITY_DIGEST,
    not_before: datetime | None = None,
) -> bool:
    """Record a message to `recipient` once per `key`; False when that key was already recorded."""
    values = {
        "idempotency_key": key[:255],
        "kind": kind,
        "recipient": recipient,
        "priority": priority,
        "payload": message.payload(),
        "status": "pending",
        "attempts": 0,
        "not_before": not_before or now,
        "created_at": now,
    }
    added = insert_if_missing(session, Notification, conflict_on=["idempotency_key"], values=values)
    if added:
        session.info[_QUEUED] = True
    return added


@dataclass(frozen=True)
class Outgoing:
    """One message for `enqueue_many`: its key, recipient and what it carries."""

    key: str
    recipient: str
    message: Postable
    # The message's payload packed already (`Packed.of(message.payload())`), when it was.
    packed: Packed | None = None


def enqueue_many(
    session: Session,
    outgoing: Sequence[Outgoing],
    *,
    kind: str,
    now: datetime,
    priority: int = PRIORITY_DIGEST,
) -> set[str]:
    """`enqueue` for many messages at once; returns the keys that were not recorded yet.

    A job's tick queues hundreds of DMs at once: a multi-row INSERT … ON CONFLICT DO NOTHING per
    `ENQUEUE_CHUNK` messages instead of one statement per DM. The unique key still decides: a key
    already there (or given twice) is recorded once, and only the new ones come back.
    """
    # The first message under a key wins, as it would with `enqueue` called in order.
    by_stored_key: dict[str, Outgoing] = {}
    for item in outgoing:
        by_stored_key.setdefault(item.key[:255], item)
    if not by_stored_key:
        return set()
    dialect = session.get_bind().dialect.name
    insert_into = {"postgresql": pg_insert, "sqlite": sqlite_insert}[dialect]
    # One statement, compiled once and cached, for the rows of every chunk: SQLAlchemy sends
    # each chunk as a single multi-row INSERT ("insertmanyvalues"). Compiling a fresh
    # multi-row VALUES clause per chunk cost more than the INSERT itself.
    statement = (
        insert_into(Notification.__table__)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(Notification.__table__.c.idempotency_key)
    )
    connection = session.connection()
    items = list(by_stored_key.items())
    added: set[str] = set()
    for start in range(0, len(items), ENQUEUE_CHUNK):
        rows = [
            {
                "idempotency_key": stored_key,
                "kind": kind,
                "recipient": item.recipient,
                "priority": priority,
                "payload": item.packed or item.message.payload(),
                "status": "pending",
                "attempts": 0,
                "not_before": now,
                "created_at": now,
            }
            for stored_key, item in items[start : start + ENQUEUE_CHUNK]
        ]
        found = connection.execute(statement, rows).scalars()
        added.update(by_stored_key[key].key for key in found)
    if added:
        session.info[_QUEUED] = True
    return added


# Messages per INSERT: 9 bound values each, far below SQLite's 32,766 and PostgreSQL's 65,535.
ENQUEUE_CHUNK = 500


def wake_after_commit(factory: sessionmaker[Session], wake: Callable[[], None]) -> None:
    """Call `wake` after every committed transaction of `factory` that queued a message."""

    @event.listens_for(factory, "after_commit")
    def _after_commit(session: Session) -> None:
        if session.info.pop(_QUEUED, False):
            wake()

    @event.listens_for(factory, "after_rollback")
    def _after_rollback(session: Session) -> None:
        session.info.pop(_QUEUED, None)


# Delivery states of a notification row.
PENDING = "pending"
SENDING = "sending"
SENT = "sent"
FAILED = "failed"
# Withdrawn before it was sent, because what it warned about was dealt with.
CANCELLED = "cancelled"

_N = Notification


@dataclass(frozen=True)
class Claimed:
    """A notification leased to one sender, with what it needs to post or reconcile it."""

    id: int
    key: str
    kind: str
    recipient: str
    payload: dict[str, Any]
    attempts: int
    attempted_at: datetime | None
    slack_channel: str | None


@dataclass(frozen=True)
class FailedNotification:
    """A notification given up on, and Slack's reason."""

    id: int
    kind: str
    recipient: str
    error: str | None


def claim_due(
    session: Session, *, owner: str, now: datetime, lease_until: datetime, limit: int
) -> list[Claimed]:
    """Lease up to `limit` due rows to `owner`: pending ones whose time has come, or sending ones whose lease ran out."""
    due = or_(
        and_(_N.status == PENDING, _N.not_before <= now),
        and_(_N.status == SENDING, _N.lease_until < now),
    )
    query = (
        select(
            _N.id,
            _N.idempotency_key,
            _N.kind,
            _N.recipient,
            _N.payload,
            _N.attempts,
            _N.attempted_at,
            _N.slack_channel,
        )
        .where(due)
        .order_by(_N.priority, _N.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        # Concurrent senders each take different rows instead of queueing on the same locks.
        query = query.with_for_update(skip_locked=True)
    rows = [Claimed(*row) for row in session.execute(query).all()]
    if rows:
        _update(
            session,
            _N.id.in_([row.id for row in rows]),
            status=SENDING,
            lease_owner=owner,
            lease_until=lease_until,
        )
    return rows


def _owned(notification_id: int, owner: str) -> ColumnElement[bool]:
    return and_(_N.id == notification_id, _N.lease_owner == owner, _N.status == SENDING)


def _update(session: Session, condition: ColumnElement[bool], **values: Any) -> int:
    """Set `values` on the rows that meet `condition`; returns how many there were."""
    statement = (
        update(_N).where(condition).values(**values).execution_options(synchronize_session=False)
    )
    result = cast(CursorResult[Any], session.execute(statement))
    return int(result.rowcount or 0)


def _change(session: Session, condition: ColumnElement[bool], **values: Any) -> bool:
    return bool(_update(session, condition, **values))


def _failed_attempt(status: str, error: str, channel: str | None, **values: Any) -> dict[str, Any]:
    """A failed attempt: counted, the lease let go, Slack's reason kept, and the DM's channel once known."""
    values.update(
        status=status,
        attempts=_N.attempts + 1,
        lease_owner=None,
        lease_until=None,
        last_error=error[:500],
    )
    if channel:
        values["slack_channel"] = channel
    return values


def start_attempt(
    session: Session,
    *,
    notification_id: int,
    owner: str,
    attempted_at: datetime,
    lease_until: datetime,
) -> bool:
    """Note when a post is about to start (real time) and renew the lease; False when the lease went to another sender."""
    return _change(
        session, _owned(notification_id, owner), attempted_at=attempted_at, lease_until=lease_until
    )


def mark_sent(
    session: Session, *, notification_id: int, channel: str, ts: str, now: datetime
) -> bool:
    """Record Slack's proof of delivery (a message's `ts`, a file's id); a delivered row is never sent again."""
    return _change(
        session,
        and_(_N.id == notification_id, _N.status != SENT),
        status=SENT,
        slack_channel=channel,
        slack_ts=ts,
        sent_at=now,
        lease_owner=None,
        lease_until=None,
        attempted_at=None,
        last_error=None,
    )


def mark_retry(
    session: Session,
    *,
    notification_id: int,
    owner: str,
    not_before: datetime,
    error: str,
    channel: str | None = None,
) -> bool:
    """Count a failed attempt and put the row back to wait until `not_before`."""
    values = _failed_attempt(PENDING, error, channel, not_before=not_before)
    return _change(session, _owned(notification_id, owner), **values)


def mark_deferred(
    session: Session, *, notification_id: int, owner: str, not_before: datetime, posted: bool
) -> bool:
    """Put the row back until `not_before` without counting an attempt (Slack asked us to wait).

    `posted` says the refused call was the post itself, so nothing of it reached Slack.
    """
    values: dict[str, Any] = {
        "status": PENDING,
        "not_before": not_before,
        "lease_owner": None,
        "lease_until": None,
    }
    if posted:
        values["attempted_at"] = None
    return _change(session, _owned(notification_id, owner), **values)


def mark_failed(
    session: Session, *, notification_id: int, owner: str, error: str, channel: str | None = None
) -> bool:
    """Give up on the row for good with Slack's reason."""
    return _change(
        session, _owned(notification_id, owner), **_failed_attempt(FAILED, error, channel)
    )


def release(session: Session, *, notification_ids: list[int], owner: str) -> int:
    """Hand back leased rows that were not tried, so any sender may take them at once."""
    if not notification_ids:
        return 0
    condition = and_(_N.id.in_(notification_ids), _N.lease_owner == owner, _N.status == SENDING)
    return _update(session, condition, status=PENDING, lease_owner=None, lease_until=None)


def pending_count(session: Session, *, since: datetime | None = None) -> int:
    """Rows not yet sent or failed, optionally only those created at or after `since`."""
    query = select(func.count()).select_from(_N).where(_N.status.in_((PENDING, SENDING)))
    if since is not None:
        query = query.where(_N.created_at >= since)
    return int(session.execute(query).scalar_one())


def failed_since(session: Session, since: datetime) -> list[FailedNotification]:
    """Rows created at or after `since` that were given up on, oldest first."""
    query = (
        select(_N.id, _N.kind, _N.recipient, _N.last_error)
        .where(_N.status == FAILED, _N.created_at >= since)
        .order_by(_N.id)
    )
    return [FailedNotification(*row) for row in session.execute(query).all()]


def next_due(session: Session, *, since: datetime | None = None) -> datetime | None:
    """The earliest moment a row will become claimable: a pending row's time or a lease's end."""
    times = [
        select(func.min(_N.not_before)).where(_N.status == PENDING),
        select(func.min(_N.lease_until)).where(_N.status == SENDING),
    ]
    if since is not None:
        times = [query.where(_N.created_at >= since) for query in times]
    found = [session.execute(query).scalar_one_or_none() for query in times]
    present = [utc(value) for value in found if value is not None]
    return min(present) if present else None


def cancel_pending(session: Session, *, keys: Sequence[str]) -> int:
    """Withdraw notifications not yet handed to a sender; one already being sent is left alone."""
    if not keys:
        return 0
    condition = and_(_N.idempotency_key.in_(list(keys)), _N.status == PENDING)
    return _update(session, condition, status=CANCELLED)
