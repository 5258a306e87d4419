"""METRICS §1 on hand-built pipelines: each condition, its thresholds, and who is left out of per-rep alerts."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from bot.domain.conditions import ConditionKind
from bot.domain.congestion import evaluate_conditions
from bot.domain.money import Fx
from bot.domain.rep_health import ThinReason
from bot.domain.team_facts import CongestionFacts, SinkCount, Standing, UnqualifiedLead, WonAmount
from tests.domain.managers_kit import (
    DANA,
    GONE,
    KENJI,
    NOW,
    PRIYA,
    RULES,
    TODAY,
    USD,
    days_ago,
    lead,
    leads,
    rep,
    window,
)

TEAM = (rep(DANA), rep(KENJI), rep(PRIYA))


def evaluate(open_leads, *, reps=TEAM, fx=USD, open_keys=(), **facts):
    found = evaluate_conditions(
        CongestionFacts(window(), tuple(reps), tuple(open_leads), **facts),
        rules=RULES, fx=fx, open_keys=open_keys,
    )  # fmt: skip
    return found


def of_kind(found, kind: ConditionKind) -> dict[str, object]:
    return {c.scope: c for c in found.conditions if c.kind is kind}


# --- 1. WIP over limit -------------------------------------------------------------------------


def test_a_rep_over_a_stage_wip_limit_with_value_and_three_oldest() -> None:
    # Proposal's limit is 8; Dana holds 9, moved in 1..9 days ago; 8 is fine for Kenji.
    dana = [lead(stage="proposal", stage_changed_at=days_ago(d)) for d in range(1, 10)]
    kenji = leads(8, stage="proposal", owner_id=KENJI)
    wip = of_kind(evaluate(dana + kenji), ConditionKind.WIP)
    assert list(wip) == [f"{DANA}:proposal"]
    detail = wip[f"{DANA}:proposal"].detail
    assert (detail.count, detail.limit, detail.value.total) == (9, 8, Decimal(9000))
    assert [ref.days for ref in detail.oldest] == [9, 8, 7]


def test_ramping_and_away_reps_are_left_out_of_per_rep_alerts_and_shown_as_such() -> None:
    reps = (
        rep(DANA, first_owned_at=days_ago(5)),  # first lead 5 days ago: ramping
        rep(KENJI, away_until=TODAY + timedelta(days=3)),
        rep(PRIYA, away_until=TODAY),  # back today
    )
    pipeline = [
        lead(stage="proposal", owner_id=who) for who in (DANA, KENJI, PRIYA) for _ in range(9)
    ]
    found = evaluate(pipeline, reps=reps)
    assert list(of_kind(found, ConditionKind.WIP)) == [f"{PRIYA}:proposal"]
    assert found.excluded == ((DANA, Standing.RAMPING), (KENJI, Standing.AWAY))


# --- 2. Stage congestion and bulges ------------------------------------------------------------


def pipeline_of(**counts: int) -> list:
    return [lead(stage=stage) for stage, count in counts.items() for _ in range(count)]


def test_a_stage_after_the_first_over_the_share_congests_and_the_first_never_does() -> None:
    # 21 open: prospecting 12/21 = 57% is healthy; connecting 9/21 = 42.9% > 40%.
    found = of_kind(evaluate(pipeline_of(prospecting=12, connecting=9)), ConditionKind.CONGESTION)
    assert list(found) == ["connecting"]
    load = found["connecting"].detail
    assert (load.count, load.total_count, load.top_reps) == (9, 21, ((DANA, 9),))
    assert found["connecting"].value == Decimal(9) / 21


def test_exactly_the_share_does_not_congest_and_small_pipelines_never_do() -> None:
    # 8 of 20 is exactly 40%: not above it.
    assert not of_kind(
        evaluate(pipeline_of(prospecting=12, connecting=8)), ConditionKind.CONGESTION
    )
    # 5 of 9 is 56%, but fewer than 10 open leads in all.
    assert not of_kind(evaluate(pipeline_of(prospecting=4, connecting=5)), ConditionKind.CONGESTION)
    # 4 of 10 in qualification is 40%... and 4 of 10 would be too few in the stage anyway.
    assert not of_kind(
        evaluate(pipeline_of(prospecting=6, qualification=4)), ConditionKind.CONGESTION
    )


def test_congestion_by_value_share_when_values_convert() -> None:
    # 20 leads: 15 small prospecting ($1,000), 5 connecting at $10,000: count share 25%,
    # value share 50,000 / 65,000 = 76.9%.
    pipeline = pipeline_of(prospecting=15) + leads(5, stage="connecting", value=Decimal(10_000))
    found = of_kind(evaluate(pipeline), ConditionKind.CONGESTION)
    assert found["connecting"].detail.value_share == Decimal(50_000) / Decimal(65_000)


def test_an_open_congestion_clears_only_below_the_share_minus_five_points() -> None:
    key = [("congestion", "connecting")]
    # 36 of 100 is above 35%: still open; 34 of 100 clears.
    still = pipeline_of(prospecting=64, connecting=36)
    gone = pipeline_of(prospecting=66, connecting=34)
    assert "connecting" in of_kind(evaluate(still, open_keys=key), ConditionKind.CONGESTION)
    assert not of_kind(evaluate(still), ConditionKind.CONGESTION)  # 36% never opens one
    assert not of_kind(evaluate(gone, open_keys=key), ConditionKind.CONGESTION)


def test_a_bulge_is_a_stage_after_the_second_holding_more_than_the_one_before() -> None:
    # connecting 6 > qualification 5, proposal 5 < 6, closing 7 > 5 (and >= 5).
    pipeline = pipeline_of(prospecting=30, qualification=5, connecting=6, proposal=5, closing=7)
    bulges = of_kind(evaluate(pipeline), ConditionKind.BULGE)
    assert sorted(bulges) == ["closing", "connecting"]
    assert bulges["closing"].detail.previous_count == 5


def test_the_median_age_in_stage_is_shown_against_the_stuck_clock() -> None:
    # Connecting (stuck after 21 days): moved 2, 4, 6, 8, 30, 40 days ago; median (6+8)/2 = 7.0.
    ages = [2, 4, 6, 8, 30, 40]
    pipeline = pipeline_of(prospecting=6) + [
        lead(stage="connecting", stage_changed_at=days_ago(d)) for d in ages
    ]
    load = of_kind(evaluate(pipeline), ConditionKind.CONGESTION)["connecting"].detail
    assert (load.age.value, load.age.n, load.stuck_days) == (Decimal("7.0"), 6, 21)


# --- 3. Value at risk --------------------------------------------------------------------------


def test_at_risk_is_stale_or_stuck_never_both_added() -> None:
    # Qualification: stale after 7 days without a touch, stuck after 21 days in the stage.
    fresh = leads(5, stage="qualification")
    stale = leads(3, stage="qualification", last_touch_at=days_ago(10))
    stuck = [lead(stage="qualification", stage_changed_at=days_ago(25), last_touch_at=days_ago(1))]
    both = [lead(stage="qualification", created_at=days_ago(30), last_touch_at=days_ago(10))]
    found = evaluate(fresh + stale + stuck + both)
    team = of_kind(found, ConditionKind.VALUE_AT_RISK)["team"].detail
    # Stale $4,000 (3 + 1), stuck $2,000 (1 + 1), at risk $5,000 of $10,000 — not $6,000.
    assert (team.stale.total, team.stuck.total, team.at_risk.total) == (4000, 2000, 5000)
    assert team.share == Decimal("0.5") and team.open.total == 10_000
    assert len(team.largest) == 5
    # The stage holds 50% at risk and that is 50% of all open value: it is flagged too.
    assert "qualification" in of_kind(found, ConditionKind.VALUE_AT_RISK)


def test_a_future_follow_up_is_scheduled_not_stale_but_can_still_be_stuck() -> None:
    tomorrow = TODAY + timedelta(days=1)
    pipeline = leads(3, stage="qualification", last_touch_at=days_ago(10), next_follow_up=tomorrow)
    assert not of_kind(evaluate(pipeline), ConditionKind.VALUE_AT_RISK)
    stuck = [lead(stage="qualification", stage_changed_at=days_ago(25), next_follow_up=tomorrow)]
    assert of_kind(evaluate(stuck), ConditionKind.VALUE_AT_RISK)["team"].detail.stuck.count == 1


def test_stale_uses_the_owners_local_date() -> None:
    # At 14:00 UTC on Monday it is already Tuesday 8 December in Auckland: a follow-up on the 8th
    # is due today there (not scheduled), and tomorrow in New York (scheduled).
    reps = (rep(DANA), rep(KENJI, tz="Pacific/Auckland"))
    due = date(2026, 12, 8)
    pipeline = [
        lead(owner_id=owner, stage="qualification", last_touch_at=days_ago(10), next_follow_up=due)
        for owner in (DANA, KENJI)
    ]
    team = of_kind(evaluate(pipeline, reps=reps), ConditionKind.VALUE_AT_RISK)["team"].detail
    assert [ref.owner_id for ref in team.largest] == [KENJI]


def test_snoozed_leads_are_parked_apart_from_value_at_risk() -> None:
    untouched = days_ago(40)
    parked = [
        lead(
            stage="qualification", last_touch_at=untouched, snoozed_until=TODAY + timedelta(days=1)
        ),
        lead(
            stage="qualification", last_touch_at=untouched, snoozed_until=TODAY + timedelta(days=45)
        ),
    ]
    woke = [lead(stage="qualification", last_touch_at=untouched, snoozed_until=TODAY)]  # back today
    found = evaluate(parked + woke + leads(1, stage="qualification"))
    assert (found.parked.count, found.parked.value.total, found.parked.over_30_days) == (2, 2000, 1)
    team = of_kind(found, ConditionKind.VALUE_AT_RISK)["team"].detail
    # Open value counts parked leads ($4,000); at risk only the one back from its snooze.
    assert (team.at_risk.count, team.open.total, team.share) == (1, 4000, Decimal("0.25"))


def test_value_at_risk_opens_at_a_quarter_and_clears_below_a_fifth() -> None:
    def pipeline(risky: int) -> list:
        return leads(risky, stage="qualification", last_touch_at=days_ago(10)) + leads(
            100 - risky, stage="qualification"
        )

    key = [("value-at-risk", "team")]
    assert "team" not in of_kind(evaluate(pipeline(24)), ConditionKind.VALUE_AT_RISK)
    assert "team" in of_kind(evaluate(pipeline(25)), ConditionKind.VALUE_AT_RISK)
    assert "team" in of_kind(evaluate(pipeline(20), open_keys=key), ConditionKind.VALUE_AT_RISK)
    assert "team" not in of_kind(evaluate(pipeline(19), open_keys=key), ConditionKind.VALUE_AT_RISK)


def test_a_stage_is_flagged_at_half_its_value_when_that_is_a_tenth_of_all() -> None:
    # Proposal: 2 of 3 leads stale (stale after 5 days) = 66% of the stage, $2,000 of $30,000
    # open = 6.7% < 10%: not flagged. With $10,000 leads it is 20,000 / 48,000 = 41.7%.
    calm = leads(27, stage="prospecting")
    small = leads(2, stage="proposal", last_touch_at=days_ago(6)) + leads(1, stage="proposal")
    assert "proposal" not in of_kind(evaluate(calm + small), ConditionKind.VALUE_AT_RISK)
    big = leads(2, stage="proposal", last_touch_at=days_ago(6), value=Decimal(10_000)) + leads(
        1, stage="proposal", value=Decimal(1000)
    )
    flagged = of_kind(evaluate(calm + big), ConditionKind.VALUE_AT_RISK)
    assert flagged["proposal"].value == Decimal(20_000) / Decimal(21_000)


def test_value_alerts_say_values_are_missing_below_seventy_percent_convertible() -> None:
    # 10 leads: 4 without a value and 1 in won (no rate) -> 5 of 10 convertible.
    pipeline = (
        leads(5, stage="qualification", last_touch_at=days_ago(10))
        + leads(4, stage="qualification", value=None)
        + [lead(stage="qualification", value=Decimal(5_000_000), currency="KRW")]
    )
    found = evaluate(pipeline)
    assert not of_kind(found, ConditionKind.VALUE_AT_RISK)
    missing = of_kind(found, ConditionKind.VALUES_MISSING)["team"].detail
    assert (missing.values.missing, missing.values.unconvertible, missing.values.count) == (
        4,
        1,
        10,
    )
    assert missing.values.missing_note == "value missing on 4 of 10"
    assert missing.values.not_converted_lines() == ("+ ₩5m not converted",)


def test_a_rate_brings_a_currency_into_the_totals() -> None:
    # 8 stale USD leads ($8,000) and 2 fresh EUR leads (€1,000 each at 1.08 = $2,160).
    pipeline = leads(8, stage="qualification", last_touch_at=days_ago(10)) + leads(
        2, stage="qualification", currency="EUR"
    )
    team = of_kind(evaluate(pipeline, fx=Fx("USD", {"EUR": Decimal("1.08")})),
                   ConditionKind.VALUE_AT_RISK)["team"].detail  # fmt: skip
    assert team.open.total == Decimal("10160.00") and team.open.unconverted == ()


# --- 4. Thin pipeline --------------------------------------------------------------------------


def test_thin_pipelines_empty_first_then_few_early_leads_without_new_ones() -> None:
    # Priya has nothing; Dana 2 early leads and none new in 14 days; Kenji 2 early but one new.
    pipeline = leads(2) + leads(2, owner_id=KENJI) + leads(5, stage="proposal", owner_id=KENJI)
    found = evaluate(pipeline, new_leads_14d={KENJI: 1})
    thin = of_kind(found, ConditionKind.THIN)
    assert sorted(thin) == [DANA, PRIYA]
    assert thin[PRIYA].detail.reasons == (ThinReason.EMPTY, ThinReason.FEW_EARLY)
    assert thin[PRIYA].rank == 0 and thin[DANA].rank == 1
    # (3 - 2) / 3 of the way to the minimum.
    assert thin[DANA].detail.reasons == (ThinReason.FEW_EARLY,)
    assert thin[DANA].value == Decimal(1) / 3


def test_coverage_compares_unweighted_value_with_three_times_what_is_left_of_the_quota() -> None:
    # Dana: quota $100,000, won $40,000 this quarter, $60,000 left; 3 × 60,000 = 180,000 needed.
    # Open: 3 proposal leads of $50,000 and 3 prospecting of $1,000 = $153,000 < $180,000;
    # weighted 50% × 150,000 + 10% × 3,000 = $75,300 >= $60,000, so not below what is left.
    reps = (rep(DANA, quota=Decimal(100_000)), rep(KENJI), rep(PRIYA))
    pipeline = leads(3, stage="proposal", value=Decimal(50_000)) + leads(3)
    won = (WonAmount(DANA, "USD", Decimal(40_000), 2),)
    thin = of_kind(evaluate(pipeline, reps=reps, won_this_period=won), ConditionKind.THIN)[DANA]
    assert thin.detail.reasons == (ThinReason.LOW_COVERAGE,)
    assert (thin.detail.remaining, thin.detail.weighted) == (Decimal(60_000), Decimal(75_300))
    assert thin.value == 1 - Decimal(153_000) / Decimal(180_000)


def test_weighted_value_below_what_is_left_is_thin_even_with_coverage() -> None:
    # $60,000 left; open $200,000 in prospecting (weighted 10%: $20,000 < $60,000).
    reps = (rep(DANA, quota=Decimal(60_000)), rep(KENJI), rep(PRIYA))
    pipeline = leads(4, value=Decimal(50_000))
    thin = of_kind(evaluate(pipeline, reps=reps), ConditionKind.THIN)[DANA]
    assert thin.detail.reasons == (ThinReason.LOW_WEIGHTED,)
    assert thin.value == 1 - Decimal(20_000) / Decimal(60_000)


def test_coverage_with_too_few_values_says_they_are_missing() -> None:
    # 2 of Dana's 4 open leads have no value: 50% convertible, under 70%.
    reps = (rep(DANA, quota=Decimal(60_000)), rep(KENJI), rep(PRIYA))
    pipeline = leads(2, value=Decimal(50_000)) + leads(2, value=None) + leads(3, owner_id=KENJI)
    thin = of_kind(evaluate(pipeline, reps=reps), ConditionKind.THIN)[DANA]
    assert thin.detail.reasons == (ThinReason.VALUES_MISSING,)
    assert thin.detail.open_value.missing_note == "value missing on 2 of 4"
    assert thin.value == Decimal("0.5")


def test_a_quota_already_met_is_never_thin_by_coverage() -> None:
    reps = (rep(DANA, quota=Decimal(10_000)), rep(KENJI), rep(PRIYA))
    won = (WonAmount(DANA, "USD", Decimal(12_000), 1),)
    thin = of_kind(evaluate(leads(3), reps=reps, won_this_period=won), ConditionKind.THIN)
    assert DANA not in thin


# --- 5. Time sunk into unqualified leads -------------------------------------------------------


def test_a_quarter_of_twenty_contact_touches_on_unqualified_leads_is_a_time_sink() -> None:
    sink = (
        SinkCount(DANA, "call", True, 9),
        SinkCount(DANA, "email", False, 21),
        SinkCount(KENJI, "call", True, 5),
        SinkCount(KENJI, "email", False, 5),
    )
    found = of_kind(evaluate(leads(3), sink_touches=sink), ConditionKind.TIME_SINK)
    # Dana 9 of 30 = 30%; Kenji 5 of 10 = 50% but under 20 touches; team 14 of 40 = 35%.
    assert sorted(found) == [DANA, "team"]
    dana = found[DANA].detail
    assert (dana.sink_touches, dana.contact_touches, dana.share) == (9, 30, Decimal("0.3"))
    # Nine calls at 15 minutes: 2.25 hours, shown as 2.3.
    assert dana.estimated_hours == Decimal("2.3")
    assert found["team"].detail.estimated_hours == Decimal("3.5")  # 14 calls × 15 min


def test_letting_go_only_after_the_whole_cadence_is_a_time_sink() -> None:
    # Kenji's unqualified leads had 2, 6 and 7 contact touches first: median 6 = the cadence.
    unqualified = tuple(
        UnqualifiedLead(n, KENJI, days_ago(days + 5), days_ago(5), touches)
        for n, (touches, days) in enumerate([(2, 4), (6, 10), (7, 12)], start=1)
    )
    found = of_kind(evaluate(leads(3), unqualified=unqualified), ConditionKind.TIME_SINK)
    kenji = found[KENJI].detail
    assert (kenji.touches_before_unqualified.value, kenji.days_before_unqualified.value) == (
        Decimal("6.0"), Decimal("10.0"),
    )  # fmt: skip
    assert found[KENJI].value == Decimal(6)


# --- 6. Orphaned pipeline ----------------------------------------------------------------------


def test_open_leads_of_someone_who_left_are_orphaned_per_former_owner() -> None:
    reps = (*TEAM, rep(GONE, is_active=False), rep("UBOSS0001", role="manager"))
    pipeline = (
        leads(2, owner_id=GONE, value=Decimal(3000))
        + leads(1, owner_id="UNKNOWN01")  # not on the roster at all
        + leads(2, owner_id="UBOSS0001")  # a manager's own leads are not orphaned
        + leads(3)
    )
    orphaned = of_kind(evaluate(pipeline, reps=reps), ConditionKind.ORPHANED)
    assert sorted(orphaned) == [GONE, "UNKNOWN01"]
    assert (orphaned[GONE].detail.count, orphaned[GONE].detail.value.total) == (2, Decimal(6000))
    assert orphaned[GONE].value == 2
    # Nobody left: the condition clears.
    assert not of_kind(evaluate(leads(3), reps=reps), ConditionKind.ORPHANED)


def test_a_new_team_with_nothing_open_hears_only_about_empty_pipelines() -> None:
    found = evaluate([])
    assert {c.kind for c in found.conditions} == {ConditionKind.THIN}
    assert all(ThinReason.EMPTY in c.detail.reasons for c in found.conditions)
    assert found.parked.count == 0 and NOW.tzinfo is not None
