"""Open leads judged once and summed for every figure: by stage, owner, currency and clock state. Pure.

Stale and scheduled use the owner's local date, so a manager sees the same leads the rep is
nudged about: stale = no follow-up after today and whole days without a touch ≥ the stage's
stale clock; stuck = whole days in the stage ≥ its stuck clock; at risk = stale or stuck.
A snoozed lead is *parked*: neither stale nor stuck, reported apart.

A figure over a set of leads is a sum over cells `(stage, owner, currency, state)`, so the
figures cost as much as the cells, not the leads. The lead-by-lead pass happens once, here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from heapq import heappush, heapreplace, nsmallest
from typing import Any

from bot.domain.figures import LeadRef, Median, tenth
from bot.domain.money import Fx, MoneySum
from bot.domain.team_facts import OpenLead
from bot.domain.team_rules import TeamRules

DAY = timedelta(days=1)
LONG_PARK = timedelta(days=30)
FINE, STALE, STUCK, STALE_AND_STUCK, PARKED = range(5)
AT_RISK = frozenset({STALE, STUCK, STALE_AND_STUCK})
_ZERO = Decimal(0)

# (stage, owner, currency, state) -> [leads, leads with a value, sum of values in that currency]
CellKey = tuple[str, str, str, int]
Cell = list[Any]
Cells = Iterable[tuple[CellKey, Cell]]


class OpenBook:
    """Every open lead judged once, summed into cells, with the per-lead lists a figure may list."""

    def __init__(
        self,
        leads: tuple[OpenLead, ...],
        *,
        rules: TeamRules,
        fx: Fx,
        now: datetime,
        todays: Mapping[str, date],
        team_today: date,
        period: tuple[date, date] | None = None,
    ) -> None:
        self.leads, self.rules, self.fx, self.now = leads, rules, fx, now
        self.states: list[int] = []
        self.cells: dict[CellKey, Cell] = {}
        self.entered: dict[str, list[datetime]] = defaultdict(list)
        self.overdue: dict[str, int] = defaultdict(int)
        # (stage, currency) -> cell, for leads expected to close within `period`.
        self.expected: dict[tuple[str, str], Cell] = {}
        self.with_expected_close = self.past_expected_close = self.long_parked = 0
        self._judge(todays, team_today, period)
        self.by_owner: dict[str, list[tuple[CellKey, Cell]]] = defaultdict(list)
        # The same cells with the owners added up, for team-wide and per-stage figures.
        team: dict[CellKey, Cell] = {}
        for key, cell in self.cells.items():
            self.by_owner[key[1]].append((key, cell))
            rolled = (key[0], "", key[2], key[3])
            total = team.get(rolled)
            if total is None:
                total = team[rolled] = [0, 0, _ZERO]
            total[0] += cell[0]
            total[1] += cell[1]
            total[2] += cell[2]
        self.team_cells = list(team.items())
        self.by_stage: dict[str, list[tuple[CellKey, Cell]]] = defaultdict(list)
        for key, cell in self.team_cells:
            self.by_stage[key[0]].append((key, cell))

    def _judge(
        self, todays: Mapping[str, date], team_today: date, period: tuple[date, date] | None
    ) -> None:
        now = self.now
        # Whole days past a clock as one comparison: `days >= n` is `start <= now - n days`.
        clocks = {
            stage.key: (now - stage.stale_days * DAY, now - stage.stuck_days * DAY)
            for stage in self.rules.stages
        }
        fallback = clocks[self.rules.stages[0].key]
        start, end = period or (date.max, date.min)
        cells, states, entered, overdue = self.cells, self.states, self.entered, self.overdue
        expected = self.expected
        for (_, _, owner, stage, value, currency, created, moved, touched, follow_up, snoozed,
             close) in self.leads:  # fmt: skip
            today = todays.get(owner, team_today)
            if snoozed is not None and snoozed > today:
                state = PARKED
                if snoozed - today > LONG_PARK:
                    self.long_parked += 1
            else:
                stale_before, stuck_before = clocks.get(stage, fallback)
                state = STUCK if moved <= stuck_before else FINE
                if (follow_up is None or follow_up <= today) and (
                    touched or created
                ) <= stale_before:
                    state |= STALE
            states.append(state)
            key = (stage, owner, currency, state)
            cell = cells.get(key)
            if cell is None:
                cell = cells[key] = [0, 0, _ZERO]
            cell[0] += 1
            if value is not None:
                cell[1] += 1
                cell[2] += value
            entered[stage].append(moved)
            if follow_up is not None and follow_up < today:
                overdue[owner] += 1
            if close is not None:
                self.with_expected_close += 1
                if close < team_today:
                    self.past_expected_close += 1
                if start <= close < end:
                    spot = expected.setdefault((stage, currency), [0, 0, _ZERO])
                    spot[0] += 1
                    if value is not None:
                        spot[1] += 1
                        spot[2] += value

    def probability(self, stage: str) -> Decimal:
        """A stage's win probability; a removed stage weighs like the first, as its clocks do."""
        return self.rules.clocks_for(stage).probability

    def money(self, cells: Cells, *, weighted: bool = False) -> MoneySum:
        """The value (or weighted value) of the leads in these cells, never adding two currencies."""
        per_currency: dict[str, Cell] = {}
        for (stage, _, currency, _), (count, valued, value) in cells:
            spot = per_currency.get(currency)
            if spot is None:
                spot = per_currency[currency] = [0, 0, _ZERO]
            spot[0] += count
            spot[1] += valued
            spot[2] += value * self.probability(stage) if weighted else value
        return money_sum(per_currency, self.fx)

    def count(self, cells: Cells) -> int:
        return sum(cell[0] for _, cell in cells)

    def converted(self, lead: OpenLead) -> Decimal | None:
        """A lead's value in the reporting currency, or None without a value or a rate."""
        return None if lead.value is None else self.fx.convert(lead.value, lead.currency)

    def median_age(self, stage: str) -> Median:
        """The median whole-and-tenth days the stage's open leads have been in it."""
        moved = sorted(self.entered.get(stage, ()))
        if not moved:
            return Median(None, 0)
        middle = len(moved) // 2
        at = (
            moved[middle]
            if len(moved) % 2
            else moved[middle - 1] + (moved[middle] - moved[middle - 1]) / 2
        )
        return Median(tenth(max(0.0, (self.now - at) / DAY)), len(moved))

    def collect(self, key: Callable[[OpenLead, int], object]) -> dict[object, list[OpenLead]]:
        """The leads grouped by `key` (None leaves a lead out), in one pass."""
        groups: dict[object, list[OpenLead]] = defaultdict(list)
        for lead, state in zip(self.leads, self.states, strict=True):
            group = key(lead, state)
            if group is not None:
                groups[group].append(lead)
        return groups

    def oldest(self, leads: list[OpenLead], *, count: int) -> tuple[LeadRef, ...]:
        """The `count` leads longest in their stage."""
        ranked = nsmallest(count, leads, key=lambda lead: (lead.stage_changed_at, lead.id))
        return tuple(self.ref(lead) for lead in ranked)

    def largest(
        self, groups: Callable[[OpenLead, int], tuple[object, ...]], *, count: int
    ) -> dict[object, tuple[LeadRef, ...]]:
        """Per group, the `count` leads with the largest value in the reporting currency, in one pass.

        `groups` names the groups a lead belongs to (none: left out). Values in a currency
        without a rate rank after converted ones, leads without a value last.
        """
        # Within one currency the ranking is by the raw value, so a small heap per (group, currency)
        # holds every candidate; only those are converted.
        heaps: dict[tuple[object, str], list[tuple[Decimal, int, int]]] = defaultdict(list)
        bare: dict[object, list[OpenLead]] = defaultdict(list)
        for position, (lead, state) in enumerate(zip(self.leads, self.states, strict=True)):
            names = groups(lead, state)
            if not names:
                continue
            value = lead.value
            for name in names:
                if value is None:
                    if len(bare[name]) < count:
                        bare[name].append(lead)
                    continue
                heap = heaps[(name, lead.currency)]
                entry = (value, -lead.id, position)
                if len(heap) < count:
                    heappush(heap, entry)
                elif entry > heap[0]:
                    heapreplace(heap, entry)
        ranked: dict[object, list[tuple[tuple[object, ...], OpenLead]]] = defaultdict(list)
        for (name, currency), heap in heaps.items():
            rate = self.fx.rate(currency)
            for value, _, position in heap:
                lead = self.leads[position]
                order = (0, -(value * rate), lead.id) if rate is not None else (1, -value, lead.id)
                ranked[name].append((order, lead))
        for name, leads in bare.items():
            ranked[name].extend(((2, 0, lead.id), lead) for lead in leads)
        return {
            name: tuple(self.ref(lead) for _, lead in sorted(entries, key=lambda e: e[0])[:count])
            for name, entries in ranked.items()
        }

    def ref(self, lead: OpenLead) -> LeadRef:
        """How an alert lists a lead: owner, value and whole days in its stage."""
        days = max(0, (self.now - lead.stage_changed_at) // DAY)
        return LeadRef(lead.id, lead.company, lead.owner_id, lead.value, lead.currency, days)


def money_sum(per_currency: Mapping[str, Cell], fx: Fx) -> MoneySum:
    """A MoneySum from `currency -> [leads, leads with a value, sum]`, converting where a rate allows."""
    total = _ZERO
    apart: list[tuple[str, Decimal]] = []
    count = missing = unconvertible = 0
    for currency, (leads, valued, value) in per_currency.items():
        count += leads
        missing += leads - valued
        rate = fx.rate(currency)
        if rate is None:
            unconvertible += valued
            if valued:
                apart.append((currency, value))
        else:
            total += value * rate
    apart.sort(key=lambda item: (-item[1], item[0]))
    return MoneySum(fx.currency, total, tuple(apart), count, missing, unconvertible)
