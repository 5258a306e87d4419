"""Condition states survive between days: stored after the decision, read before the next one."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from bot.deps import Deps
from bot.domain.conditions import Condition, ConditionKind, PostReason, plan_posts
from bot.services.alert_states import (
    forget_cleared_conditions,
    load_condition_states,
    save_condition_states,
)

MON = date(2026, 12, 7)


def run_day(deps: Deps, today: date, conditions: list[Condition]):
    """What the daily job does around the pure decision: read states, decide, store."""
    with deps.session_factory.begin() as session:
        plan = plan_posts(load_condition_states(session), conditions, today=today)
        save_condition_states(session, states=plan.states)
    return [post.reason for post in plan.posts]


def test_a_condition_is_posted_on_opening_worsening_weekly_and_clearing(deps: Deps) -> None:
    wip = lambda value: Condition(ConditionKind.WIP, "UDANA0001:proposal", Decimal(value), None)  # noqa: E731
    share = Condition(ConditionKind.VALUE_AT_RISK, "team", Decimal("0.3125"), None)
    assert run_day(deps, MON, [wip("9"), share]) == [PostReason.OPENED, PostReason.OPENED]
    assert run_day(deps, MON, [wip("9"), share]) == []  # a rerun the same day
    assert run_day(deps, MON + timedelta(days=1), [wip("10"), share]) == [PostReason.WORSENED]
    assert run_day(deps, MON + timedelta(days=7), [wip("10"), share]) == [PostReason.STILL_OPEN]
    assert run_day(deps, MON + timedelta(days=8), [share]) == [PostReason.CLEARED]
    with deps.session_factory() as session:
        states = load_condition_states(session)
    assert states[("wip", "UDANA0001:proposal")].cleared_on == MON + timedelta(days=8)
    assert states[("value-at-risk", "team")].last_value == Decimal("0.3125")
    assert states[("value-at-risk", "team")].opened_on == MON


def test_old_cleared_states_can_be_forgotten(deps: Deps) -> None:
    cond = Condition(ConditionKind.ORPHANED, "UGONE0001", Decimal(2), None)
    run_day(deps, MON, [cond])
    run_day(deps, MON + timedelta(days=1), [])
    with deps.session_factory.begin() as session:
        assert forget_cleared_conditions(session, cleared_before=MON) == 0
        assert forget_cleared_conditions(session, cleared_before=MON + timedelta(days=30)) == 1
        assert load_condition_states(session) == {}
