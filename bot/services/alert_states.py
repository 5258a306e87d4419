"""The stored state of each managers'-channel condition, read before the daily decision and written after it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.domain.conditions import ConditionState, Key
from bot.models import AlertCondition

_UPDATED = ("opened_on", "last_posted_on", "last_value", "cleared_on")


def load_condition_states(session: Session) -> dict[Key, ConditionState]:
    """Every stored condition state by `(kind, scope)`, in one statement."""
    rows = session.execute(
        select(
            AlertCondition.kind,
            AlertCondition.scope,
            AlertCondition.opened_on,
            AlertCondition.last_posted_on,
            AlertCondition.last_value,
            AlertCondition.cleared_on,
        )
    )
    states = (ConditionState(*row) for row in rows)
    return {state.key: state for state in states}


def save_condition_states(session: Session, *, states: Iterable[ConditionState]) -> int:
    """Insert or update these states in one statement (safe if two runs race); returns how many."""
    values = [
        {
            "kind": state.kind,
            "scope": state.scope,
            "opened_on": state.opened_on,
            "last_posted_on": state.last_posted_on,
            "last_value": state.last_value,
            "cleared_on": state.cleared_on,
        }
        for state in states
    ]
    if not values:
        return 0
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(AlertCondition)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["kind", "scope"],
            set_={name: statement.excluded[name] for name in _UPDATED},
        ),
        values,
    )
    session.flush()
    return len(values)


def forget_cleared_conditions(session: Session, *, cleared_before: date) -> int:
    """Drop states of conditions that cleared before a date; a condition that returns opens afresh."""
    result = session.execute(
        delete(AlertCondition).where(
            AlertCondition.cleared_on.is_not(None), AlertCondition.cleared_on < cleared_before
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
