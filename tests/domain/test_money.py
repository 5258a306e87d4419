from decimal import Decimal

import pytest

from bot.domain.parsing import Money, ParseError, parse_value


@pytest.mark.parametrize(
    ("token", "amount", "currency"),
    [
        ("$12,500", "12500.00", "USD"),
        ("$12.5k", "12500.00", "USD"),
        ("€5,000", "5000.00", "EUR"),
        ("£3m", "3000000.00", "GBP"),
        ("¥1,000,000", "1000000.00", "JPY"),
        ("5000 EUR", "5000.00", "EUR"),
        ("EUR 5000", "5000.00", "EUR"),
        ("12500usd", "12500.00", "USD"),
        ("chf7.5K", "7500.00", "CHF"),
        ("5000€", "5000.00", "EUR"),
        ("$ 99.99", "99.99", "USD"),
        ("$0.5k", "500.00", "USD"),
        ("$1.2345k", "1234.50", "USD"),
        ("C$40k", "40000.00", "CAD"),
        ("$5k CAD", "5000.00", "CAD"),
        ("€5k EUR", "5000.00", "EUR"),
        ("$0", "0.00", "USD"),
        ("$1000000000000", "1000000000000.00", "USD"),
    ],
)
def test_values(token: str, amount: str, currency: str) -> None:
    assert parse_value(token) == Money(amount=Decimal(amount), currency=currency)


@pytest.mark.parametrize(
    "token", ["3M", "54", "12.5kk", "Nok", "EUR", "A$AP", "Ke$ha", "$abc", "", "acme"]
)
def test_not_values(token: str) -> None:
    assert parse_value(token) is None


@pytest.mark.parametrize(
    ("token", "says"),
    [
        ("$", "needs an amount"),
        ("$12,50,0", "Can't read the value"),
        ("$12.5kk", "Can't read the value"),
        ("-$5", "negative"),
        ("$-5", "negative"),
        ("-5 EUR", "negative"),
        ("$1000000000001", "trillion"),
        ("$2m" + "0" * 5000, "Can't read the value"),
        ("$" + "9" * 5000, "trillion"),
        ("$12.505", "two decimals"),
        ("€5k USD", "two currencies"),
    ],
)
def test_value_errors(token: str, says: str) -> None:
    with pytest.raises(ParseError, match=says):
        parse_value(token)
