"""Revision 0003 gives every lead already lost a category, and steps back down cleanly."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import command
from sqlalchemy import Engine, inspect

from bot.migrate import alembic_config, upgrade

NOW = datetime(2026, 12, 7, 14, 0, tzinfo=UTC)


def _downgrade(engine: Engine, revision: str) -> None:
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def test_lost_leads_get_unqualified_or_other_from_their_reason(engine: Engine) -> None:
    _downgrade(engine, "0002")
    assert "alert_conditions" not in inspect(engine).get_table_names()
    reps = sa.table(
        "reps", *(sa.column(name) for name in ("id", "name", "role", "is_active", "created_at"))
    )
    columns = ("company", "company_key", "currency", "owner_id", "stage", "status", "created_at",
               "updated_at", "stage_changed_at", "touch_count", "close_pushes", "lost_reason")  # fmt: skip
    leads = sa.table("leads", *(sa.column(name) for name in columns))
    rows = [
        ("lost", "unqualified"),
        ("lost", "Marked UNQUALIFIED after the call"),
        ("lost", "went with a competitor"),
        ("lost", None),
        ("open", "unqualified"),
        ("won", None),
    ]
    with engine.begin() as connection:
        connection.execute(
            reps.insert().values(
                id="UREP00001", name="", role="rep", is_active=True, created_at=NOW
            )
        )
        for index, (status, reason) in enumerate(rows):
            connection.execute(
                leads.insert().values(
                    company=f"C{index}", company_key=f"c{index}", currency="USD",
                    owner_id="UREP00001", stage="prospecting", status=status, created_at=NOW,
                    updated_at=NOW, stage_changed_at=NOW, touch_count=0, close_pushes=0,
                    lost_reason=reason,
                )
            )  # fmt: skip
    upgrade(engine)
    with engine.connect() as connection:
        found = connection.execute(
            sa.text("SELECT company, lost_category FROM leads ORDER BY company")
        ).all()
    assert [category for _, category in found] == [
        "unqualified", "unqualified", "other", "other", None, None,
    ]  # fmt: skip
    assert "alert_conditions" in inspect(engine).get_table_names()
