"""The typed schema. It changes only through Alembic revisions in `bot/migrations/`."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bot.stored_json import PackedJSON

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps stored as UTC and always read back timezone-aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


Money = Numeric(14, 2)


class Rep(Base):
    """A Slack user who owns leads."""

    __tablename__ = "reps"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    team_id: Mapped[str | None] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200), default="")
    tz: Mapped[str | None] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16), default="rep")
    plan_time: Mapped[str | None] = mapped_column(String(5))
    working_days: Mapped[str | None] = mapped_column(String(32))
    quota: Mapped[Decimal | None] = mapped_column(Money)
    is_active: Mapped[bool] = mapped_column(default=True)
    profile_refreshed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # A member of `[team] reps_usergroup` when it was last read from Slack.
    in_reps_group: Mapped[bool] = mapped_column(default=False)
    # My settings: the rep's own choices, over `plan_time`/`working_days` (the admin's `[reps.*]`).
    own_plan_time: Mapped[str | None] = mapped_column(String(5))
    own_working_days: Mapped[str | None] = mapped_column(String(32))
    # Away (a vacation) up to and including this local date: no DMs, no assignments.
    away_until: Mapped[date | None] = mapped_column(Date)
    # Who gets the away rep's speed-to-lead DMs meanwhile.
    away_delegate: Mapped[str | None] = mapped_column(String(32))
    # DM kinds the rep muted, comma-separated (the morning plan cannot be muted).
    muted: Mapped[str | None] = mapped_column(String(200))


class Lead(Base):
    """One opportunity, shown to users as `#id`."""

    __tablename__ = "leads"
    __table_args__ = (
        Index("ix_leads_owner_status_stage", "owner_id", "status", "stage"),
        Index("ix_leads_status_next_follow_up", "status", "next_follow_up"),
        Index("ix_leads_created_at", "created_at"),
        Index("ix_leads_owner_created", "owner_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    company: Mapped[str] = mapped_column(String(200))
    company_key: Mapped[str] = mapped_column(String(200), index=True)
    contact: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(64))
    value: Mapped[Decimal | None] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    source: Mapped[str | None] = mapped_column(String(100))
    owner_id: Mapped[str] = mapped_column(ForeignKey("reps.id"))
    created_by: Mapped[str | None] = mapped_column(String(32))
    stage: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    stage_changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_touch_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_touch_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_follow_up: Mapped[date | None] = mapped_column(Date)
    snoozed_until: Mapped[date | None] = mapped_column(Date)
    touch_count: Mapped[int] = mapped_column(Integer, default=0)
    qualification: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    qualification_score: Mapped[int | None] = mapped_column(Integer)
    # The checklist's verdict (bot.domain.qualification), stored so SQL can find the weak fits.
    qualification_verdict: Mapped[str | None] = mapped_column(String(32))
    lost_reason: Mapped[str | None] = mapped_column(String(500))
    # One of bot.domain.lost.LOST_CATEGORIES beside the free-text reason, for win rate and time sink.
    lost_category: Mapped[str | None] = mapped_column(String(16))
    # An inbound lead (from the API, an inbound source, or handed to its owner by someone else at
    # creation) is the only kind the speed-to-lead clock runs for; imports never are.
    inbound: Mapped[bool] = mapped_column(default=False)
    expected_close: Mapped[date | None] = mapped_column(Date)
    close_pushes: Mapped[int] = mapped_column(Integer, default=0)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Company, contact, email, phone and source folded for search (bot.domain.leads.lead_search_text).
    search_text: Mapped[str] = mapped_column(Text, default="")


class Touchpoint(Base):
    """A dated contact with a lead."""

    __tablename__ = "touchpoints"
    __table_args__ = (
        # A lead's touches in order; the kind is there so a first contact is found in the index.
        Index("ix_touchpoints_lead_time", "lead_id", "occurred_at", "kind"),
        # Touches by date across all leads, covering what the managers' figures count.
        Index("ix_touchpoints_occurred_at", "occurred_at", "lead_id", "author_id", "kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    author_id: Mapped[str] = mapped_column(String(32))
    permalink: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The note folded for search (bot.domain.leads.search_fold).
    search_text: Mapped[str] = mapped_column(Text, default="")


class LeadExternalId(Base):
    """A client's own id for an inbound request (`external_id`), and the lead it made or reached.

    A client that sends the same id again (a retried form post) gets that lead back and nothing
    else happens; `touch_id` is the inbound touch when the request reached a lead already open.
    """

    __tablename__ = "lead_external_ids"

    external_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    touch_id: Mapped[int | None] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ApiTouchKey(Base):
    """An `Idempotency-Key` a tool sent with `POST /api/touches`, and the touch it logged.

    A tool that retries with the same key gets that touch back and nothing is logged twice.
    """

    __tablename__ = "api_touch_keys"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    touch_id: Mapped[int] = mapped_column(
        ForeignKey("touchpoints.id", ondelete="CASCADE"), index=True
    )
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StageChange(Base):
    """Every move of a lead, including the outcome: time-in-stage comes from here."""

    __tablename__ = "stage_changes"
    __table_args__ = (
        # A lead's history in order, covering the columns the weekly report walks.
        Index(
            "ix_stage_changes_lead_history", "lead_id", "changed_at", "id", "from_stage", "to_stage"
        ),
        # Moves and closes by date across all leads, covering what the weekly report reads.
        Index("ix_stage_changes_changed_at", "changed_at", "to_stage", "lead_id", "from_stage"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"))
    from_stage: Mapped[str | None] = mapped_column(String(32))
    to_stage: Mapped[str] = mapped_column(String(32))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    changed_by: Mapped[str | None] = mapped_column(String(32))


class LeadEvent(Base):
    """Other history of a lead: assignments, outcomes, snoozes, qualification."""

    __tablename__ = "lead_events"
    __table_args__ = (Index("ix_lead_events_kind_at", "kind", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[str | None] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Notification(Base):
    """The outbox: every message the bot sends on its own, recorded before it is sent."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_status_due", "status", "not_before"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(255), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    recipient: Mapped[str] = mapped_column(String(32))
    priority: Mapped[int] = mapped_column(Integer, default=5)
    payload: Mapped[dict[str, Any]] = mapped_column(PackedJSON)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
    # Set while a post may have reached Slack without its result being recorded; the sender
    # looks the message up by its metadata before posting again.
    attempted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    slack_channel: Mapped[str | None] = mapped_column(String(32))
    slack_ts: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AlertCondition(Base):
    """A managers'-channel condition's state, so it is posted when it opens, worsens, recurs weekly or clears."""

    __tablename__ = "alert_conditions"
    __table_args__ = (UniqueConstraint("kind", "scope"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    scope: Mapped[str] = mapped_column(String(200))
    opened_on: Mapped[date] = mapped_column(Date)
    last_posted_on: Mapped[date] = mapped_column(Date)
    last_value: Mapped[Decimal] = mapped_column(Numeric(20, 6))
    cleared_on: Mapped[date | None] = mapped_column(Date)


class ProcessedEvent(Base):
    """Events API deliveries already handled, so Slack's retries change nothing."""

    __tablename__ = "processed_events"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class AcceptedCommand(Base):
    """A slash command acknowledged but not yet answered: what a restart owes its user."""

    __tablename__ = "accepted_commands"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str | None] = mapped_column(String(32))
    command: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(String(500))
    response_url: Mapped[str | None] = mapped_column(String(500))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
