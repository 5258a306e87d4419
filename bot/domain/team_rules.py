"""The pipeline's rules as the managers' figures read them: stages in order, clocks and thresholds. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal
from types import MappingProxyType

REMOVED_STAGE = "(removed stage)"
QUOTA_PERIODS = ("month", "quarter", "year")
DEFAULT_MINUTES: Mapping[str, int] = MappingProxyType(
    {"call": 15, "email": 10, "message": 5, "linkedin": 5, "meeting": 45, "demo": 60, "other": 15,
     "inbound": 0}
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class StageRule:
    """One configured stage: its place in the order, probability, clocks and WIP limit."""

    key: str
    name: str
    index: int
    probability: Decimal
    stale_days: int
    stuck_days: int
    wip_limit: int | None = None
    early: bool = False
    late: bool = False


@dataclass(frozen=True)
class TeamRules:
    """Every threshold the congestion alerts and the weekly report use, with METRICS.md's defaults."""

    stages: tuple[StageRule, ...]
    congestion_share: Decimal = Decimal("0.4")
    coverage_target: Decimal = Decimal(3)
    min_early: int = 3
    quota_period: str = "quarter"
    cadence_touches: int = 6
    speed_to_lead_hours: Decimal = Decimal(4)
    working_days: frozenset[int] = frozenset(range(5))
    work_start: time = time(9)
    work_end: time = time(18)
    min_sample: int = 10
    cohort_days: int = 90
    minutes: Mapping[str, int] = field(default_factory=lambda: DEFAULT_MINUTES)
    by_key: Mapping[str, StageRule] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.stages:
            raise ValueError("needs at least one stage")
        if self.quota_period not in QUOTA_PERIODS:
            raise ValueError(f"unknown quota period {self.quota_period!r}")
        object.__setattr__(self, "by_key", {stage.key: stage for stage in self.stages})

    def stage(self, key: str) -> StageRule | None:
        """The configured stage with this key; None for a stage removed from the config."""
        return self.by_key.get(key)

    def clocks_for(self, key: str) -> StageRule:
        """The rules of stage `key`; a removed stage gets the first stage's clocks, as the rep's nudges do."""
        return self.by_key.get(key, self.stages[0])

    def index(self, key: str) -> int | None:
        """The stage's position, `len(stages)` for a win, None for a removed stage or a loss."""
        stage = self.by_key.get(key)
        if stage is not None:
            return stage.index
        return len(self.stages) if key == "won" else None

    @property
    def early_keys(self) -> frozenset[str]:
        return frozenset(stage.key for stage in self.stages if stage.early)

    @property
    def late_keys(self) -> frozenset[str]:
        return frozenset(stage.key for stage in self.stages if stage.late)


def build_stage_rules(
    stages: tuple[tuple[str, str, Decimal, int, int, int | None], ...],
    *,
    early_keys: tuple[str, ...] | None,
    late_probability: Decimal,
) -> tuple[StageRule, ...]:
    """Number the stages and mark early ones (default: the first two) and late ones (probability ≥ the bar)."""
    early = set(early_keys) if early_keys is not None else {key for key, *_ in stages[:2]}
    return tuple(
        StageRule(
            key=key,
            name=name,
            index=index,
            probability=probability,
            stale_days=stale,
            stuck_days=stuck,
            wip_limit=wip,
            early=key in early,
            late=probability >= late_probability,
        )
        for index, (key, name, probability, stale, stuck, wip) in enumerate(stages)
    )


def period_bounds(day: date, period: str) -> tuple[date, date]:
    """The first day of the month, quarter or year holding `day`, and the first day of the next one."""
    if period == "month":
        start = day.replace(day=1)
    elif period == "quarter":
        start = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    elif period == "year":
        start = date(day.year, 1, 1)
    else:
        raise ValueError(f"unknown quota period {period!r}")
    months = {"month": 1, "quarter": 3, "year": 12}[period]
    month = start.month - 1 + months
    return start, date(start.year + month // 12, month % 12 + 1, 1)
