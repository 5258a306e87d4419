from datetime import date

import pytest

from bot.domain.parsing import ParseError, parse_when
from tests.domain.samples import FRIDAY


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("today", FRIDAY),
        ("Tomorrow", date(2026, 3, 7)),
        ("friday", date(2026, 3, 13)),
        ("fri", date(2026, 3, 13)),
        ("sat", date(2026, 3, 7)),
        ("mon", date(2026, 3, 9)),
        ("Thursday", date(2026, 3, 12)),
        ("tues", date(2026, 3, 10)),
        ("3d", date(2026, 3, 9)),
        ("0d", FRIDAY),
        ("2w", date(2026, 3, 20)),
        ("3 days", date(2026, 3, 9)),
        ("2026-12-01", date(2026, 12, 1)),
        ("2026-3-6", FRIDAY),
    ],
)
def test_dates(text: str, expected: date) -> None:
    assert parse_when(text, today=FRIDAY) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("2020-01-01", "in the past"),
        ("2026-02-30", "not a real date"),
        ("12/01", "YYYY-MM-DD"),
        ("01.12.2026", "YYYY-MM-DD"),
        ("1m", "weeks"),
        ("99999w", "ten years"),
        ("2040-01-01", "ten years"),
        ("someday", "Can't read the date"),
        ("", "Say when"),
    ],
)
def test_date_errors(text: str, says: str) -> None:
    with pytest.raises(ParseError, match=says):
        parse_when(text, today=FRIDAY)


def test_far_future_today_does_not_overflow() -> None:
    with pytest.raises(ParseError):
        parse_when("2w", today=date(9999, 12, 30))
