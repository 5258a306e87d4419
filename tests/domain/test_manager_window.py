"""The report's windows in the team zone: Monday-to-Monday weeks across DST, quota periods, rep standing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.domain.team_facts import ManagerWindow, Standing
from bot.domain.team_rules import period_bounds
from tests.domain.managers_kit import NY, RULES, days_ago, rep


def test_the_report_week_is_the_last_complete_monday_to_monday_in_the_team_zone() -> None:
    # Wednesday 9 December 2026, 15:00 in New York: the week is Mon 30 Nov – Mon 7 Dec.
    window = ManagerWindow.at(datetime(2026, 12, 9, 20, 0, tzinfo=UTC), zone=NY, rules=RULES)
    assert window.week_start == datetime(2026, 11, 30, 5, 0, tzinfo=UTC)
    assert window.week_end == datetime(2026, 12, 7, 5, 0, tzinfo=UTC)
    assert window.week_of(datetime(2026, 12, 7, 4, 59, tzinfo=UTC)) == 0  # Sunday 23:59
    assert window.week_of(datetime(2026, 12, 7, 5, 0, tzinfo=UTC)) is None  # this week
    assert window.week_of(datetime(2026, 11, 2, 5, 0, tzinfo=UTC)) == 4
    assert window.week_of(datetime(2026, 11, 2, 4, 59, tzinfo=UTC)) is None


def test_a_week_across_the_spring_change_is_an_hour_short_and_still_starts_at_midnight() -> None:
    # Clocks go forward on Sunday 8 March 2026 in New York.
    window = ManagerWindow.at(datetime(2026, 3, 9, 14, 0, tzinfo=UTC), zone=NY, rules=RULES)
    assert window.week_end == datetime(2026, 3, 9, 4, 0, tzinfo=UTC)  # 00:00 EDT
    assert window.week_start == datetime(2026, 3, 2, 5, 0, tzinfo=UTC)  # 00:00 EST
    assert window.week_end - window.week_start == timedelta(days=7) - timedelta(hours=1)


def test_on_monday_morning_the_report_week_ended_at_midnight() -> None:
    window = ManagerWindow.at(datetime(2026, 12, 7, 14, 0, tzinfo=UTC), zone=NY, rules=RULES)
    assert window.week_end.astimezone(NY).date() == date(2026, 12, 7)
    assert window.period == (date(2026, 10, 1), date(2027, 1, 1))
    assert window.period_start == datetime(2026, 10, 1, 4, 0, tzinfo=UTC)  # EDT then


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        ("month", (date(2026, 12, 1), date(2027, 1, 1))),
        ("quarter", (date(2026, 10, 1), date(2027, 1, 1))),
        ("year", (date(2026, 1, 1), date(2027, 1, 1))),
    ],
)
def test_quota_periods(period: str, expected: tuple[date, date]) -> None:
    assert period_bounds(date(2026, 12, 7), period) == expected
    assert period_bounds(date(2026, 2, 14), "quarter") == (date(2026, 1, 1), date(2026, 4, 1))


def test_standing_left_manager_away_ramping_active() -> None:
    now, today = days_ago(0), date(2026, 12, 7)
    assert rep("U1", is_active=False).standing(now=now, today=today) is Standing.LEFT
    assert rep("U1", on_roster=False).standing(now=now, today=today) is Standing.LEFT
    assert rep("U1", role="manager").standing(now=now, today=today) is Standing.MANAGER
    assert rep("U1", away_until=date(2026, 12, 8)).standing(now=now, today=today) is Standing.AWAY
    assert rep("U1", away_until=today).standing(now=now, today=today) is Standing.ACTIVE
    assert rep("U1", first_owned_at=days_ago(13)).standing(now=now, today=today) is Standing.RAMPING
    assert rep("U1", first_owned_at=days_ago(14)).standing(now=now, today=today) is Standing.ACTIVE
    # No lead yet: ramping for the first 14 days on the team, then not.
    fresh = rep("U1", first_owned_at=None, joined_at=days_ago(3))
    assert fresh.standing(now=now, today=today) is Standing.RAMPING
    settled = rep("U1", first_owned_at=None, joined_at=days_ago(30))
    assert settled.standing(now=now, today=today) is Standing.ACTIVE
