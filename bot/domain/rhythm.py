"""The facts the daily rhythm works from: a lead's clocks, its stage's rules, money totals. Pure."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol, TypeVar

from bot.domain.leads import weighted


class StageRules(Protocol):
    """What a pipeline stage tells the rhythm: its name, win probability and clocks."""

    @property
    def key(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def probability(self) -> Decimal: ...
    @property
    def stale_days(self) -> int: ...
    @property
    def stuck_days(self) -> int: ...


@dataclass(frozen=True, slots=True)
class LeadFacts:
    """An open lead's identity and clocks, as the jobs read them."""

    id: int
    company: str
    contact: str | None
    owner_id: str
    stage: str
    value: Decimal | None
    currency: str
    created_at: datetime
    stage_changed_at: datetime
    last_touch_at: datetime | None
    first_touch_at: datetime | None
    next_follow_up: date | None
    snoozed_until: date | None
    touch_count: int
    # The last change a person made (a touch, a move, a snooze, a keep, a date): what "acted on" means.
    updated_at: datetime | None = None
    expected_close: date | None = None
    # The qualification verdict ("strong fit", "weak fit", "not enough answers"), None when never qualified.
    verdict: str | None = None
    inbound: bool = False

    @property
    def awaiting_first_touch(self) -> bool:
        """No contact touch yet (a note is context, not a contact)."""
        return self.first_touch_at is None

    def is_snoozed(self, today: date) -> bool:
        """Snoozed until a date means hidden before that date and back on it."""
        return self.snoozed_until is not None and self.snoozed_until > today

    def no_touch_since(self) -> datetime:
        """When the no-touch clock started: the last touch, else the lead's creation."""
        return self.last_touch_at or self.created_at

    def acted_on_since(self, moment: datetime) -> bool:
        """True when someone touched, moved, snoozed, kept or re-dated the lead after `moment`."""
        touched = self.last_touch_at is not None and self.last_touch_at > moment
        changed = self.updated_at is not None and self.updated_at > moment
        return touched or changed or self.stage_changed_at > moment


def whole_days(start: datetime, now: datetime) -> int:
    """Full days elapsed, never negative (a timedelta's `days` are its whole days, floored)."""
    return max(0, (now - start).days)


def stage_order(stages: Iterable[StageRules]) -> dict[str, int]:
    return {stage.key: index for index, stage in enumerate(stages)}


DEFAULT_LATE_PROBABILITY = Decimal("0.5")


def late_stage_keys(
    stages: Iterable[StageRules], *, probability: Decimal = DEFAULT_LATE_PROBABILITY
) -> frozenset[str]:
    """Stages with a win probability of at least `team.late_stage_probability`: close to closing."""
    return frozenset(stage.key for stage in stages if stage.probability >= probability)


def main_currency(leads: Iterable[LeadFacts]) -> str | None:
    """The currency most of these leads are in (ties: the alphabetically first), None without any."""
    counts: dict[str, int] = {}
    for lead in leads:
        counts[lead.currency] = counts.get(lead.currency, 0) + 1
    return main_currency_of(counts)


def value_rank(lead: LeadFacts, currency: str | None) -> tuple[int, Decimal]:
    """A sort key that ranks by value only within `currency`: other currencies come after, unranked."""
    if lead.value is None or lead.currency != currency:
        return (1, Decimal(0))
    return (0, -lead.value)


@dataclass(frozen=True)
class Money:
    """Amounts by currency, because a team can sell in more than one."""

    amounts: tuple[tuple[str, Decimal], ...] = ()

    @classmethod
    def total(cls, pairs: Iterable[tuple[str, Decimal]]) -> Money:
        sums: dict[str, Decimal] = {}
        for currency, amount in pairs:
            sums[currency] = sums.get(currency, Decimal(0)) + amount
        return cls(tuple(sorted(sums.items(), key=lambda item: (-item[1], item[0]))))

    def __add__(self, other: Money) -> Money:
        return Money.total([*self.amounts, *other.amounts])


