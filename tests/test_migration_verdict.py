"""Revision 0008 gives every lead qualified before it the verdict of its stored answers."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy import Engine, inspect

from bot.migrate import upgrade
from tests.test_migration_managers import _downgrade

NOW = datetime(2026, 12, 7, 14, 0, tzinfo=UTC)
ALL_YES = {key: "yes" for key in ("need", "fit", "decider", "timing", "position")}


def test_qualified_leads_get_the_verdict_of_their_answers(engine: Engine) -> None:
    _downgrade(engine, "0006")
    assert "qualification_verdict" not in {c["name"] for c in inspect(engine).get_columns("leads")}
    reps = sa.table(
        "reps", *(sa.column(name) for name in ("id", "name", "role", "is_active", "created_at"))
    )
    columns = ("company", "company_key", "currency", "owner_id", "stage", "status", "created_at",
               "updated_at", "stage_changed_at", "touch_count", "close_pushes", "qualification")  # fmt: skip
    leads = sa.table(
        "leads", *(sa.column(name) for name in columns[:-1]), sa.column("qualification", sa.JSON)
    )
    answers = {
        "A strong": ALL_YES,
        "B knocked out": {**ALL_YES, "fit": "no"},
        "C too few": {"need": "yes"},
        "D never": None,
    }
    with engine.begin() as connection:
        connection.execute(
            reps.insert().values(
                id="UREP00001", name="", role="rep", is_active=True, created_at=NOW
            )
        )
        for company, qualification in answers.items():
            connection.execute(
                leads.insert().values(
                    company=company, company_key=company.lower(), currency="USD",
                    owner_id="UREP00001", stage="prospecting", status="open", created_at=NOW,
                    updated_at=NOW, stage_changed_at=NOW, touch_count=0, close_pushes=0,
                    qualification=qualification,
                )
            )  # fmt: skip
    upgrade(engine)
    with engine.connect() as connection:
        found = connection.execute(
            sa.text("SELECT company, qualification_verdict FROM leads ORDER BY company")
        ).all()
    assert [verdict for _, verdict in found] == [
        "strong fit",
        "weak fit",
        "not enough answers",
        None,
    ]
