"""When a condition is posted: on opening, on worsening by 10%, weekly while open, once more on clearing."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from bot.domain.conditions import (
    Condition,
    ConditionKind,
    ConditionState,
    PostReason,
    open_keys,
    plan_posts,
)

MON = date(2026, 12, 7)


def held(value: str, kind: ConditionKind = ConditionKind.WIP, scope: str = "UDANA0001:proposal"):
    return Condition(kind, scope, Decimal(value), detail=None)


def state(value: str, *, opened: date, posted: date, cleared: date | None = None):
    return ConditionState("wip", "UDANA0001:proposal", opened, posted, Decimal(value), cleared)


def reasons(plan) -> list[PostReason]:
    return [post.reason for post in plan.posts]


def test_a_new_condition_is_posted_and_stored_as_opened_today() -> None:
    plan = plan_posts({}, [held("9")], today=MON)
    assert reasons(plan) == [PostReason.OPENED]
    assert plan.states == (ConditionState("wip", "UDANA0001:proposal", MON, MON, Decimal(9)),)


def test_running_twice_on_one_day_posts_nothing_the_second_time() -> None:
    first = plan_posts({}, [held("9")], today=MON)
    stored = {s.key: s for s in first.states}
    again = plan_posts(stored, [held("12")], today=MON)
    assert again.posts == () and again.states == ()


def test_worsening_by_ten_percent_or_more_is_posted_again() -> None:
    stored = {("wip", "UDANA0001:proposal"): state("10", opened=MON, posted=MON)}
    tuesday = MON + timedelta(days=1)
    # 10 -> 10.9 is +9%: quiet; 10 -> 11 is +10%: worsened.
    assert plan_posts(stored, [held("10.9")], today=tuesday).posts == ()
    plan = plan_posts(stored, [held("11")], today=tuesday)
    assert reasons(plan) == [PostReason.WORSENED]
    assert plan.states[0].last_value == Decimal(11) and plan.states[0].opened_on == MON


def test_slow_creep_is_measured_against_the_last_posted_value() -> None:
    stored = {("wip", "UDANA0001:proposal"): state("10", opened=MON, posted=MON)}
    # Quiet days keep the stored value at 10, so 10.5 then 11 still reaches +10% on day three.
    quiet = plan_posts(stored, [held("10.5")], today=MON + timedelta(days=1))
    assert quiet.posts == () and quiet.states == ()
    assert reasons(plan_posts(stored, [held("11")], today=MON + timedelta(days=2))) == [
        PostReason.WORSENED
    ]


def test_an_open_condition_is_repeated_a_week_after_its_last_post() -> None:
    stored = {("wip", "UDANA0001:proposal"): state("10", opened=MON, posted=MON)}
    assert plan_posts(stored, [held("9")], today=MON + timedelta(days=6)).posts == ()
    plan = plan_posts(stored, [held("9")], today=MON + timedelta(days=7))
    assert reasons(plan) == [PostReason.STILL_OPEN]
    assert plan.states[0].last_posted_on == MON + timedelta(days=7)


def test_a_condition_that_no_longer_holds_is_posted_once_as_cleared() -> None:
    stored = {("wip", "UDANA0001:proposal"): state("10", opened=MON, posted=MON)}
    tuesday = MON + timedelta(days=1)
    plan = plan_posts(stored, [], today=tuesday)
    assert reasons(plan) == [PostReason.CLEARED] and plan.posts[0].condition is None
    assert plan.states[0].cleared_on == tuesday
    cleared = {s.key: s for s in plan.states}
    assert plan_posts(cleared, [], today=tuesday + timedelta(days=1)).posts == ()
    assert open_keys(cleared.values()) == frozenset()


def test_a_cleared_condition_that_returns_opens_afresh() -> None:
    stored = {
        ("wip", "UDANA0001:proposal"): state(
            "10", opened=MON, posted=MON + timedelta(days=2), cleared=MON + timedelta(days=2)
        )
    }
    later = MON + timedelta(days=5)
    plan = plan_posts(stored, [held("9")], today=later)
    assert reasons(plan) == [PostReason.OPENED]
    assert (plan.states[0].opened_on, plan.states[0].cleared_on) == (later, None)


def test_posts_come_in_kind_order_then_empty_reps_first() -> None:
    conditions = [
        Condition(ConditionKind.THIN, "UB", Decimal(1), None, rank=1),
        Condition(ConditionKind.THIN, "UC", Decimal(1), None, rank=0),
        Condition(ConditionKind.ORPHANED, "UZ", Decimal(2), None),
        Condition(ConditionKind.WIP, "UA:proposal", Decimal(9), None),
    ]
    plan = plan_posts({}, conditions, today=MON)
    assert [(p.kind, p.scope) for p in plan.posts] == [
        ("orphaned", "UZ"), ("wip", "UA:proposal"), ("thin", "UC"), ("thin", "UB"),
    ]  # fmt: skip