@dataclass(frozen=True)
class StageTotals:
    """One stage's row in a pipeline snapshot."""

    key: str
    name: str
    count: int
    value: Money
    weighted: Money


@dataclass(frozen=True)
class Snapshot:
    """Open leads by stage with count, value and weighted value, in pipeline order."""

    rows: tuple[StageTotals, ...]

    @property
    def count(self) -> int:
        return sum(row.count for row in self.rows)

    @property
    def value(self) -> Money:
        return Money.total(pair for row in self.rows for pair in row.value.amounts)

    @property
    def weighted(self) -> Money:
        return Money.total(pair for row in self.rows for pair in row.weighted.amounts)


class _InStage(Protocol):
    @property
    def stage(self) -> str: ...


_Staged = TypeVar("_Staged", bound=_InStage)


def _by_stage(
    items: Iterable[_Staged], stages: tuple[StageRules, ...]
) -> list[tuple[StageRules, list[_Staged]]]:
    """Each configured stage with its items, in order, skipping empty ones; items in a stage no
    longer configured count in the first."""
    grouped: dict[str, list[_Staged]] = {stage.key: [] for stage in stages}
    for item in items:
        grouped[item.stage if item.stage in grouped else stages[0].key].append(item)
    return [(stage, grouped[stage.key]) for stage in stages if grouped[stage.key]]


def take_snapshot(leads: Iterable[LeadFacts], *, stages: tuple[StageRules, ...]) -> Snapshot:
    """Count, value and weighted value per stage; leads in a stage no longer configured count in the first."""
    rows = []
    for stage, members in _by_stage(leads, stages):
        rows.append(
            StageTotals(
                key=stage.key,
                name=stage.name,
                count=len(members),
                value=Money.total(
                    (lead.currency, lead.value) for lead in members if lead.value is not None
                ),
                weighted=Money.total(
                    (lead.currency, weighted(lead.value, stage.probability))
                    for lead in members
                    if lead.value is not None
                ),
            )
        )
    return Snapshot(tuple(rows))


@dataclass(frozen=True)
class StageCurrencyTotals:
    """One owner's open leads in one stage (as stored) and currency, added up by the database:
    how many, how many carry a value, their value, and their weighted value (each lead's rounded
    to the cent first, with its stage's probability, as `weighted` rounds it)."""

    stage: str
    currency: str
    count: int
    valued: int
    value: Decimal
    weighted: Decimal


def snapshot_from_totals(
    totals: Iterable[StageCurrencyTotals], *, stages: tuple[StageRules, ...]
) -> Snapshot:
    """`take_snapshot`'s result from the totals of the same leads, without the leads themselves."""
    rows = []
    for stage, members in _by_stage(totals, stages):
        rows.append(
            StageTotals(
                key=stage.key,
                name=stage.name,
                count=sum(part.count for part in members),
                value=Money.total((part.currency, part.value) for part in members if part.valued),
                weighted=Money.total(
                    (part.currency, part.weighted) for part in members if part.valued
                ),
            )
        )
    return Snapshot(tuple(rows))


def currency_counts(totals: Iterable[StageCurrencyTotals]) -> dict[str, int]:
    """Open leads per currency, for `main_currency_of`."""
    counts: dict[str, int] = {}
    for part in totals:
        counts[part.currency] = counts.get(part.currency, 0) + part.count
    return counts


def main_currency_of(counts: dict[str, int]) -> str | None:
    """`main_currency` from the number of leads in each currency."""
    counts = {code: count for code, count in counts.items() if count}
    if not counts:
        return None
    return min(counts, key=lambda code: (-counts[code], code))


def rules_for(stages: tuple[StageRules, ...], key: str) -> StageRules:
    """The rules of stage `key`; a stage removed from config gets the first stage's clocks."""
    for stage in stages:  # a loop, not a generator: every listed lead of a tick asks
        if stage.key == key:
            return stage
    return stages[0]
