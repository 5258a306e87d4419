"""Alert conditions and when to post them: on opening, on worsening by 10%, weekly while open, on clearing. Pure.

A condition has a key `(kind, scope)` and a measure where bigger is worse. Yesterday's stored
states and today's evaluated conditions decide today's posts and the states to store; running
the decision twice on one day posts nothing the second time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

WORSENED_BY = Decimal("1.1")
REPEAT_AFTER = timedelta(days=7)

Key = tuple[str, str]


class ConditionKind(StrEnum):
    """The kinds of METRICS §1, in the order a post lists them."""

    ORPHANED = "orphaned"
    WIP = "wip"
    CONGESTION = "congestion"
    BULGE = "bulge"
    VALUE_AT_RISK = "value-at-risk"
    THIN = "thin"
    TIME_SINK = "time-sink"
    VALUES_MISSING = "values-missing"


_ORDER = {kind.value: index for index, kind in enumerate(ConditionKind)}


@dataclass(frozen=True)
class Condition:
    """A condition that holds today: its key, its measure (bigger is worse) and what a post shows."""

    kind: ConditionKind
    scope: str
    value: Decimal
    detail: object
    # Listed before other conditions of its kind when lower (a rep with no leads at all comes first).
    rank: int = 0

    @property
    def key(self) -> Key:
        return (self.kind.value, self.scope)


@dataclass(frozen=True)
class ConditionState:
    """What is stored per condition between days."""

    kind: str
    scope: str
    opened_on: date
    last_posted_on: date
    last_value: Decimal
    cleared_on: date | None = None

    @property
    def key(self) -> Key:
        return (self.kind, self.scope)

    @property
    def is_open(self) -> bool:
        return self.cleared_on is None


class PostReason(StrEnum):
    """Why a condition is in today's post."""

    OPENED = "opened"
    WORSENED = "worsened"
    STILL_OPEN = "still-open"
    CLEARED = "cleared"


@dataclass(frozen=True)
class ConditionPost:
    """One line of today's post: the condition today (None once cleared) and its state before today."""

    kind: str
    scope: str
    reason: PostReason
    condition: Condition | None
    previous: ConditionState | None

    @property
    def key(self) -> Key:
        return (self.kind, self.scope)


@dataclass(frozen=True)
class PostPlan:
    """Today's posts in display order (empty: no post) and every state that changed, to be stored."""

    posts: tuple[ConditionPost, ...]
    states: tuple[ConditionState, ...]


def open_keys(states: Iterable[ConditionState]) -> frozenset[Key]:
    """The keys of conditions open as of the stored states, for the clear thresholds (hysteresis)."""
    return frozenset(state.key for state in states if state.is_open)


def _worsened(value: Decimal, last: Decimal) -> bool:
    if last <= 0:
        return value > last
    return value >= last * WORSENED_BY


def plan_posts(
    states: Mapping[Key, ConditionState], conditions: Iterable[Condition], *, today: date
) -> PostPlan:
    """Decide today's posts from yesterday's states and today's conditions, and the states to store."""
    posts: list[ConditionPost] = []
    changed: list[ConditionState] = []
    holding: set[Key] = set()
    for condition in conditions:
        key = condition.key
        holding.add(key)
        previous = states.get(key)
        if previous is None or not previous.is_open:
            reason: PostReason | None = PostReason.OPENED
            state = ConditionState(*key, today, today, condition.value)
        elif previous.last_posted_on >= today:
            reason, state = None, previous
        elif _worsened(condition.value, previous.last_value):
            reason = PostReason.WORSENED
            state = replace(previous, last_posted_on=today, last_value=condition.value)
        elif today - previous.last_posted_on >= REPEAT_AFTER:
            reason = PostReason.STILL_OPEN
            state = replace(previous, last_posted_on=today, last_value=condition.value)
        else:
            reason, state = None, previous
        if reason is not None:
            posts.append(ConditionPost(*key, reason, condition, previous))
            changed.append(state)
    for key, previous in states.items():
        if previous.is_open and key not in holding and previous.last_posted_on <= today:
            posts.append(ConditionPost(*key, PostReason.CLEARED, None, previous))
            changed.append(replace(previous, last_posted_on=today, cleared_on=today))
    posts.sort(
        key=lambda post: (
            _ORDER.get(post.kind, len(_ORDER)),
            post.condition.rank if post.condition else 0,
            post.scope,
        )
    )
    return PostPlan(tuple(posts), tuple(changed))
