"""The morning plan's reads: the first leads of each plan, ranked in SQL, and the totals of all open leads."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Numeric,
    String,
    and_,
    bindparam,
    case,
    cast,
    extract,
    func,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Session

from bot.domain.leads import OPEN, weighted
from bot.domain.plan import SECTIONS, Section
from bot.domain.rhythm import LeadFacts, StageCurrencyTotals, StageRules
from bot.models import Lead, UTCDateTime
from bot.services.fast_rows import one_of, raw_rows, rows_at_once
from bot.services.later import Later
from bot.services.rhythm import LeadReader, in_chunks, open_leads_where


@dataclass(frozen=True)
class FirstLeads:
    """The first leads of a rep's plan, in plan order, and how many leads each section holds.

    The leads are read with those of other plans (`shown`) and made into `LeadFacts` when first
    asked for (see `Later`)."""

    ids: list[int]
    counts: dict[Section, int]
    shown: Mapping[int, LeadFacts]

    @property
    def leads(self) -> list[LeadFacts]:
        shown = self.shown
        return [shown[lead_id] for lead_id in self.ids]


def first_plan_leads(
    session: Session,
    *,
    main_currency: Mapping[str, str | None],
    today: date,
    now: datetime,
    stages: Sequence[StageRules],
    late: Collection[str],
    limit: int,
) -> dict[str, FirstLeads]:
    """Per owner (each with the currency most of their open leads are in), the first `limit`
    leads of their morning plan for `today`, ranked by the database as `plan_from` ranks them,
    and how many leads each section holds: a plan shows a few of a rep's leads, so only those come
    back, whatever the size of the pipeline. An owner whose plan lists nothing is left out.

    The sections and the order are `plan_from`'s: each lead in the first section that applies,
    sections in plan order, and within one the section's own keys (whole days since a touch or a
    move counted as `whole_days` counts them, to the microsecond), then the lead's number.
    """
    found: dict[str, FirstLeads] = {}
    owners = sorted(main_currency)
    reader = LeadReader.of(session)
    # SQLite's window functions took twice as long as sorting and counting in a pass here;
    # PostgreSQL's are quicker than sending every listed lead over.
    sqlite = session.get_bind().dialect.name == "sqlite"
    first = _first_by_sorting if sqlite else _first_by_window
    for chunk in in_chunks(owners):
        order = _plan_order(
            session,
            {owner: main_currency[owner] for owner in chunk},
            today=today,
            now=now,
            stages=stages,
            late=late,
        )
        found.update(first(session, reader, order, limit))
    return found


@dataclass(frozen=True)
class _PlanOrder:
    """The leads a plan lists (`leads`: number, owner and the ranking's columns), each one's
    section, and the keys that order an owner's leads as the plan does."""

    leads: Any
    section: ColumnElement[int]
    keys: list[ColumnElement[Any]]


def _first_by_sorting(
    session: Session, reader: LeadReader, order: _PlanOrder, limit: int
) -> dict[str, FirstLeads]:
    """Every listed lead's number and section, owner by owner in plan order, sorted by the
    database; counted, and each owner's first few kept, in one pass; those read in full after."""
    c = order.leads
    statement = (
        select(c.id, c.owner_id, order.section)
        .where(order.section.is_not(None))
        .order_by(c.owner_id, *order.keys)
    )
    first: dict[str, list[int]] = {}
    counts: dict[str, list[int]] = {}
    for lead_id, owner, section in rows_at_once(session, statement):
        tally = counts.get(owner)
        if tally is None:
            tally = counts[owner] = [0] * len(SECTIONS)
            first[owner] = []
        tally[section] += 1
        if len(first[owner]) < limit:
            first[owner].append(lead_id)
    shown = _leads_by_id(session, reader, [lead_id for ids in first.values() for lead_id in ids])
    return {
        owner: FirstLeads(ids, dict(zip(SECTIONS, counts[owner], strict=True)), shown)
        for owner, ids in first.items()
    }


def _first_by_window(
    session: Session, reader: LeadReader, order: _PlanOrder, limit: int
) -> dict[str, FirstLeads]:
    """Each owner's first `limit` listed leads and the sections' counts, ranked and counted by
    the database's window functions."""
    c, part = order.leads, order.section
    ranked = (
        select(
            c.id,
            c.owner_id,
            func.row_number().over(partition_by=c.owner_id, order_by=order.keys).label("place"),
            *(
                func.count(case((part == number, 1)))
                .over(partition_by=c.owner_id)
                .label(f"in_{number}")
                for number in range(len(SECTIONS))
            ),
        )
        .where(part.is_not(None))
        .subquery()
    )
    # The first leads' numbers, then those leads by number: joining the ranking back to the
    # leads made PostgreSQL merge it with an index scan of every lead, twice as slow.
    first = raw_rows(
        session,
        select(ranked.c.id, ranked.c.owner_id, *(ranked.c[f"in_{n}"] for n in range(len(SECTIONS))))
        .where(ranked.c.place <= limit)
        .order_by(ranked.c.owner_id, ranked.c.place),
    )
    shown = _leads_by_id(session, reader, [row[0] for row in first])
    found: dict[str, FirstLeads] = {}
    for lead_id, owner, *counts in first:
        entry = found.get(owner)
        if entry is None:
            entry = found[owner] = FirstLeads([], dict(zip(SECTIONS, counts, strict=True)), shown)
        entry.ids.append(lead_id)
    return found


def _leads_by_id(
    session: Session, reader: LeadReader, lead_ids: Sequence[int]
) -> Mapping[int, LeadFacts]:
    """The leads plans show, read in full by number in one statement (made into `LeadFacts` when
    first looked at)."""
    rows = reader.rows(session, select(*reader.columns).where(one_of(session, Lead.id, lead_ids)))
    facts = reader.facts
    return Later(lambda: {lead.id: lead for lead in map(facts, rows)})


_MICROS_PER_DAY = 86_400_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _plan_order(
    session: Session,
    main_currency: Mapping[str, str | None],
    *,
    today: date,
    now: datetime,
    stages: Sequence[StageRules],
    late: Collection[str],
) -> _PlanOrder:
    sqlite = session.get_bind().dialect.name == "sqlite"
    index = {section: number for number, section in enumerate(SECTIONS)}
    due = Lead.next_follow_up
    is_late = Lead.stage.in_(sorted(late))
    keys = [stage.key for stage in stages]
    no_touch_since = func.coalesce(Lead.last_touch_at, Lead.created_at)

    def by_stage(clock: Callable[[StageRules], ColumnElement[bool]]) -> ColumnElement[bool]:
        # A lead in a stage no longer configured runs on the first stage's clocks.
        return or_(
            *(and_(Lead.stage == stage.key, clock(stage)) for stage in stages),
            and_(Lead.stage.not_in(keys), clock(stages[0])),
        )

    def crossed_by_tomorrow(column: Any, days: int) -> ColumnElement[bool]:
        # `whole_days(column, now) + 1 >= days`, as `check_clocks` with a day's margin.
        if days - 1 <= 0:
            return true()
        return column <= now - timedelta(days=days - 1)

    going_stale = by_stage(lambda stage: crossed_by_tomorrow(no_touch_since, stage.stale_days))
    stuck = by_stage(lambda stage: crossed_by_tomorrow(Lead.stage_changed_at, stage.stuck_days))
    section = case(
        (due < today, index[Section.OVERDUE]),
        (due == today, index[Section.DUE_TODAY]),
        (and_(is_late, Lead.expected_close < today), index[Section.MISSED_CLOSE]),
        (is_late, index[Section.CLOSING]),
        (and_(due.is_(None), going_stale), index[Section.GOING_STALE]),
        (and_(due.is_(None), stuck), index[Section.STUCK]),
        (Lead.first_touch_at.is_(None), index[Section.NEW]),
        (due.is_(None), index[Section.NO_NEXT_STEP]),
    )
    by_currency: dict[str, list[str]] = defaultdict(list)
    for owner, currency in main_currency.items():
        if currency is not None:
            by_currency[currency].append(owner)
    main = (
        case(
            *(
                (Lead.owner_id.in_(sorted(owners)), literal(code))
                for code, owners in by_currency.items()
            ),
            else_=None,
        )
        if by_currency
        else literal(None, String())
    )
    # Values rank only within the owner's main currency: others come after, unranked.
    unranked = case((and_(Lead.value.is_not(None), Lead.currency == main), 0), else_=1)
    # Late stages by probability, highest first.
    ranks = {
        value: rank
        for rank, value in enumerate(sorted({s.probability for s in stages}, reverse=True))
    }
    probability_rank = case(
        *((Lead.stage == stage.key, ranks[stage.probability]) for stage in stages), else_=len(ranks)
    )
    # Only what ranking needs goes through the sort; the leads shown are read by id after.
    listed = (
        select(
            Lead.id,
            Lead.owner_id,
            Lead.value,
            Lead.created_at,
            Lead.stage_changed_at,
            Lead.last_touch_at,
            Lead.next_follow_up,
            Lead.expected_close,
            section.label("section"),
            unranked.label("unranked"),
            case((is_late, 0), else_=1).label("not_late"),
            probability_rank.label("probability_rank"),
        )
        .where(
            Lead.status == OPEN,
            Lead.owner_id.in_(sorted(main_currency)),
            or_(Lead.snoozed_until.is_(None), Lead.snoozed_until <= today),
            # What every section asks first, cheap to test before the sections themselves.
            or_(due.is_(None), due <= today, is_late, Lead.first_touch_at.is_(None)),
        )
        .subquery()
    )
    c = listed.c
    part = c.section

    def days_since(column: Any) -> ColumnElement[int]:
        """`whole_days(column, now)`, exactly: microseconds apart, divided by a day's."""
        if sqlite:
            # Stored as `YYYY-MM-DD HH:MM:SS.ffffff` (UTC): whole seconds, then the microseconds.
            seconds = cast(func.strftime("%s", func.substr(column, 1, 19)), BigInteger)
            micros = cast(func.coalesce(func.substr(column, 21, 6), "0"), BigInteger)
            elapsed = literal((now - _EPOCH) // timedelta(microseconds=1), BigInteger) - (
                seconds * 1_000_000 + micros
            )
            days = elapsed // _MICROS_PER_DAY
        else:
            # Seconds apart as an exact numeric (PostgreSQL 14 on; before, a double made one).
            elapsed = cast(extract("epoch", literal(now, UTCDateTime()) - column), Numeric())
            days = cast(func.div(elapsed, 86_400), BigInteger)
        return case((days < 0, 0), else_=days)

    first_key = case(
        (part.in_([index[Section.OVERDUE], index[Section.DUE_TODAY]]), c.not_late),
        (part == index[Section.CLOSING], c.probability_rank),
        (
            part == index[Section.GOING_STALE],
            -days_since(func.coalesce(c.last_touch_at, c.created_at)),
        ),
        (part == index[Section.STUCK], -days_since(c.stage_changed_at)),
        else_=0,
    )
    is_new = part == index[Section.NEW]
    order = [
        part,
        first_key,
        case((part == index[Section.MISSED_CLOSE], c.expected_close)),
        case((is_new, 0), else_=c.unranked),
        case((and_(~is_new, c.unranked == 0), -c.value), else_=0),
        case((part == index[Section.OVERDUE], c.next_follow_up)),
        case((is_new, c.created_at)),
        c.id,
    ]
    return _PlanOrder(c, part, order)


# Probabilities with more decimals than this are weighted in Python from the values themselves.
_WEIGHT_DECIMALS = 6


def open_totals_by_owner(
    session: Session, *, owner_ids: Collection[str], stages: Sequence[StageRules]
) -> dict[str, list[StageCurrencyTotals]]:
    """Per owner, their open leads' count, value and weighted value by stage and currency, added
    up by the database: a plan's snapshot without reading every lead.

    Values are added as whole cents, and each lead's weighted value is rounded to the cent (half
    to even, as `Decimal.quantize`) before it is added, so the totals are exactly those of the
    leads themselves. A lead in a stage no longer configured is weighted with the first stage's
    probability, as the snapshot counts it there.
    """
    decimals = max(-stage.probability.as_tuple().exponent for stage in stages)  # type: ignore[operator]
    if decimals > _WEIGHT_DECIMALS:
        return _open_totals_from_values(session, owner_ids, stages)
    scale = 10 ** max(decimals, 0)
    # Each lead's cents worked out once: the expressions below name them a dozen times, and the
    # server would compute them again at each mention. OFFSET 0 keeps PostgreSQL from folding
    # this into the grouping query (it halved the statement's time there); SQLite is unmoved.
    leads = (
        select(
            Lead.owner_id,
            Lead.stage,
            Lead.currency,
            Lead.value,
            cast(func.round(Lead.value * 100), BigInteger).label("cents"),
        )
        .where(Lead.status == OPEN, Lead.owner_id.in_(bindparam("owners", expanding=True)))
        .offset(0)
        .subquery()
    )
    cents = leads.c.cents
    units = case((cents < 0, -cents), else_=cents)
    sign = case((cents < 0, -1), else_=1)
    weight = case(
        *((leads.c.stage == stage.key, int(stage.probability * scale)) for stage in stages),
        else_=int(stages[0].probability * scale),
    )
    # |cents| × weight ÷ scale, split so no product can overflow 64 bits, rounded half to even.
    whole = (units // scale) * weight
    part = (units % scale) * weight
    quotient = whole + part // scale
    rest = part % scale
    up = case(
        (rest * 2 > scale, 1),
        ((rest * 2 == scale) & (quotient % 2 == 1), 1),
        else_=0,
    )
    weighted_cents = sign * (quotient + up)
    statement = select(
        leads.c.owner_id,
        leads.c.stage,
        leads.c.currency,
        func.count(),
        func.count(leads.c.value),
        func.coalesce(func.sum(cents), literal(0)),
        func.coalesce(func.sum(weighted_cents), literal(0)),
    ).group_by(leads.c.owner_id, leads.c.stage, leads.c.currency)
    found: dict[str, list[StageCurrencyTotals]] = defaultdict(list)
    for chunk in in_chunks(sorted(owner_ids)):
        rows = rows_at_once(session, statement, {"owners": list(chunk)})
        for owner, stage, currency, count, valued, value, weighted_value in rows:
            found[owner].append(
                StageCurrencyTotals(
                    stage,
                    currency,
                    count,
                    valued,
                    Decimal(int(value)).scaleb(-2),
                    Decimal(int(weighted_value)).scaleb(-2),
                )
            )
    return dict(found)


def _open_totals_from_values(
    session: Session, owner_ids: Collection[str], stages: Sequence[StageRules]
) -> dict[str, list[StageCurrencyTotals]]:
    """`open_totals_by_owner` for probabilities too precise to weight in SQL: one row per value."""
    probability = {stage.key: stage.probability for stage in stages}
    sums: dict[tuple[str, str, str], list[Any]] = {}
    for chunk in in_chunks(sorted(owner_ids)):
        rows = session.execute(
            select(Lead.owner_id, Lead.stage, Lead.currency, Lead.value, func.count())
            .where(Lead.status == OPEN, Lead.owner_id.in_(chunk))
            .group_by(Lead.owner_id, Lead.stage, Lead.currency, Lead.value)
        )
        for owner, stage, currency, value, count in rows:
            entry = sums.setdefault((owner, stage, currency), [0, 0, Decimal(0), Decimal(0)])
            entry[0] += count
            if value is not None:
                rate = probability.get(stage, stages[0].probability)
                entry[1] += count
                entry[2] += value * count
                entry[3] += weighted(value, rate) * count
    found: dict[str, list[StageCurrencyTotals]] = defaultdict(list)
    for (owner, stage, currency), (count, valued, value, weight) in sums.items():
        found[owner].append(StageCurrencyTotals(stage, currency, count, valued, value, weight))
    return dict(found)


def due_leads_by_owner(
    session: Session, *, owner_ids: Collection[str], on_or_before: date
) -> Mapping[str, list[LeadFacts]]:
    """Open leads of these owners with a follow-up date on or before `on_or_before`."""
    return open_leads_where(session, owner_ids, Lead.next_follow_up <= on_or_before)
