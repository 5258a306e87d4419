"""A sales team to send load as: reps whose profiles are fresh, each owning one open lead."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import create_engine, func, insert, select

from bot.db import make_engine, normalize_url
from bot.domain.leads import company_key
from bot.migrate import upgrade
from bot.models import AcceptedCommand, Lead, Rep
from tests.support import app_env


def users(count: int) -> list[str]:
    return [f"UBENCH{index:05d}" for index in range(count)]


def seed(database_url: str, members: list[str]) -> dict[str, int]:
    """Migrate, add each member as a rep with a fresh profile and one open lead; their lead ids."""
    engine = make_engine(database_url)
    try:
        upgrade(engine)
        now = datetime.now(UTC)
        past = now - timedelta(days=10)
        with engine.begin() as connection:
            connection.execute(insert(Rep), [
                {"id": user, "name": user.lower(), "tz": "America/New_York", "role": "rep",
                 "is_active": True, "created_at": past, "profile_refreshed_at": now}
                for user in members
            ])  # fmt: skip
            connection.execute(insert(Lead), [
                {"company": f"Bench Co {user}", "company_key": company_key(f"Bench Co {user}"),
                 "value": Decimal(5000), "currency": "USD", "owner_id": user, "stage": "proposal",
                 "status": "open", "created_at": past, "updated_at": past, "stage_changed_at": past,
                 "touch_count": 0, "close_pushes": 0}
                for user in members
            ])  # fmt: skip
            rows = connection.execute(
                Lead.__table__.select().where(Lead.owner_id.in_(members))
            ).mappings()
            return {row["owner_id"]: row["id"] for row in rows}
    finally:
        engine.dispose()


def wait_until_settled(database_url: str, timeout: float = 120) -> None:
    """Block until every command pipebot acknowledged is answered and forgotten, listener work done.

    Read with a plain engine: its SELECTs take no write lock, so polling never slows the server.
    """
    engine = create_engine(normalize_url(database_url))
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            with engine.connect() as connection:
                if not connection.execute(
                    select(func.count()).select_from(AcceptedCommand)
                ).scalar():
                    return
            time.sleep(0.02)
    finally:
        engine.dispose()
    raise RuntimeError("pipebot still owes answers")


def exported_touches(database_url: str, marker: str) -> int:
    """Touches whose note carries `marker`, counted in `pipebot export touches`, as an operator would."""
    env = {**os.environ, **app_env(database_url)}
    env.pop("PIPEBOT_CONFIG", None)
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "export", "touches"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    rows = csv.DictReader(io.StringIO(result.stdout))
    return sum(1 for row in rows if marker in (row.get("note") or ""))
