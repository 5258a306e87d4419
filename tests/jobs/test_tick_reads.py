"""How a tick's reads come back: all rows in one step (`rows_at_once`), made into objects later.

A tick reads its next batch on a thread of its own while the main thread builds messages. Python's
sqlite3 lets go of the interpreter at every row it steps to, so a read of many rows moved only
when the builder paused; and objects made on the reading thread took the interpreter from the
builder. These pin what replaced both, on both databases: the same rows, values and order as the
driver's own, and no `LeadFacts` made before someone looks.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import literal, select
from sqlalchemy.orm import Session

import bot.services.rhythm as rhythm
from bot.domain.rhythm import LeadFacts
from bot.models import Lead
from bot.services.fast_rows import raw_rows, rows_at_once
from bot.services.later import Later
from bot.services.rhythm import LeadReader, open_leads_where
from tests.jobs.factories import add_lead, add_rep
from tests.jobs.layouts import NOW

Db = Callable[[], AbstractContextManager[Session]]

# Text JSON must escape, and text it must not mangle.
TRICKY = [
    'Quote " and back\\slash',
    "Line\nbreak\ttab",
    "Zürich Bänk — 東京 🚀",
    "<@U123> &amp; *bold*",
    "\u2028\u2029 separators",
]
# The largest and smallest amounts a lead's value holds (Numeric(14, 2)), and cents that do not
# survive a careless float.
VALUES = [
    Decimal("999999999999.99"),
    Decimal("0.01"),
    Decimal("0.10"),
    Decimal("1234.565"),
    Decimal("-12.30"),
    Decimal("7"),
    None,
]


@pytest.fixture
def seeded(db: Db) -> list[int]:
    ids = []
    with db() as session:
        add_rep(session, "U1")
        add_rep(session, "U2")
        for number, company in enumerate(TRICKY * 2):
            ids.append(
                add_lead(
                    session,
                    owner="U1" if number % 2 else "U2",
                    created_at=NOW - timedelta(days=number, microseconds=number * 7),
                    company=company,
                    contact=company if number % 3 else None,
                    value=VALUES[number % len(VALUES)],
                    next_follow_up=date(2026, 12, 1) + timedelta(days=number)
                    if number % 4
                    else None,
                    inbound=bool(number % 2),
                )
            )
    return ids


def test_rows_at_once_are_the_drivers_rows_in_the_statements_order(
    db: Db, seeded: list[int]
) -> None:
    with db() as session:
        reader = LeadReader.of(session)
        # An order that is not the table's: the rows must come back in it.
        statement = select(*reader.columns).order_by(Lead.company.desc(), Lead.id.desc())
        expected = [list(row) for row in raw_rows(session, statement)]
        got = [list(row) for row in rows_at_once(session, statement)]
        assert got == expected
        assert [reader.facts(row) for row in got] == [reader.facts(row) for row in expected]
        # Values as the models read them: the money to the cent, the text as stored.
        by_id = {lead.id: lead for lead in map(reader.facts, got)}
        stored = {lead.id: lead for lead in session.scalars(select(Lead))}
        for lead_id, lead in by_id.items():
            assert lead.value == stored[lead_id].value
            assert lead.company == stored[lead_id].company
            assert lead.created_at == stored[lead_id].created_at
        assert rows_at_once(session, statement.where(Lead.id < 0)) == []


def test_rows_at_once_keeps_whole_numbers_beyond_a_doubles_precision(db: Db) -> None:
    big = 2**62 + 1  # a float would round it
    with db() as session:
        rows = rows_at_once(session, select(literal(big).label("n"), literal(-big).label("m")))
    assert [list(row) for row in rows] == [[big, -big]]


def test_open_leads_are_made_into_facts_only_when_first_looked_at(
    db: Db, seeded: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[int] = []

    class Counted(LeadFacts):
        __slots__ = ()

        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]
            made.append(self.id)

    monkeypatch.setattr(rhythm, "LeadFacts", Counted)
    with db() as session:
        found = open_leads_where(session, {"U1", "U2", "U3"})
    # Which owners have leads is known from the read itself.
    assert "U1" in found and "U2" in found and "U3" not in found
    assert made == []
    assert sorted(len(leads) for leads in found.values()) == [5, 5]
    assert sorted(made) == sorted(seeded)
    assert all(
        [lead.id for lead in leads] == sorted(lead.id for lead in leads) for leads in found.values()
    )
    # Made once: looking again makes nothing more.
    assert found["U1"] is found["U1"]
    assert len(made) == len(seeded)


def test_later_makes_its_mapping_once_on_first_use_and_answers_in_from_its_keys() -> None:
    calls = []

    def make() -> dict[str, int]:
        calls.append(1)
        return {"a": 1, "b": 2}

    later = Later(make, keys={"a", "b"})
    assert "a" in later and "z" not in later
    assert calls == []
    assert later["b"] == 2 and later.get("z") is None and dict(later) == {"a": 1, "b": 2}
    assert len(later) == 2 and sorted(later) == ["a", "b"]
    assert calls == [1]
    assert "z" not in later and calls == [1]
    without_keys = Later(make)
    assert "a" in without_keys and calls == [1, 1]
    with pytest.raises(KeyError):
        without_keys["z"]
