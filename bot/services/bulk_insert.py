"""Many rows into one table at once, handed to the driver as they are stored.

SQLAlchemy's executemany handles each row's parameters one by one, and for a hundred thousand
rows that costs more than the database's own insert. Here the INSERT is compiled once for the
columns the rows name (on PostgreSQL a COPY of them), and the values are converted column by
column as SQLAlchemy would convert them: scalar defaults filled in, bind processors applied,
repeated times, dates and shared JSON values converted once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Column, Date, Dialect, Table, insert
from sqlalchemy.orm import Session

from bot.models import UTCDateTime


@dataclass(frozen=True)
class BulkPlan:
    """An INSERT compiled once for rows naming the same columns (on PostgreSQL a COPY of those
    columns), and how those rows become the driver's tuples: the columns' scalar defaults
    filled in and their bind processors applied, as SQLAlchemy would, but a column at a time
    (its per-row parameter handling costs more than the database's insert)."""

    sql: str
    copy: bool
    order: tuple[str, ...]
    # Each parameter's column, with the scalar default of a column the rows do not name.
    columns: tuple[Column[Any], ...]
    defaults: dict[str, Any]
    processors: dict[str, Callable[[Any], Any]]

    def values(
        self, given: Mapping[str, Sequence[Any]], count: int, *, seen: dict[Any, Any] | None = None
    ) -> list[list[Any]]:
        """Parameters column by column from the values `given` (a column not given and without a
        default is left None); `seen` keeps converted times and dates across calls."""
        seen = {} if seen is None else seen
        columns: list[list[Any]] = []
        for name, column in zip(self.order, self.columns, strict=True):
            if name in given:
                values: Sequence[Any] = given[name]
            else:
                values = [self.defaults.get(name)] * count
            process = self.processors.get(name)
            if process is None:
                columns.append(list(values))
            elif isinstance(column.type, JSON):
                # A value shared by many rows (a nudge DM's detail for each of its leads) is
                # converted once: by identity, as JSON values need not be hashable.
                done: dict[int, Any] = {}
                columns.append(
                    [
                        done[id(value)]
                        if id(value) in done
                        else done.setdefault(id(value), process(value))
                        for value in values
                    ]
                )
            elif _converts_alike(column):
                # Times and dates repeat (an import's own time, follow-up days): each once.
                for value in set(values).difference(seen):
                    seen[value] = process(value)
                columns.append(list(map(seen.__getitem__, values)))
            else:
                columns.append(list(map(process, values)))
        return columns

    def write(self, session: Session, params: list[tuple[Any, ...]]) -> None:
        """Insert rows given as the driver's tuples, in this plan's order."""
        if not self.copy:
            session.connection().exec_driver_sql(self.sql, params)
            return
        raw = session.connection().connection.dbapi_connection
        assert raw is not None
        with raw.cursor() as cursor, cursor.copy(self.sql) as copy:
            for row in params:
                copy.write_row(row)


def by_column(rows: Sequence[Mapping[str, Any]], names: Sequence[str]) -> dict[str, Sequence[Any]]:
    """Rows' values of `names`, column by column; KeyError when a row lacks one."""
    if len(names) == 1:  # itemgetter of one key gives the value, not a 1-tuple
        return {names[0]: [row[names[0]] for row in rows]}
    if not rows:
        return {name: () for name in names}
    return dict(zip(names, zip(*map(itemgetter(*names), rows), strict=True), strict=True))


def _converts_alike(column: Column[Any]) -> bool:
    """Whether equal values are stored alike in this column and every other such one: UTC times
    (equal instants are one UTC time) and dates (never equal to a time), not naive or local
    times."""
    return isinstance(column.type, UTCDateTime) or type(column.type) is Date


@lru_cache(maxsize=64)
def bulk_plan(dialect: Dialect, table: Table, keys: tuple[str, ...]) -> BulkPlan | None:
    """The plan for rows naming `keys`; None where SQLAlchemy's own executemany must do it
    (drivers other than SQLite's and psycopg, or a default it computes itself)."""
    copy = dialect.name == "postgresql" and dialect.driver == "psycopg"
    if not (dialect.paramstyle == "qmark" or copy) or not keys:
        return None
    compiled = insert(table).compile(dialect=dialect, column_keys=list(keys))
    order = tuple(compiled.bind_names.values())
    defaults = {
        column.key: column.default.arg  # type: ignore[union-attr]
        for column in table.columns
        if column.key in order
        and column.key not in keys
        and column.default is not None
        and column.default.is_scalar
    }
    if set(order) - set(keys) - set(defaults) or len(set(order)) != len(order):
        return None
    columns = tuple(table.c[name] for name in order)
    processors = {
        column.key: process
        for column in columns
        if (process := column.type._cached_bind_processor(dialect)) is not None
    }
    sql = compiled.string
    if copy:
        quote = dialect.identifier_preparer
        names = ", ".join(quote.quote(column.name) for column in columns)
        sql = f"COPY {quote.format_table(table)} ({names}) FROM STDIN"
    return BulkPlan(sql, copy, order, columns, defaults, processors)


def insert_many(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert rows that all name the same columns, in one executemany."""
    if not rows:
        return
    plan = bulk_plan(session.get_bind().dialect, table, tuple(rows[0]))
    if plan is None or any(row.keys() != rows[0].keys() for row in rows):
        session.execute(insert(table), rows)
        return
    plan.write(
        session, list(zip(*plan.values(by_column(rows, list(rows[0])), len(rows)), strict=True))
    )
