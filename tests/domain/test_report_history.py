"""METRICS §2.1, §2.2, §2.4 from a hand-built history: the week's flow, cohort conversion, time in stage."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from bot.domain.funnel import build_funnel, cohort_conversions, time_in_stage
from bot.domain.history import walk_histories
from bot.domain.money import Fx
from bot.domain.open_book import OpenBook
from bot.domain.team_facts import Move
from bot.domain.team_rules import REMOVED_STAGE
from tests.domain.managers_kit import NOW, RULES, TODAY, days_ago, lead, window

FX = Fx("USD", {"EUR": Decimal("1.1")})
P, Q, C, PR, CL = "prospecting", "qualification", "connecting", "proposal", "closing"


def history(*steps: tuple[int, str | None, str, float]) -> list[Move]:
    """Moves as (lead, from, to, days ago), grouped by lead and oldest first, as the read returns them."""
    moves = [Move(lead_id, source, target, days_ago(ago)) for lead_id, source, target, ago in steps]
    return sorted(moves, key=lambda move: (move.lead_id, move.at))


# A: prospecting 60 days ago, then qualification, connecting, and won straight from connecting.
# B: lost from prospecting.  C: created in qualification.  D: an old lead that went back and forth.
# E: new this week.  F: created in qualification, sent back to prospecting.  G: lost from proposal.
MOVES = history(
    (1, None, P, 60), (1, P, Q, 50), (1, Q, C, 40), (1, C, "won", 20),
    (2, None, P, 30), (2, P, "lost", 10),
    (3, None, Q, 20),
    (4, None, P, 100), (4, P, Q, 80), (4, Q, P, 70), (4, P, Q, 5),
    (5, None, P, 3),
    (6, None, Q, 12), (6, Q, P, 2),
    (7, None, PR, 15), (7, PR, "lost", 1),
)  # fmt: skip
OPEN = (
    lead(id=3, stage=Q, value=Decimal(10_000), created_at=days_ago(20)),
    lead(id=4, stage=Q, value=Decimal(20_000), currency="EUR", created_at=days_ago(100),
         stage_changed_at=days_ago(5)),
    lead(id=5, stage=P, value=None, created_at=days_ago(3)),
    lead(id=6, stage=P, value=Decimal(5_000_000), currency="KRW", created_at=days_ago(12),
         stage_changed_at=days_ago(2)),
)  # fmt: skip


def walk():
    created = {item.id: item.created_at for item in OPEN}
    return walk_histories(MOVES, rules=RULES, window=window(), created=created)


def book():
    return OpenBook(OPEN, rules=RULES, fx=FX, now=NOW, todays={}, team_today=TODAY)


def test_cohort_conversion_counts_advanced_dropped_and_pending_per_stage() -> None:
    rules = replace(RULES, min_sample=2)
    found = {c.stage: c for c in cohort_conversions(walk(), rules=rules)}
    # Prospecting: A advanced, B dropped, E pending; D first reached it 100 days ago (outside
    # the 90-day cohort); C and F were created later in the funnel and never join it.
    assert (found[P].advanced, found[P].dropped, found[P].pending) == (1, 1, 1)
    assert found[P].rate.value == Decimal("0.5") and found[P].rate.label == "50%"
    # Qualification: A advanced; C, D (first reached 80 days ago; reaching it again 5 days ago
    # changes nothing) and F (moved back) are pending.
    assert (found[Q].advanced, found[Q].dropped, found[Q].pending) == (1, 0, 3)
    # A skipped proposal and closing on its way to won: it passed them all.
    assert (found[C].advanced, found[PR].advanced, found[CL].advanced) == (1, 1, 1)
    assert (found[PR].dropped, found[CL].next_stage) == (1, "won")  # G was lost from proposal


def test_rates_under_the_minimum_sample_read_n_a_with_the_counts() -> None:
    found = {c.stage: c for c in cohort_conversions(walk(), rules=RULES)}
    assert found[P].rate.value is None and found[P].rate.label == "n/a (1 of 2)"


def test_the_weeks_flow_counts_entries_advances_drops_and_moves_back() -> None:
    rows = {row.key: row for row in build_funnel(book(), walk(), rules=RULES)}
    # In the week: D prospecting→qualification, E created, F qualification→prospecting, G lost.
    assert (rows[P].entered, rows[P].advanced, rows[P].dropped, rows[P].moved_back) == (2, 1, 0, 0)
    assert (rows[Q].entered, rows[Q].moved_back) == (1, 1)
    assert rows[PR].dropped == 1
    assert REMOVED_STAGE not in rows


def test_the_funnel_now_never_adds_currencies_and_says_what_is_missing() -> None:
    rows = {row.key: row for row in build_funnel(book(), walk(), rules=RULES)}
    # Qualification: $10,000 + €20,000 at 1.1 = $32,000; weighted at 20% = $6,400.
    assert (rows[Q].count, rows[Q].value.total, rows[Q].weighted.total) == (2, 32_000, 6400)
    # Prospecting: one lead without a value, one in won without a rate.
    assert rows[P].value.total == 0 and rows[P].value.missing_note == "value missing on 1 of 2"
    assert rows[P].value.not_converted_lines() == ("+ ₩5m not converted",)


def test_time_in_stage_sums_a_leads_visits_and_flags_a_stage_past_its_stuck_clock() -> None:
    stay = {row.stage: row for row in time_in_stage(book(), walk(), rules=RULES)}
    # Prospecting, completed: A 10 days, B 20, D 20 + 65 = 85 (it left for good 5 days ago);
    # E and F are still there (3 and 2 days: median 2.5).
    assert (stay[P].completed.value, stay[P].completed.n) == (Decimal("20.0"), 3)
    assert (stay[P].current.value, stay[P].current.n) == (Decimal("2.5"), 2)
    # Qualification, completed: A 10, F 10 (D is back in it, so its visit is not complete).
    assert (stay[Q].completed.value, stay[Q].completed.n) == (Decimal("10.0"), 2)
    assert stay[Q].current.value == Decimal("12.5")  # C 20 days, D 5 days
    assert stay[PR].completed.value == Decimal("14.0") and stay[CL].completed.n == 0
    assert not any(row.flagged for row in stay.values())
    old = OpenBook((lead(stage=Q, stage_changed_at=days_ago(30)),), rules=RULES, fx=FX, now=NOW,
                   todays={}, team_today=TODAY)  # fmt: skip
    flagged = {row.stage: row for row in time_in_stage(old, walk(), rules=RULES)}
    assert flagged[Q].flagged and flagged[Q].current.value == Decimal("30.0")


def test_a_stage_no_longer_configured_gets_its_own_row_outside_the_chain() -> None:
    moves = history((8, None, "demo-booked", 2))
    open_leads = (lead(id=8, stage="demo-booked", created_at=days_ago(2)),)
    walked = walk_histories(moves, rules=RULES, window=window(), created={8: days_ago(2)})
    removed = OpenBook(open_leads, rules=RULES, fx=FX, now=NOW, todays={}, team_today=TODAY)
    rows = {row.key: row for row in build_funnel(removed, walked, rules=RULES)}
    assert (rows[REMOVED_STAGE].count, rows[REMOVED_STAGE].entered) == (1, 1)
    assert rows[P].entered == 0
    assert all(
        c.advanced + c.dropped + c.pending == 0 for c in cohort_conversions(walked, rules=RULES)
    )
