"""The morning plan's reads: the leads each plan can list, and the totals of all open leads."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, case, cast, func, literal, or_, select
from sqlalchemy.orm import Session

from bot.domain.leads import OPEN, weighted
from bot.domain.rhythm import LeadFacts, StageCurrencyTotals, StageRules
from bot.models import Lead
from bot.services.rhythm import in_chunks, open_leads_where


def plan_leads_by_owner(
    session: Session, *, owner_ids: Collection[str], on_or_before: date, late: Collection[str]
) -> dict[str, list[LeadFacts]]:
    """The open leads a morning plan for a day up to `on_or_before` can list (`may_be_listed`):
    not snoozed past it, and due by then, without a follow-up, in a `late` stage or never touched.
    An owner with open leads but none of these is left out."""
    return open_leads_where(
        session,
        owner_ids,
        or_(Lead.snoozed_until.is_(None), Lead.snoozed_until <= on_or_before),
        or_(
            Lead.next_follow_up.is_(None),
            Lead.next_follow_up <= on_or_before,
            Lead.stage.in_(sorted(late)),
            Lead.first_touch_at.is_(None),
        ),
    )


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
    cents = cast(func.round(Lead.value * 100), BigInteger)
    units = case((cents < 0, -cents), else_=cents)
    sign = case((cents < 0, -1), else_=1)
    weight = case(
        *((Lead.stage == stage.key, int(stage.probability * scale)) for stage in stages),
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
    found: dict[str, list[StageCurrencyTotals]] = defaultdict(list)
    for chunk in in_chunks(sorted(owner_ids)):
        rows = session.execute(
            select(
                Lead.owner_id,
                Lead.stage,
                Lead.currency,
                func.count(),
                func.count(Lead.value),
                func.coalesce(func.sum(cents), literal(0)),
                func.coalesce(func.sum(weighted_cents), literal(0)),
            )
            .where(Lead.status == OPEN, Lead.owner_id.in_(chunk))
            .group_by(Lead.owner_id, Lead.stage, Lead.currency)
        )
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
) -> dict[str, list[LeadFacts]]:
    """Open leads of these owners with a follow-up date on or before `on_or_before`."""
    return open_leads_where(session, owner_ids, Lead.next_follow_up <= on_or_before)
