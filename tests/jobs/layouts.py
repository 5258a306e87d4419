"""A fixed corpus of job DMs, built from seeded random leads: what `test_job_layouts` pins byte for byte.

Each case is a name and a function that builds one message; the corpus covers every plan section,
every lead-line variant, several currencies, user text that needs escaping, empty and over-long
lists, and readers in different zones.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from bot.domain.cadence import find_past_cadence
from bot.domain.plan import PlanRecord, build_morning_plan, find_overdue_followups
from bot.domain.rhythm import LeadFacts
from bot.domain.speed import SpeedCheck
from bot.domain.staleness import find_stale_leads
from bot.slack.kit import SlackMessage
from bot.slack.messages.cleanup import build_cleanup_blocks
from bot.slack.messages.nudges import (
    build_speed_managers_blocks,
    build_speed_owner_blocks,
    build_stale_nudge_blocks,
)
from bot.slack.messages.plan import (
    build_empty_pipeline_blocks,
    build_morning_plan_blocks,
    build_overdue_blocks,
)
from tests.jobs.factories import STAGES, utc

NOW = utc("2026-11-30T13:30:00")
TODAY = date(2026, 11, 30)
ZONES = (None, ZoneInfo("America/New_York"), ZoneInfo("Asia/Tokyo"))
_COMPANIES = ("Acme Corp", "Brown & Sons", "<!channel> Ltd", "Zeta *bold* GmbH", "Ünïcode Oy")
_CONTACTS = (None, "Ana Lima", "Bob <bob@x.test>", "")
_VERDICTS = (None, None, "strong fit", "weak fit", "not enough answers")


def random_leads(seed: int, count: int) -> list[LeadFacts]:
    """Open leads spread over every stage, clock and follow-up a plan can meet."""
    rng = random.Random(seed)
    leads = []
    for index in range(count):
        created = NOW - timedelta(days=rng.randint(0, 90), minutes=rng.randint(0, 1440))
        moved = min(NOW, created + timedelta(days=rng.randint(0, 40)))
        touched = rng.choice([None, min(NOW, moved + timedelta(days=rng.randint(0, 30)))])
        leads.append(
            LeadFacts(
                id=seed * 1000 + index + 1,
                company=rng.choice(_COMPANIES) + f" {index}",
                contact=rng.choice(_CONTACTS),
                owner_id="UREP00001",
                stage=rng.choice([stage.key for stage in STAGES] + ["retired"]),
                value=rng.choice([None, Decimal(rng.randint(1, 400) * 250), Decimal("1234.5")]),
                currency=rng.choice(["USD", "USD", "USD", "EUR", "CHF"]),
                created_at=created,
                stage_changed_at=moved,
                last_touch_at=touched,
                first_touch_at=touched,
                next_follow_up=rng.choice([None, TODAY + timedelta(days=rng.randint(-9, 9))]),
                snoozed_until=rng.choice([None] * 6 + [TODAY + timedelta(days=rng.randint(-2, 3))]),
                touch_count=rng.randint(0, 9),
                updated_at=rng.choice([None, NOW - timedelta(hours=rng.randint(0, 200))]),
                expected_close=rng.choice([None, TODAY + timedelta(days=rng.randint(-20, 20))]),
                verdict=rng.choice(_VERDICTS),
                inbound=rng.random() < 0.3,
            )
        )
    return leads


def _plan(seed: int, count: int, zone: ZoneInfo | None) -> SlackMessage:
    plan = build_morning_plan(
        "UREP00001", random_leads(seed, count), stages=STAGES, now=NOW, today=TODAY
    )
    if plan is None:
        return build_empty_pipeline_blocks(day=TODAY)
    return build_morning_plan_blocks(plan, stages=STAGES, now=NOW, zone=zone)


def _quiet_plan(seed: int, count: int, zone: ZoneInfo | None) -> SlackMessage:
    """Leads touched lately and early in the funnel: the stuck, new and no-next-step sections."""
    leads = [
        replace(
            lead,
            stage=STAGES[index % 2].key,
            last_touch_at=NOW - timedelta(days=1),
            first_touch_at=None if index % 5 == 0 else NOW - timedelta(days=1),
            next_follow_up=None if index % 3 else TODAY + timedelta(days=4),
            snoozed_until=None,
        )
        for index, lead in enumerate(random_leads(seed, count))
    ]
    plan = build_morning_plan("UREP00001", leads, stages=STAGES, now=NOW, today=TODAY)
    if plan is None:
        return build_empty_pipeline_blocks(day=TODAY)
    return build_morning_plan_blocks(plan, stages=STAGES, now=NOW, zone=zone)


def _overdue(seed: int, count: int, zone: ZoneInfo | None) -> SlackMessage:
    leads = random_leads(seed, count)
    shown = frozenset(lead.id for lead in leads[::2])
    plan = PlanRecord(NOW - timedelta(hours=5), shown) if seed % 2 else None
    items = find_overdue_followups(leads, stages=STAGES, today=TODAY, plan=plan)
    return build_overdue_blocks(items, stages=STAGES, now=NOW, today=TODAY, zone=zone)


def _stale(seed: int, count: int, zone: ZoneInfo | None) -> SlackMessage:
    findings = find_stale_leads(random_leads(seed, count), stages=STAGES, now=NOW, today=TODAY)
    return build_stale_nudge_blocks(findings, stages=STAGES, now=NOW, today=TODAY, zone=zone)


def _cleanup(seed: int, count: int, zone: ZoneInfo | None) -> SlackMessage:
    leads = random_leads(seed, count)
    findings = find_past_cadence(
        leads,
        attempts={lead.id: lead.touch_count for lead in leads},
        stages=STAGES,
        late=frozenset({"closing"}),
        max_touches=3,
        days_without_move=lambda _stage: 20,
        now=NOW,
        today=TODAY,
        kept_on={},
    )
    return build_cleanup_blocks(findings, touches=3, days=20, now=NOW, today=TODAY, zone=zone)


def _speed(seed: int, managers: bool) -> SlackMessage:
    lead = random_leads(seed, 1)[0]
    check = SpeedCheck(lead, timedelta(hours=4, minutes=5), timedelta(hours=4), True, True)
    if managers:
        return build_speed_managers_blocks(check, now=NOW)
    return build_speed_owner_blocks(check)


def cases() -> dict[str, Callable[[], SlackMessage]]:
    """Every message of the corpus by name."""
    found: dict[str, Callable[[], SlackMessage]] = {}
    builders = {
        "plan": _plan,
        "quiet-plan": _quiet_plan,
        "overdue": _overdue,
        "stale": _stale,
        "cleanup": _cleanup,
    }
    for kind, build in builders.items():
        for count in (0, 1, 5, 24, 60, 250):
            for seed, zone in enumerate(ZONES, start=count + 1):
                name = f"{kind}-{count}-{seed}"
                found[name] = lambda build=build, seed=seed, count=count, zone=zone: build(
                    seed, count, zone
                )
    found["empty-pipeline"] = lambda: build_empty_pipeline_blocks(day=TODAY)
    for seed in (1, 2, 3):
        found[f"speed-owner-{seed}"] = lambda seed=seed: _speed(seed, False)
        found[f"speed-managers-{seed}"] = lambda seed=seed: _speed(seed, True)
    return found


def as_json(message: SlackMessage) -> str:
    """The message as the outbox stores it and Slack receives it: compact JSON of its payload."""
    return json.dumps(message.payload(), ensure_ascii=False, separators=(",", ":"))
