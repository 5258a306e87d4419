"""`short_money` rounds in whole numbers exactly as Decimal arithmetic does, whatever the digits."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext

from hypothesis import given
from hypothesis import strategies as st

from bot.slack.format import money, short_money

_SIGNS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}


def _in_decimal(value: Decimal, currency: str) -> str:
    """How `short_money` said amounts before: scaled and rounded half up in Decimal."""
    with localcontext() as context:
        context.prec = 200
        for limit, suffix in ((Decimal(1_000_000), "m"), (Decimal(1_000), "k")):
            if abs(value) >= limit:
                scaled = (value / limit).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
                text = f"{scaled.normalize():f}{suffix}"
                sign = _SIGNS.get(currency)
                return f"{sign}{text}" if sign else f"{text} {currency}"
    return money(value, currency)


amounts = st.one_of(
    st.decimals(
        allow_nan=False, allow_infinity=False, places=2, min_value=-(10**12), max_value=10**12
    ),
    st.decimals(allow_nan=False, allow_infinity=False, min_value=-(10**30), max_value=10**30),
    # Exactly on and beside the halves: 1,050 and 999,950 round up, 1,049.99 does not.
    st.integers(-(10**7), 10**7).map(lambda n: Decimal(n) * 50),
    st.integers(-(10**9), 10**9).map(lambda n: Decimal(n).scaleb(-2)),
)


@given(value=amounts, currency=st.sampled_from(["USD", "EUR", "CHF", "JPY"]))
def test_short_money_says_what_decimal_arithmetic_says(value: Decimal, currency: str) -> None:
    assert short_money(value, currency) == _in_decimal(value, currency)


def test_the_boundaries_round_half_up_and_away_from_zero() -> None:
    assert short_money(Decimal("999950")) == "$1000k"
    assert short_money(Decimal("999949.99")) == "$999.9k"
    assert short_money(Decimal("1050")) == "$1.1k"
    assert short_money(Decimal("-1050")) == "$-1.1k"
    assert short_money(Decimal("1000000.00"), "CHF") == "1m CHF"
    assert short_money(Decimal("999.99")) == "$999.99"
    assert short_money(None) == "—"
