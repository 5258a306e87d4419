"""`pipebot demo`: a sample team and pipeline in a throwaway SQLite database, no Slack, no network."""

from __future__ import annotations

import base64
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.charts import funnel_png
from bot.clock import FixedClock
from bot.config import load_config
from bot.db import make_engine, make_session_factory
from bot.demo.seed import (
    ARRIVAL,
    MANAGER,
    MANAGERS_CHANNEL,
    REPS,
    SAMPLE_MORNING,
    add_arrival,
    seed_pipeline,
    seed_team,
)
from bot.demo.terminal import render_message
from bot.deps import Deps
from bot.migrate import upgrade
from bot.models import Notification
from bot.services.export import EXPORTS, write_csv
from bot.services.pipeline import RepTotals, team_totals, totals_by_rep
from bot.slack.format import money
from jobs.spec import JobSpec, TeamTime

TICK = timedelta(minutes=15)
# From Tokyo's Friday morning to Los Angeles' Friday evening.
DEMO_SPAN = timedelta(hours=29)


def _bold(text: str) -> str:
    return f"\033[1m{text}\033[0m" if sys.stdout.isatty() else text


def _table(title: str, totals: RepTotals, *, several: bool = False) -> str:
    heading = f"{title} ({totals.currency})" if several else title
    rows = [f"{_bold(heading)}", f"  {'stage':<15}{'leads':>6}{'value':>14}{'weighted':>14}"]
    code = totals.currency
    for stage in totals.stages:
        rows.append(
            f"  {stage.name:<15}{stage.count:>6}{money(stage.value, code):>14}{money(stage.weighted, code):>14}"
        )
    rows.append(
        f"  {'total':<15}{totals.count:>6}{money(totals.value, code):>14}{money(totals.weighted, code):>14}"
    )
    return "\n".join(rows)


def _demo_deps(database: Path, now: datetime) -> Deps:
    config = load_config(
        {
            "DATABASE_URL": f"sqlite:///{database}",
            "PIPEBOT_TIMEZONE": MANAGER.tz,
            "PIPEBOT_MANAGERS": MANAGER.id,
            "PIPEBOT_MANAGERS_CHANNEL": MANAGERS_CHANNEL,
        }
    )
    engine = make_engine(config.settings.database_url)
    return Deps(
        config=config,
        engine=engine,
        session_factory=make_session_factory(engine),
        clock=FixedClock(now),
    )


def _weekly(job: JobSpec) -> bool:
    """A job that runs on one weekday only, such as Monday's report: the demo's Friday never shows it."""
    return isinstance(job.when, TeamTime) and job.when.weekday is not None


def run_jobs_over_day(deps: Deps, start: datetime) -> list[str]:
    """Tick every built job through one day, as the scheduler would; returns the jobs not built yet."""
    from jobs import JOBS

    missing = [job.id for job in JOBS if job.run is None]
    moment = start
    arrived = False
    while moment < start + DEMO_SPAN:
        if not arrived and moment >= ARRIVAL[0]:
            with deps.session_factory.begin() as session:
                add_arrival(
                    session,
                    pipeline=deps.pipeline,
                    at=ARRIVAL[0],
                    company=ARRIVAL[1],
                    owner=ARRIVAL[2],
                )
            arrived = True
        for job in JOBS:
            fire = _fires_within(job, deps, moment)
            if job.run is not None and fire is not None:
                job.run(deps.with_clock(FixedClock(fire)), fire)
        moment += TICK
    return missing


def run_weekly_jobs(deps: Deps, after: datetime) -> datetime:
    """Run each built weekly job at its next time after `after`; returns when the first of them ran."""
    from bot.scheduler import next_fire_times
    from jobs import JOBS

    days = deps.pipeline.schedule.working_days
    first = after
    for job in JOBS:
        if job.run is None or not _weekly(job):
            continue
        [moment] = next_fire_times(job.id, after=after, count=1, team_zone=deps.team_zone,
                                   working_days=tuple(days))  # fmt: skip
        job.run(deps.with_clock(FixedClock(moment)), moment)
        first = moment if first == after else min(first, moment)
    return first


def _shown_file(payload: dict[str, Any], out: Path) -> dict[str, Any]:
    """A shared file as the demo shows it: written to `out`, named in a line of text."""
    file = payload["file"]
    path = out / file["filename"]
    path.write_bytes(base64.b64decode(file["content_b64"]))
    return {"text": f"[image: {file['title']}] (written to {path})"}


