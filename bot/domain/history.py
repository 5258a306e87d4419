"""One pass over the stage history: the week's flow, cohort conversion, time in stage and stage as of each Monday. Pure.

Rules, from METRICS §2:
- A lead *reached* stage s with a move to s or to any later stage, or a win; skipped stages count
  as passed and moving back does not un-reach. A lead joins cohorts from the stage it was
  created in: the stages before it are never reached.
- A *visit* runs from a move into a stage to the next move or the close; a lead's visits to one
  stage are summed, and count as completed once the lead has left the stage.
- A stage key no longer configured is outside every chain: moves to it are entries of
  "(removed stage)", never advances or steps back.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import groupby
from operator import itemgetter
from typing import NamedTuple

from bot.domain.team_facts import TIME_IN_STAGE_DAYS, TREND_WEEKS, ManagerWindow, Move
from bot.domain.team_rules import REMOVED_STAGE, TeamRules

EARLIER = datetime.min.replace(tzinfo=UTC)
DROPS = frozenset({"lost", "archived"})
OUTCOMES = DROPS | {"won"}
ENTERED, ADVANCED, DROPPED, MOVED_BACK = range(4)


class StageAt(NamedTuple):
    """A lead's stage as of an instant and since when it was in it."""

    stage: str
    since: datetime


@dataclass
class Histories:
    """What the stage history says, gathered in one pass over every move of the leads that moved lately."""

    # Per stage key (and REMOVED_STAGE): entered, advanced, dropped, moved back in the report week.
    flow: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0, 0, 0]))
    # Per stage index: advanced, dropped, pending among the leads that first reached it in the cohort window.
    cohort: dict[int, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0, 0]))
    # Per stage key: each lead's summed days there, for leads that left it in the last 90 days.
    completed_days: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    # Moves to a later stage (wins apart) per report week (0–4), by lead.
    advances: list[tuple[int, int]] = field(default_factory=list)
    # Per lead that moved after mondays[4]: its stage as of mondays[0..4], None when it was not open.
    stage_at_mondays: dict[int, tuple[StageAt | None, ...]] = field(default_factory=dict)


def walk_histories(
    moves: Iterable[Move],
    *,
    rules: TeamRules,
    window: ManagerWindow,
    created: Mapping[int, datetime],
) -> Histories:
    """Walk each lead's moves in order (they must come grouped by lead, oldest first).

    `created` gives each known lead's creation time: a lead missing from it (imported already
    closed) gets no stage as of the Mondays.
    """
    found = Histories()
    index = {stage.key: stage.index for stage in rules.stages}
    won = len(rules.stages)
    reach = {**index, "won": won}
    cohort_since = window.now - timedelta(days=rules.cohort_days)
    exits_since = window.now - timedelta(days=TIME_IN_STAGE_DAYS)
    mondays = window.mondays
    # Week w runs from mondays[w + 1] to mondays[w]: the number of week starts at or before a
    # move, counted from the oldest, gives its week.
    starts = sorted(mondays[1 : TREND_WEEKS + 2])
    oldest, newest, trend_start = mondays[TREND_WEEKS + 1], mondays[0], mondays[TREND_WEEKS]
    ascending = sorted(mondays[: TREND_WEEKS + 1])
    flow, cohort, completed, advances = (
        found.flow,
        found.cohort,
        found.completed_days,
        found.advances,
    )
    for lead_id, group in groupby(moves, key=itemgetter(0)):
        lead_moves = list(group)
        first: dict[int, datetime] = {}
        origin: int | None = None
        reached = -1
        dropped = False
        totals: dict[str, float] = {}
        last_exit: dict[str, datetime] = {}
        current: str | None = None
        started = EARLIER
        for _, source, target, at in lead_moves:
            target_index = reach.get(target)
            source_index = index.get(source) if source is not None else None
            if oldest <= at < newest:
                week = TREND_WEEKS + 1 - bisect_right(starts, at)
                forward = (
                    source_index is not None
                    and target_index is not None
                    and target_index > source_index
                )
                if forward and target_index != won:
                    advances.append((lead_id, week))
                if week == 0:
                    _count_flow(flow, source, target, source_index, target_index, forward)
            if target in DROPS:
                dropped = True
            elif target_index is not None:
                if origin is None:
                    # A history that starts mid-way: the lead was in its first "from" stage before.
                    if source_index is not None:
                        first[source_index] = EARLIER
                        reached = source_index
                    origin = source_index if source_index is not None else target_index
                if target_index > reached:
                    for position in range(max(reached + 1, origin), target_index + 1):
                        first[position] = at
                    reached = target_index
            if current is not None:
                totals[current] = totals.get(current, 0.0) + (at - started).total_seconds()
                last_exit[current] = at
            if target in index:
                current, started = target, at
            else:
                current = None
        for position, at in first.items():
            if position < won and at >= cohort_since:
                counts = cohort[position]
                if position + 1 in first:
                    counts[0] += 1
                elif dropped:
                    counts[1] += 1
                else:
                    counts[2] += 1
        for stage, seconds in totals.items():
            if stage != current and last_exit[stage] >= exits_since:
                completed[stage].append(seconds / 86400 if seconds > 0 else 0.0)
        born = created.get(lead_id)
        if born is not None and lead_moves[-1][3] > trend_start:
            found.stage_at_mondays[lead_id] = _stage_at(lead_moves, born, ascending)
    return found


def _count_flow(
    flow: dict[str, list[int]],
    source: str | None,
    target: str,
    source_index: int | None,
    target_index: int | None,
    forward: bool,
) -> None:
    """One move of the report week: an entry into its target, and a way out of its source."""
    if target not in OUTCOMES:
        flow[target if target_index is not None else REMOVED_STAGE][ENTERED] += 1
    if source is None:
        return
    row = flow[source if source_index is not None else REMOVED_STAGE]
    if target in DROPS:
        row[DROPPED] += 1
    elif forward:
        row[ADVANCED] += 1
    elif source_index is not None and target_index is not None and target_index < source_index:
        row[MOVED_BACK] += 1


def _stage_at(
    lead_moves: list[Move], born: datetime, mondays: list[datetime]
) -> tuple[StageAt | None, ...]:
    """The stage as of each Monday (oldest first in `mondays`), returned newest first like window.mondays."""
    first = lead_moves[0]
    state: StageAt | None = StageAt(first.from_stage or first.to_stage, born)
    position = 0
    states: list[StageAt | None] = []
    for monday in mondays:
        while position < len(lead_moves) and lead_moves[position].at <= monday:
            move = lead_moves[position]
            state = None if move.to_stage in OUTCOMES else StageAt(move.to_stage, move.at)
            position += 1
        states.append(state if born <= monday else None)
    return tuple(reversed(states))
