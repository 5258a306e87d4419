"""METRICS §2.3, §2.5, §2.6: win rates, the weighted forecast, and each rep's week. Pure."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from bot.domain.figures import Median, Rate, median_of
from bot.domain.leads import TOUCH_KINDS
from bot.domain.lost import UNQUALIFIED
from bot.domain.money import Fx, MoneySum, MoneyTally
from bot.domain.open_book import Cell, OpenBook, money_sum
from bot.domain.schedule import working_hours_between
from bot.domain.team_facts import (
    FALLBACK_RATE_DAYS,
    RATE_DAYS,
    Close,
    ManagerWindow,
    NewLead,
    ReportFacts,
    Standing,
    WonAmount,
)
from bot.domain.team_rules import TeamRules

TEAM = "team"
NOTE = "note"
_HOUR = timedelta(hours=1)
_ZERO = Decimal(0)


@dataclass(frozen=True)
class WinRates:
    """Leads closed in the trailing window: win rate (unqualified losses apart), close rate, value win rate."""

    days: int
    win: Rate
    close: Rate
    value_win: Decimal | None
    won: MoneySum
    lost: MoneySum
    unqualified: int
    archived: int

    @property
    def fallback(self) -> bool:
        """True when the 28-day sample was too small and this is the trailing-90-day figure."""
        return self.days != RATE_DAYS


@dataclass(frozen=True)
class Forecast:
    """Open value times probability, the late-stage part, and what is expected to close this period."""

    weighted: MoneySum
    late_weighted: MoneySum
    late_value: MoneySum
    expected_weighted: MoneySum
    expected_value: MoneySum
    with_expected_close: int
    past_expected_close: int
    period: tuple[date, date]
    won_this_period: MoneySum


@dataclass(frozen=True)
class SpeedToLead:
    """Inbound leads' wait for a first contact in team working hours: the median and the share in target."""

    leads: int
    hours: Median
    within: Rate
    waiting: int


@dataclass(frozen=True)
class RepActivity:
    """One person's report week (or the team's, as `TEAM`): touches are theirs, the pipeline is what they own."""

    rep_id: str
    standing: Standing | None
    touches: tuple[tuple[str, int], ...]
    contact_touches: int
    notes: int
    new_leads: int
    advances: int
    wins: int
    losses: int
    overdue_now: int
    snoozes: int
    speed: SpeedToLead


def _rates_over(
    closes: Iterable[Close], *, days: int, end: datetime, rules: TeamRules, fx: Fx
) -> WinRates:
    """Rates over the leads closed in the `days` before `end`."""
    start = end - timedelta(days=days)
    won, lost = MoneyTally(fx), MoneyTally(fx)
    unqualified = archived = 0
    for close in closes:
        if not start <= close.at < end:
            continue
        if close.outcome == "won":
            won.add(close.value, close.currency)
        elif close.outcome == "archived":
            archived += 1
        elif close.category == UNQUALIFIED:
            unqualified += 1
        else:
            lost.add(close.value, close.currency)
    won_sum, lost_sum = won.result(), lost.result()
    decided = won_sum.count + lost_sum.count
    win = Rate(won_sum.count, decided, rules.min_sample)
    close_rate = Rate(won_sum.count, decided + unqualified + archived, rules.min_sample)
    both = won_sum.total + lost_sum.total
    reliable = won_sum.reliable and lost_sum.reliable
    value_win = won_sum.total / both if win.enough and reliable and both else None
    return WinRates(days, win, close_rate, value_win, won_sum, lost_sum, unqualified, archived)


def win_rates(
    closes: tuple[Close, ...], *, end: datetime, rules: TeamRules, fx: Fx, fallback: bool = True
) -> WinRates:
    """The trailing-28-day rates before `end`; the trailing-90-day ones when 28 days fall short of the sample."""
    recent = _rates_over(closes, days=RATE_DAYS, end=end, rules=rules, fx=fx)
    if recent.win.enough or not fallback:
        return recent
    return _rates_over(closes, days=FALLBACK_RATE_DAYS, end=end, rules=rules, fx=fx)


def won_in_period(amounts: Iterable[WonAmount], fx: Fx) -> MoneySum:
    """What the team won this quota period, converted where a rate allows."""
    tally = MoneyTally(fx)
    for amount in amounts:
        tally.add_many(amount.value, amount.currency, amount.count)
    return tally.result()


