"""congestion-alerts: 09:00 team time on working days, where the pipeline is congested and why.

One post a day in the managers' channel with what opened, worsened (by 10%) or cleared since the
last post, and what is still open once a week. The conditions' states are stored with the post, in
one transaction, so the channel tells a true story across days and restarts; a rerun posts nothing.
"""

from __future__ import annotations

import logging
from datetime import datetime, time
from typing import TYPE_CHECKING

from bot.domain.conditions import open_keys, plan_posts
from bot.domain.congestion import evaluate_conditions
from bot.domain.team_facts import ManagerWindow, reporting_fx
from bot.domain.value_at_risk import ignored_nudges_condition
from bot.flows.managers import team_reps
from bot.services.alert_states import load_condition_states, save_condition_states
from bot.services.manager_facts import read_congestion_facts
from bot.services.nudge_reads import escalated_leads
from bot.services.outbox import PRIORITY_DIGEST, enqueue
from bot.services.roster import Roster
from bot.slack.messages.congestion import build_congestion_blocks
from jobs.spec import JobSpec, TeamTime

if TYPE_CHECKING:
    from bot.deps import Deps

JOB_ID = "congestion-alerts"
logger = logging.getLogger("pipebot.jobs")


def post_key(day: object) -> str:
    """The outbox key of one day's post."""
    return f"{JOB_ID}:{day}"


def run(deps: Deps, now: datetime) -> int:
    """Work out today's conditions, post what changed (at most once a day), store their states."""
    channel = deps.config.managers_channel
    if channel is None:
        logger.info("%s: no managers channel is configured; nothing to post", JOB_ID)
        return 0
    rules = deps.pipeline.team_rules
    window = ManagerWindow.at(now, zone=deps.team_zone, rules=rules)
    if window.today in deps.pipeline.team_holidays:
        logger.info("%s: %s is a team holiday; nothing is posted", JOB_ID, window.today)
        return 0
    with deps.session_factory.begin() as session:
        facts = read_congestion_facts(session, window=window, roster=Roster.of(deps.config))
        fx = reporting_fx(
            facts.open_leads, currency=deps.pipeline.report.currency, rates=deps.pipeline.report.fx
        )
        states = load_condition_states(session)
        found = evaluate_conditions(facts, rules=rules, fx=fx, open_keys=open_keys(states.values()))
        # Leads nudged twice with no action go to the managers instead of a third DM.
        ignored = ignored_nudges_condition(
            facts.open_leads, escalated_leads(session), fx=fx, now=now
        )
        conditions = (*found.conditions, *([ignored] if ignored else []))
        plan = plan_posts(states, conditions, today=window.today)
        if not plan.posts:
            return 0
        message = build_congestion_blocks(
            plan.posts,
            today=window.today,
            stage_names=deps.pipeline.stage_names,
            reps=team_reps(deps, session, now=now),
            excluded=found.excluded,
            parked=found.parked,
        )
        queued = enqueue(
            session,
            key=post_key(window.today),
            kind=JOB_ID,
            recipient=channel,
            message=message,
            now=now,
            priority=PRIORITY_DIGEST,
        )
        if queued:
            save_condition_states(session, states=plan.states)
    return int(queued)


JOB = JobSpec(
    JOB_ID, TeamTime(time(9, 0)), "managers' channel: where the pipeline is congested", run
)
