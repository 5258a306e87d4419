"""Builders for hand-made pipelines: the default stages, a Monday morning in New York, leads and reps."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from bot.config import load_pipeline
from bot.domain.money import Fx
from bot.domain.team_facts import ManagerWindow, OpenLead, RepFacts

NY = ZoneInfo("America/New_York")
RULES = load_pipeline(None).team_rules
USD = Fx("USD")
# Monday 7 December 2026, 09:00 in New York: the weekly report's moment, and a working day.
NOW = datetime(2026, 12, 7, 14, 0, tzinfo=UTC)
TODAY = date(2026, 12, 7)
DANA, KENJI, PRIYA, GONE = "UDANA0001", "UKENJI001", "UPRIYA001", "UGONE0001"
_ids = itertools.count(1)


def days_ago(days: float, *, now: datetime = NOW) -> datetime:
    return now - timedelta(days=days)


def window(now: datetime = NOW, *, rules: Any = RULES) -> ManagerWindow:
    return ManagerWindow.at(now, zone=NY, rules=rules)


def rep(rep_id: str, **fields: Any) -> RepFacts:
    """An active rep in New York who started long ago."""
    values: dict[str, Any] = {"tz": "America/New_York", "first_owned_at": days_ago(400)}
    values.update(fields)
    return RepFacts(rep_id, name=rep_id, **values)


def lead(**fields: Any) -> OpenLead:
    """An open prospecting lead of Dana's worth $1,000, created and touched an hour ago."""
    values: dict[str, Any] = {
        "id": next(_ids),
        "company": "Acme",
        "owner_id": DANA,
        "stage": "prospecting",
        "value": Decimal(1000),
        "currency": "USD",
        "created_at": days_ago(1 / 24),
        "stage_changed_at": None,
        "last_touch_at": None,
        "next_follow_up": None,
        "snoozed_until": None,
        "expected_close": None,
    }
    values.update(fields)
    if values["stage_changed_at"] is None:
        values["stage_changed_at"] = values["created_at"]
    if "last_touch_at" not in fields:
        values["last_touch_at"] = values["created_at"]
    return OpenLead(**values)


def leads(count: int, **fields: Any) -> list[OpenLead]:
    return [lead(**fields) for _ in range(count)]
