"""A rep's own plan time and working days from pipeline.toml drive their morning plan."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from bot.config import load_pipeline
from bot.models import Notification, Rep
from bot.services import leads, reps
from jobs import morning_plan, overdue_followups
from tests.jobs.factories import add_lead, add_rep

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


# ---- holidays, time away, muted DMs, the roster ----------------------------------------------

NY_REP = "UNY000001"
MON_0830_NY = datetime(2026, 11, 30, 13, 30, tzinfo=UTC)
MON_1400_NY = datetime(2026, 11, 30, 19, 0, tzinfo=UTC)


def _overdue_lead(deps, owner: str = NY_REP) -> None:
    with deps.session_factory.begin() as session:
        add_rep(session, owner)
        add_lead(
            session, owner=owner, created_at=MON_0830_NY - timedelta(days=9),
            next_follow_up=MON_0830_NY.date() - timedelta(days=3),
        )  # fmt: skip


def _queued_kinds(deps) -> list[str]:
    with deps.session_factory() as session:
        return [key.split(":")[0] for key in session.scalars(select(Notification.idempotency_key))]


def test_no_rep_dm_on_a_team_or_a_reps_own_holiday(make_deps) -> None:
    team = make_deps('[schedule]\nholidays = ["2026-11-30"]\n')
    _overdue_lead(team)
    assert morning_plan.run(team, MON_0830_NY) == 0
    assert overdue_followups.run(team, MON_1400_NY) == 0
    own = make_deps(f'[reps.{NY_REP}]\nholidays = ["2026-11-30"]\n')
    assert morning_plan.run(own, MON_0830_NY) == 0
    # The day after the holiday is an ordinary working day.
    assert morning_plan.run(own, MON_0830_NY + timedelta(days=1)) == 1


def test_an_away_rep_gets_no_dm_until_back_and_muting_spares_the_plan(deps) -> None:
    _overdue_lead(deps)
    with deps.session_factory.begin() as session:
        rep = session.get(Rep, NY_REP)
        rep.away_until = MON_0830_NY.date() + timedelta(days=1)
        rep.muted = "overdue-followups"
    assert morning_plan.run(deps, MON_0830_NY) == 0
    tuesday = timedelta(days=1)
    assert morning_plan.run(deps, MON_0830_NY + tuesday) == 1  # back on Tuesday
    # A muted kind stays quiet; the morning plan cannot be muted.
    assert overdue_followups.run(deps, MON_1400_NY + tuesday) == 0
    assert _queued_kinds(deps) == ["morning-plan"]


def test_with_a_roster_only_its_reps_get_the_daily_dms(make_deps) -> None:
    rostered = make_deps('[team]\nreps = ["UTEAM0001"]\n')
    _overdue_lead(rostered)  # someone who once used pipebot, not on the roster
    _overdue_lead(rostered, owner="UTEAM0001")
    assert morning_plan.run(rostered, MON_0830_NY) == 1
    with rostered.session_factory() as session:
        assert list(session.scalars(select(Notification.recipient))) == ["UTEAM0001"]