def _fires_within(job: JobSpec, deps: Deps, moment: datetime) -> datetime | None:
    """When the job's own schedule fires in the tick starting at `moment`, if it does."""
    trigger = job.when.trigger(
        team_zone=deps.team_zone, working_days=deps.pipeline.schedule.working_days
    )
    fire = trigger.get_next_fire_time(None, moment)
    return fire if fire is not None and fire < moment + TICK else None


def _local(when: datetime, recipient: str, zones: dict[str, str]) -> datetime:
    return when.astimezone(ZoneInfo(zones.get(recipient, MANAGER.tz)))


def _write_exports(deps: Deps, out: Path) -> None:
    """The sample pipeline as `pipebot export` writes it, one CSV file per export."""
    with deps.session_factory() as session:
        for what in EXPORTS:
            path = out / f"{what}.csv"
            with path.open("w", encoding="utf-8", newline="") as file:
                count = write_csv(session, what=what, out=file)
            print(f"Export written to {path} ({count} rows)")


def run_demo(*, out: Path) -> int:
    names = {rep.id: rep.name for rep in (MANAGER, *REPS)}
    names[MANAGERS_CHANNEL] = "#sales-managers"
    zones = {rep.id: rep.tz for rep in (MANAGER, *REPS)}
    with tempfile.TemporaryDirectory(prefix="pipebot-demo-") as scratch:
        deps = _demo_deps(Path(scratch) / "demo.db", SAMPLE_MORNING)
        upgrade(deps.engine)
        with deps.session_factory.begin() as session:
            seed_team(session, now=SAMPLE_MORNING)
            count = seed_pipeline(session, pipeline=deps.pipeline, now=SAMPLE_MORNING)
        day = SAMPLE_MORNING + timedelta(days=1)
        print(
            _bold(
                f"pipebot demo — {len(REPS)} reps and a manager, {count} leads, {day:%A %-d %B %Y}"
            )
        )
        print("Team: " + ", ".join(f"{rep.name} ({rep.tz})" for rep in (MANAGER, *REPS)) + "\n")
        with deps.session_factory() as session:
            per_rep = totals_by_rep(session, pipeline=deps.pipeline)
        teams = team_totals(per_rep, pipeline=deps.pipeline)
        for team in teams:
            print(_table("Team pipeline", team, several=len(teams) > 1) + "\n")
        for rep in REPS:
            for totals in per_rep.get(rep.id, ()):
                print(_table(f"{rep.name}", totals, several=len(per_rep[rep.id]) > 1) + "\n")
        missing = run_jobs_over_day(deps, SAMPLE_MORNING)
        with deps.session_factory() as session:
            rows = session.execute(
                select(
                    Notification.kind,
                    Notification.recipient,
                    Notification.not_before,
                    Notification.payload,
                ).order_by(Notification.not_before, Notification.id)
            ).all()
        shown = [row for row in rows if _local(row[2], row[1], zones).date() == day.date()]
        print(
            _bold(f"What pipebot sends on {day:%A}, in each rep's own time ({len(shown)} messages)")
            + "\n"
        )
        for kind, recipient, when, payload in shown:
            where = names.get(recipient, recipient)
            zone = ZoneInfo(zones.get(recipient, MANAGER.tz))
            title = f"{kind} → {where} · {when.astimezone(zone):%a %H:%M} {zone.key}"
            print(render_message(title, payload, names, style=_bold) + "\n")
        out.mkdir(parents=True, exist_ok=True)
        seen = len(rows)
        monday = run_weekly_jobs(deps, SAMPLE_MORNING + DEMO_SPAN)
        with deps.session_factory() as session:
            weekly = session.execute(
                select(Notification.kind, Notification.recipient, Notification.payload)
                .order_by(Notification.id)
                .offset(seen)
            ).all()
        if weekly:
            zone = ZoneInfo(MANAGER.tz)
            print(_bold(f"And on {monday.astimezone(zone):%A %-d %B}, the weekly report") + "\n")
        for kind, recipient, payload in weekly:
            title = f"{kind} → {names.get(recipient, recipient)} · {monday.astimezone(zone):%a %H:%M} {zone.key}"
            shown_payload = _shown_file(payload, out) if "file" in payload else payload
            print(render_message(title, shown_payload, names, style=_bold) + "\n")
        if missing:
            print("Jobs not built yet: " + ", ".join(missing))
        for index, team in enumerate(teams):
            chart = out / (
                "pipeline-funnel.png" if index == 0 else f"pipeline-funnel-{team.currency}.png"
            )
            chart.write_bytes(funnel_png(team.stages, currency=team.currency))
            print(f"Chart written to {chart}")
        _write_exports(deps, out)
        deps.engine.dispose()
    return 0
