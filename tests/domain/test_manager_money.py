"""Money across currencies: converted with a rate, kept apart without one, never added across."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.domain.money import Fx, MoneySum, choose_currency, format_money, short_money, sum_money

USD_EUR = Fx("USD", {"EUR": Decimal("1.08")})


def test_the_reporting_currency_is_configured_or_the_most_common_among_open_leads() -> None:
    assert choose_currency("EUR", {"USD": 10}) == "EUR"
    assert choose_currency(None, {"USD": 3, "KRW": 5, "EUR": 5}) == "EUR"  # a tie goes by code
    assert choose_currency(None, {}) == "USD"


def test_values_with_a_rate_are_converted_and_others_kept_apart() -> None:
    money = sum_money(
        [(Decimal(100), "USD"), (Decimal(50), "EUR"), (Decimal(50_000_000), "KRW"), (None, "USD")],
        USD_EUR,
    )
    # 100 + 50 × 1.08 = 154; the won has no rate and stays on its own line.
    assert money.total == Decimal("154.00")
    assert money.unconverted == (("KRW", Decimal(50_000_000)),)
    assert money.not_converted_lines() == ("+ ₩50m not converted",)
    assert (money.count, money.missing, money.unconvertible, money.converted) == (4, 1, 1, 2)
    assert money.missing_note == "value missing on 1 of 4"


@pytest.mark.parametrize(
    ("converted", "of", "reliable"),
    [(7, 10, True), (6, 10, False), (0, 0, True)],
)
def test_value_alerts_need_seventy_percent_convertible(converted, of, reliable) -> None:
    money = MoneySum("USD", Decimal(0), (), of, of - converted, 0)
    assert money.reliable is reliable


@pytest.mark.parametrize(
    ("value", "currency", "short", "full"),
    [
        (Decimal(12500), "USD", "$12.5k", "$12,500"),
        (Decimal("5000.5"), "EUR", "€5k", "€5,000.50"),
        (Decimal(50_000_000), "KRW", "₩50m", "₩50,000,000"),
        (Decimal(900), "CHF", "900 CHF", "900 CHF"),
        (Decimal(2_400_000_000), "USD", "$2.4bn", "$2,400,000,000"),
    ],
)
def test_amounts_read_as_people_write_them(value, currency, short, full) -> None:
    assert short_money(value, currency) == short
    assert format_money(value, currency) == full
