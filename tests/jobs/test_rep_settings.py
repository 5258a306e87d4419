"""A rep's own plan time and working days from pipeline.toml drive their morning plan."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from bot.config import load_pipeline
from bot.models import Notification, Rep
from bot.services import leads, reps
from jobs import morning_plan

KENJI = "UKENJI001"


def test_rep_settings_move_the_morning_plan(deps, tmp_path: Path) -> None:
    file = tmp_path / "pipeline.toml"
    file.write_text(
        f'[reps.{KENJI}]\nmorning_plan = "7:45"\nworking_days = ["sun", "mon", "tue", "wed", "thu"]\nquota = 250000\n'
    )
    settings = load_pipeline(file).reps
    seeded = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
    with deps.session_factory.begin() as session:
        reps.apply_rep_settings(session, settings=settings, now=seeded)
        reps.update_profile(session, user_id=KENJI, name="Kenji", tz="Asia/Tokyo", now=seeded)
        new = leads.NewLead(company="Sakura Retail", owner_id=KENJI, stage="proposal", value=Decimal(40000),
                            next_follow_up=(seeded - timedelta(days=1)).date())  # fmt: skip
        leads.create_lead(session, new=new, created_by=KENJI, now=seeded)
    with deps.session_factory() as session:
        rep = session.get(Rep, KENJI)
        assert (rep.plan_time, rep.working_days, rep.quota) == (
            "07:45",
            "sun,mon,tue,wed,thu",
            Decimal(250000),
        )

    def plans() -> list[str]:
        with deps.session_factory() as session:
            return list(session.scalars(select(Notification.idempotency_key)))

    sunday_0740 = datetime(2026, 11, 29, 7, 40, tzinfo=UTC) - timedelta(hours=9)
    morning_plan.run(deps, sunday_0740)
    assert plans() == []
    morning_plan.run(deps, sunday_0740 + timedelta(minutes=5))
    assert plans() == [f"morning-plan:{KENJI}:2026-11-29"]
    friday_0900 = datetime(2026, 12, 4, 0, 0, tzinfo=UTC)
    morning_plan.run(deps, friday_0900)
    assert plans() == [f"morning-plan:{KENJI}:2026-11-29"]
