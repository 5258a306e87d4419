"""Column reads for big result sets that skip SQLAlchemy's per-row and per-value processing.

Reading 200,000 leads through `UTCDateTime` and `Numeric` costs more than the query itself on
SQLite. Here an instant is selected as ISO text with its UTC offset (SQLite) or as the
driver's aware datetime (PostgreSQL, in the UTC `make_engine` sets), a date as ISO text or a
date, and money as the stored number, and each is turned into the same Python value the models
give, only faster.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Date,
    DateTime,
    Executable,
    Numeric,
    String,
    any_,
    func,
    literal,
    select,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.types import NullType

_UTC_SUFFIX = "+00:00"


class FastColumns:
    """Select expressions and matching converters for one session's database."""

    def __init__(self, session: Session) -> None:
        self.sqlite = session.get_bind().dialect.name == "sqlite"
        self._money: dict[Any, Decimal] = {}

    def instant(self, column: Any) -> ColumnElement[Any]:
        """A UTC timestamp column, read so `to_instant` gives an aware datetime."""
        if self.sqlite:
            return type_coerce(column, String())
        return type_coerce(column, DateTime(timezone=True))

    def day(self, column: Any) -> ColumnElement[Any]:
        """A date column, read so `to_day` gives a date."""
        return type_coerce(column, String()) if self.sqlite else type_coerce(column, Date())

    def money(self, column: Any) -> ColumnElement[Any]:
        """A money column, read so `to_money` gives a Decimal to the cent."""
        return type_coerce(column, NullType()) if self.sqlite else type_coerce(column, Numeric())

    @property
    def to_instant(self) -> Callable[[Any], datetime | None]:
        if not self.sqlite:
            return _same
        parse = datetime.fromisoformat
        # SQLite keeps UTC text without an offset; adding it makes fromisoformat return UTC.
        return lambda text: parse(text + _UTC_SUFFIX) if text else None

    @property
    def to_day(self) -> Callable[[Any], date | None]:
        if not self.sqlite:
            return _same
        parse = date.fromisoformat
        return lambda text: parse(text) if text else None

    @property
    def to_money(self) -> Callable[[Any], Decimal | None]:
        if not self.sqlite:
            return _same
        known = self._money

        def convert(number: Any) -> Decimal | None:
            if number is None:
                return None
            value = known.get(number)
            if value is None:
                # SQLite stores Numeric as a float; this is how SQLAlchemy reads it back.
                value = known[number] = Decimal(f"{number:.2f}")
            return value

        return convert


def _same(value: Any) -> Any:
    return value


def one_of(session: Session, column: Any, values: Sequence[int]) -> ColumnElement[bool]:
    """`column IN values` for thousands of whole numbers, bound as one parameter: SQLAlchemy
    renders a parameter per value each time, which cost more than the query itself."""
    if session.get_bind().dialect.name == "sqlite":
        listed = func.json_each(literal(json.dumps(list(values)), String())).table_valued("value")
        return column.in_(select(listed.c.value))
    return column == any_(literal(list(values), ARRAY(BigInteger())))


def raw_rows(session: Session, statement: Executable) -> list[tuple[Any, ...]]:
    """Run a statement in the session's transaction and return the driver's own row tuples.

    Only for selects whose columns need no SQLAlchemy processing (see FastColumns): wrapping
    each of 200,000 rows in a Row costs a third of the read.
    """
    result = session.connection().execute(statement)
    try:
        return list(result.cursor.fetchall())  # type: ignore[attr-defined]
    finally:
        result.close()
