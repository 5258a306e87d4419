"""Leads and statement counts for tests: one way to seed a pipeline, one way to count SQL."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, event

from bot.deps import Deps
from bot.services import leads, reps


def seed_leads(
    deps: Deps,
    companies: Iterable[str],
    *,
    owner: str,
    stage: str = "prospecting",
    value: str | Decimal | None = None,
    currency: str = "USD",
    next_follow_up: date | None = None,
    now: datetime | None = None,
    inbound: bool | None = None,
    **fields: Any,
) -> list[int]:
    """Create open leads straight through the services, as if their owner had added them.

    Like a lead the owner adds, one is inbound (speed to lead runs for it) when its source is one
    of the team's inbound sources, unless `inbound` says otherwise.
    """
    now = now or deps.clock.now()
    if inbound is None:
        source = str(fields.get("source") or "").strip().lower()
        inbound = source in deps.pipeline.team.inbound_sources
    with deps.session_factory.begin() as session:
        reps.ensure_rep(session, user_id=owner, now=now, is_manager=deps.is_manager(owner))
        return [
            leads.create_lead(
                session,
                new=leads.NewLead(
                    company=company,
                    owner_id=owner,
                    stage=stage,
                    value=Decimal(value) if value not in (None, "") else None,
                    currency=currency,
                    next_follow_up=next_follow_up,
                    **fields,
                ),
                created_by=owner,
                now=now,
                inbound=inbound,
            ).id
            for company in companies
        ]


def seed_lead(deps: Deps, company: str, *, owner: str, **options: Any) -> int:
    """One lead; see `seed_leads`."""
    return seed_leads(deps, [company], owner=owner, **options)[0]


class StatementCounter:
    """Counts the SQL statements an engine runs while active, by their first word."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.statements: list[str] = []

    def _record(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        self.statements.append(statement)

    def __enter__(self) -> StatementCounter:
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *_exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._record)

    def count(self, word: str) -> int:
        """How many statements began with `word` (SELECT, INSERT, …)."""
        return sum(1 for statement in self.statements if self._first_word(statement) == word)

    @property
    def selects(self) -> list[str]:
        return [s for s in self.statements if self._first_word(s) == "SELECT"]

    @staticmethod
    def _first_word(statement: str) -> str:
        return statement.strip().split(None, 1)[0].upper()