def forecast(
    book: OpenBook, *, rules: TeamRules, window: ManagerWindow, won: Iterable[WonAmount] = ()
) -> Forecast:
    """Weighted open value (each currency without a rate apart), its late-stage part, and this period's expected closes."""
    late = [item for item in book.team_cells if item[0][0] in rules.late_keys]
    weighted_expected: dict[str, Cell] = {}
    value_expected: dict[str, Cell] = {}
    for (stage, currency), (count, valued, value) in book.expected.items():
        for target, amount in (
            (value_expected, value),
            (weighted_expected, value * book.probability(stage)),
        ):
            spot = target.setdefault(currency, [0, 0, _ZERO])
            spot[0] += count
            spot[1] += valued
            spot[2] += amount
    return Forecast(
        book.money(book.team_cells, weighted=True), book.money(late, weighted=True),
        book.money(late), money_sum(weighted_expected, book.fx), money_sum(value_expected, book.fx),
        book.with_expected_close, book.past_expected_close, window.period,
        won_in_period(won, book.fx),
    )  # fmt: skip


def speed_to_lead(
    leads: Iterable[NewLead], *, rules: TeamRules, zone: ZoneInfo, now: datetime
) -> SpeedToLead:
    """Inbound leads only: working hours on the team calendar until the first contact touch."""
    target = timedelta(seconds=int(rules.speed_to_lead_hours * 3600))
    answered: list[float] = []
    within = breached = waiting = count = 0
    for lead in leads:
        if not lead.inbound:
            continue
        count += 1
        end = lead.first_contact_at or now
        waited = working_hours_between(
            lead.created_at, end, zone=zone, working_days=rules.working_days,
            work_start=rules.work_start, work_end=rules.work_end,
        )  # fmt: skip
        if lead.first_contact_at is not None:
            answered.append(waited / _HOUR)
            within += waited <= target
            breached += waited > target
        elif waited > target:
            breached += 1
        else:
            waiting += 1
    return SpeedToLead(count, median_of(answered), Rate(within, within + breached, rules.min_sample), waiting)  # fmt: skip


def rep_activity(
    facts: ReportFacts,
    book: OpenBook,
    *,
    advances: Iterable[tuple[int, int]],
    rules: TeamRules,
    standings: Mapping[str, Standing],
) -> tuple[RepActivity, ...]:
    """The team's row, then every rep on the roster and anyone else active in the report week."""
    window = facts.window
    touches: dict[str, Counter[str]] = defaultdict(Counter)
    for row in facts.touches:
        if row.week == 0:
            touches[row.author_id][row.kind] += row.count
            touches[TEAM][row.kind] += row.count
    counts: dict[str, Counter[str]] = defaultdict(Counter)

    def credit(person: str, what: str, amount: int = 1) -> None:
        counts[person][what] += amount
        counts[TEAM][what] += amount

    advanced = [lead_id for lead_id, week in advances if week == 0]
    wanted = set(advanced)
    owner = {lead.id: lead.owner_id for lead in facts.open_leads if lead.id in wanted}
    owner.update(
        (close.lead_id, close.owner_id) for close in facts.closes if close.lead_id in wanted
    )
    for lead_id in advanced:
        if lead_id in owner:
            credit(owner[lead_id], "advances")
    for close in facts.closes:
        if window.week_of(close.at) == 0 and close.outcome != "archived":
            credit(close.owner_id, "wins" if close.outcome == "won" else "losses")
    new_in_week: dict[str, list[NewLead]] = defaultdict(list)
    for lead in facts.new_leads:
        if window.week_of(lead.created_at) == 0:
            credit(lead.owner_id, "new_leads")
            new_in_week[lead.owner_id].append(lead)
            new_in_week[TEAM].append(lead)
    for owner_id, overdue in book.overdue.items():
        credit(owner_id, "overdue_now", overdue)
    for row in facts.snoozes:
        if row.week == 0:
            credit(row.person_id, "snoozes", row.count)
    roster = [
        rep_id for rep_id, s in standings.items() if s not in (Standing.LEFT, Standing.MANAGER)
    ]
    people = sorted(set(roster) | (set(touches) | set(counts)) - {TEAM})
    rows = []
    for person in [TEAM, *people]:
        by_kind = touches.get(person, Counter())
        tally = counts.get(person, Counter())
        speed = speed_to_lead(
            new_in_week.get(person, []), rules=rules, zone=window.zone, now=window.now
        )
        rows.append(
            RepActivity(
                person, standings.get(person) if person != TEAM else None,
                tuple((kind, by_kind[kind]) for kind in TOUCH_KINDS if kind != NOTE and by_kind[kind]),
                sum(n for kind, n in by_kind.items() if kind != NOTE), by_kind[NOTE],
                tally["new_leads"], tally["advances"], tally["wins"], tally["losses"],
                tally["overdue_now"], tally["snoozes"], speed,
            )
        )  # fmt: skip
    return tuple(rows)
