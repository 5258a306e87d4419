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
    Select,
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


def rows_at_once(
    session: Session, statement: Select[Any], parameters: dict[str, Any] | None = None
) -> Sequence[Sequence[Any]]:
    """`raw_rows` for a tick's reads, which run on a thread of their own: on SQLite the database
    builds the rows into one JSON array, read in one step, in the statement's order.

    Python's sqlite3 lets go of the interpreter for every row it steps to. While the main thread
    builds messages, the reading thread then waits for the interpreter once per row, and a read of
    forty thousand rows moved only when the builder stopped to wait for it. Rows come back as
    lists. Only for columns JSON keeps as they are: whole numbers, text, and money (at most 15
    significant digits, which is how SQLite writes a REAL into JSON).
    """
    if session.get_bind().dialect.name != "sqlite":
        return raw_rows(session, statement, parameters)
    rows = statement.subquery()
    # An aggregate over an ordered subquery takes its rows in that order.
    every = select(func.json_group_array(func.json_array(*rows.c)))
    text = session.connection().execute(every, parameters).scalar()
    return json.loads(text) if text is not None else []


def raw_rows(
    session: Session, statement: Executable, parameters: dict[str, Any] | None = None
) -> list[tuple[Any, ...]]:
    """Run a statement in the session's transaction and return the driver's own row tuples.

    Only for selects whose columns need no SQLAlchemy processing (see FastColumns): wrapping
    each of 200,000 rows in a Row costs a third of the read.
    """
    result = session.connection().execute(statement, parameters)
    try:
        return list(result.cursor.fetchall())  # type: ignore[attr-defined]
    finally:
        result.close()
