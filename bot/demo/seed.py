"""A sample team and a realistic pipeline, with weeks of touch history, for the demo."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.config import PipelineConfig
from bot.domain.leads import LOST, OPEN, WON, company_key
from bot.domain.schedule import add_working_days, next_working_day
from bot.models import Lead, LeadEvent, Rep, StageChange, Touchpoint


@dataclass(frozen=True)
class SampleRep:
    id: str
    name: str
    tz: str
    role: str = "rep"


MANAGER = SampleRep("UMAXMGR01", "Max Okafor", "America/New_York", "manager")
REPS = (
    SampleRep("UDANA0001", "Dana Whitfield", "America/New_York"),
    SampleRep("UPRIYA001", "Priya Raman", "Europe/London"),
    SampleRep("UKENJI001", "Kenji Sato", "Asia/Tokyo"),
    SampleRep("ULUCIA001", "Lucía Fernández", "America/Los_Angeles"),
)
MANAGERS_CHANNEL = "CSALESMGR"
# Every sample rep works Monday to Friday, the default.
WORKING_DAYS = frozenset(range(5))

COMPANIES = (
    "Acme Corp", "Globex", "Initech", "Umbrella Health", "Stark Logistics", "Wayne Foods", "Hooli",
    "Vandelay Imports", "Pied Piper", "Soylent Labs", "Cyberdyne Systems", "Tyrell Biotech",
    "Wonka Confections", "Gringotts Finance", "Oceanic Air", "Monarch Media", "Dunder Mifflin",
    "Nakatomi Trading", "Bluth Homes", "Sterling Cooper", "Prestige Worldwide", "Massive Dynamic",
    "Aperture Science", "Black Mesa", "Kaiju Robotics", "Nordic Timber", "Sakura Retail",
    "Helios Energy", "Atlas Freight", "Orbit Telecom", "Quantum Mills", "Redwood Dental",
    "Silverline Apparel", "Tidewater Marine", "Union Grain", "Vertex Pharma", "Willow Schools",
    "Yellowstone Outfitters", "Zenith Insurance", "Ben & Jerry's Franchise Co", "Fjord Analytics",
    "Granite Builders", "Harbor Clinics", "Ivory Hotels", "Jade Logistics", "Kestrel Security",
    "Lumen Optics", "Meridian Travel",
)  # fmt: skip
SOURCES = ("webinar", "referral", "inbound", "outbound", "event", "partner")
KINDS = ("call", "email", "meeting", "demo", "message", "linkedin", "note")
NOTES = (
    "Intro call, they are evaluating three vendors",
    "Sent the pricing sheet and two case studies",
    "Demo for the ops team went well; asked about SSO",
    "Left a voicemail, will try again Thursday",
    "CFO wants a phased rollout, revise the proposal",
    "Legal is reviewing the MSA",
    "Champion moved teams; need a new contact",
    "Asked for references in their industry",
)
# The data is as of Thursday 23:00 UTC, just before Friday morning in Tokyo; the demo shows one
# Friday (so the weekly clean-up shows too) in every rep's own timezone.
SAMPLE_MORNING = datetime.fromisoformat("2026-12-03T23:00:00+00:00")


def seed_team(session: Session, *, now: datetime) -> None:
    for rep in (MANAGER, *REPS):
        session.add(
            Rep(
                id=rep.id,
                name=rep.name,
                tz=rep.tz,
                role=rep.role,
                is_active=True,
                created_at=now - timedelta(days=120),
                profile_refreshed_at=now,
            )  # fmt: skip
        )
    session.flush()


def seed_pipeline(
    session: Session, *, pipeline: PipelineConfig, now: datetime, seed: int = 7
) -> int:
    """Create leads across stages with histories spread over the last eight weeks; returns the count."""
    rng = random.Random(seed)
    stages = [stage.key for stage in pipeline.stages]
    for index, company in enumerate(COMPANIES):
        owner = REPS[index % len(REPS)]
        created = in_working_hours(
            now - timedelta(days=rng.randint(1, 60), hours=rng.randint(0, 23)),
            ZoneInfo(owner.tz),
            latest=now,
        )
        depth = min(len(stages) - 1, int(rng.triangular(0, len(stages), 1)))
        status = OPEN
        roll = rng.random()
        if roll < 0.1:
            status = WON
            depth = len(stages) - 1
        elif roll < 0.18:
            status = LOST
        lead = Lead(
            company=company, company_key=company_key(company), contact=rng.choice(("Ann Lee", "Raj Patel", "Mia Chen", "Tom Berg", None)),
            email=None, phone=None, value=Decimal(rng.choice((4, 8, 12, 18, 25, 40, 60, 95))) * 1000,
            currency="USD", source=rng.choice(SOURCES), owner_id=owner.id, created_by=owner.id,
            stage=stages[depth], status=status, created_at=created, updated_at=created, stage_changed_at=created,
            touch_count=0, close_pushes=0,
        )  # fmt: skip
        session.add(lead)
        session.flush()
        moment, previous = created, None
        for step in range(depth + 1):
            session.add(
                StageChange(
                    lead_id=lead.id,
                    from_stage=previous,
                    to_stage=stages[step],
                    changed_at=moment,
                    changed_by=owner.id,
                )
            )
            previous, lead.stage_changed_at = stages[step], moment
            moment = max(
                moment,
                in_working_hours(
                    moment + (now - moment) * rng.uniform(0.15, 0.5), ZoneInfo(owner.tz), latest=now
                ),
            )
        _touches(session, rng, lead, owner.id, now=now, zone=ZoneInfo(owner.tz))
        if status != OPEN:
            lead.closed_at = lead.stage_changed_at + (now - lead.stage_changed_at) / 2
            lead.lost_reason = "went with a competitor" if status == LOST else None
            session.add(
                LeadEvent(
                    lead_id=lead.id, kind=status, actor_id=owner.id, at=lead.closed_at, detail=None
                )
            )
            # Closing is a move to the outcome, as the app records it: the report reads closes there.
            session.add(
                StageChange(
                    lead_id=lead.id,
                    from_stage=lead.stage,
                    to_stage=status,
                    changed_at=lead.closed_at,
                    changed_by=owner.id,
                )
            )
        else:
            lead.next_follow_up = _follow_up(rng, lead, now=now, zone=ZoneInfo(owner.tz))
    session.flush()
    return len(COMPANIES)


def in_working_hours(moment: datetime, zone: ZoneInfo, *, latest: datetime) -> datetime:
    """The same instant moved into the rep's own working hours (Mon–Fri 09:00–18:00 local),
    never after `latest`: a sample touch at 03:00 local would read as a lie."""
    local = moment.astimezone(zone)
    day = local.date()
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    hour = 9 + (local.hour * 60 + local.minute) * 9 // (24 * 60)
    placed = datetime.combine(day, time(hour, local.minute), tzinfo=zone).astimezone(UTC)
    while placed > latest:
        day -= timedelta(days=1)
        while day.weekday() >= 5:
            day -= timedelta(days=1)
        placed = datetime.combine(day, time(hour, local.minute), tzinfo=zone).astimezone(UTC)
    return placed


def _touches(
    session: Session, rng: random.Random, lead: Lead, author: str, *, now: datetime, zone: ZoneInfo
) -> None:
    count = 0 if rng.random() < 0.12 else rng.randint(1, 9)
    span = (now - lead.created_at).total_seconds()
    moments = sorted(
        max(
            lead.created_at,
            in_working_hours(
                lead.created_at + timedelta(seconds=rng.uniform(0.05, 0.97) * span),
                zone,
                latest=now,
            ),
        )
        for _ in range(count)
    )
    contacts = []
    for moment in moments:
        kind = rng.choice(KINDS)
        if kind != "note":
            contacts.append(moment)
        session.add(Touchpoint(lead_id=lead.id, kind=kind, note=rng.choice(NOTES), occurred_at=moment, author_id=author, created_at=moment))  # fmt: skip
    lead.touch_count = count
    if contacts:
        lead.first_touch_at, lead.last_touch_at = contacts[0], contacts[-1]


def _follow_up(rng: random.Random, lead: Lead, *, now: datetime, zone: ZoneInfo) -> date | None:
    """A follow-up as the rhythm would have left it: on a working day, and never one that a later
    contact touch already completed (that touch set the next step instead, as `next:` would)."""
    if rng.random() >= 0.8:
        return None
    today = now.astimezone(zone).date()
    due = next_working_day(today + timedelta(days=rng.randint(-6, 9)), WORKING_DAYS)
    if lead.last_touch_at is not None:
        touched = lead.last_touch_at.astimezone(zone).date()
        if touched >= due:
            due = add_working_days(touched, rng.randint(1, 5), WORKING_DAYS)
    return due


def demo_today(now: datetime) -> date:
    return now.date()


# A web-form lead that arrives on Friday morning in New York and waits for its first touch.
ARRIVAL = (datetime.fromisoformat("2026-12-04T14:10:00+00:00"), "Northwind Traders", REPS[0].id)


def add_arrival(
    session: Session, *, pipeline: PipelineConfig, at: datetime, company: str, owner: str
) -> None:
    from bot.services.leads import NewLead, create_lead

    new = NewLead(
        company=company,
        owner_id=owner,
        stage=pipeline.stages[0].key,
        value=Decimal(30000),
        source="website",
    )
    create_lead(session, new=new, created_by=owner, now=at, inbound=True)
