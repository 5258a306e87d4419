"""The weekly report: made from one read, posted with its charts through the outbox, or shown to one person.

The Monday job and `/pipeline report` both come here. A post to a channel is the summary and one
chart per reporting currency, queued in one transaction under one key (the charts' keys extend
it), so a rerun or a second click queues nothing new, and the charts never go without the summary.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.charts import weekly_report_charts
from bot.deps import Deps
from bot.domain.access import Actor
from bot.domain.report import WeeklyReport, build_weekly_report
from bot.domain.team_facts import ManagerWindow, reporting_fx
from bot.services.manager_facts import read_report_facts
from bot.services.outbox import PRIORITY_DIRECT, enqueue
from bot.services.rhythm import existing_keys
from bot.services.roster import Roster
from bot.slack.kit import SlackMessage
from bot.slack.messages.report import (
    MANAGER_ELSEWHERE_FOOTER,
    REP_FOOTER,
    build_report_queued_reply,
    build_weekly_report_blocks,
    chart_file,
    on_demand_footer,
)
from bot.slack.uploads import SlackFile

ON_DEMAND = "pipeline-report"
# pyplot keeps global state: one chart at a time, whether the scheduler or a listener draws it.
_DRAWING = threading.Lock()


@dataclass(frozen=True)
class Post:
    """Where a report goes and under which key: the outbox row's kind, priority and closing note."""

    key: str
    kind: str
    recipient: str
    priority: int
    footer: str


def make_weekly_report(deps: Deps, *, now: datetime, owner: str | None = None) -> WeeklyReport:
    """The report for the last complete week at `now`: the team's, or `owner`'s own week."""
    rules = deps.pipeline.team_rules
    window = ManagerWindow.at(now, zone=deps.team_zone, rules=rules)
    with deps.session_factory() as session:
        facts = read_report_facts(
            session, window=window, rules=rules, owner=owner, roster=Roster.of(deps.config)
        )
    settings = deps.pipeline.report
    fx = reporting_fx(facts.open_leads, currency=settings.currency, rates=settings.fx)
    return build_weekly_report(facts, rules=rules, fx=fx)


def chart_files(report: WeeklyReport) -> list[tuple[str, SlackFile]]:
    """Each reporting currency's chart as a file to share, drawn one at a time."""
    with _DRAWING:
        charts = weekly_report_charts(report)
    return [(currency, chart_file(report, currency, png)) for currency, png in charts]


def chart_key(key: str, currency: str) -> str:
    """The key of one chart of the report queued under `key`."""
    return f"{key}:chart:{currency}"


def post_weekly_report(deps: Deps, post: Post, *, now: datetime) -> int:
    """Queue the report and its charts under `post.key` unless it is queued already; how many rows were queued."""
    with deps.session_factory() as session:
        if existing_keys(session, keys=[post.key]):
            return 0
    report = make_weekly_report(deps, now=now)
    message = build_weekly_report_blocks(report, footer=post.footer)
    charts = chart_files(report)
    with deps.session_factory.begin() as session:
        if not enqueue(session, key=post.key, kind=post.kind, recipient=post.recipient,
                       message=message, now=now, priority=post.priority):  # fmt: skip
            return 0
        for currency, chart in charts:
            enqueue(session, key=chart_key(post.key, currency), kind=f"{post.kind}-chart",
                    recipient=post.recipient, message=chart, now=now,
                    priority=post.priority)  # fmt: skip
    return 1 + len(charts)


def on_demand_key(user_id: str, now: datetime, *, place: str) -> str:
    """One report per person, place and hour: a second ask in the same hour is the same post."""
    return f"{ON_DEMAND}:{place}:{user_id}:{now.astimezone(UTC):%Y-%m-%dT%H}"


def report_on_demand(
    deps: Deps, *, actor: Actor, channel_id: str | None, now: datetime
) -> SlackMessage:
    """`/pipeline report`: what the asker sees, having queued what goes to Slack on its own.

    A manager in the managers' channel gets the report posted there; a manager elsewhere sees it
    privately, with the chart sent as a DM; a rep sees their own week.
    """
    user = actor.user_id
    if not actor.is_manager:
        own = make_weekly_report(deps, now=now, owner=user)
        return build_weekly_report_blocks(own, rep_id=user, footer=REP_FOOTER)
    channel = deps.config.managers_channel
    if channel is not None and channel_id == channel:
        key = on_demand_key(user, now, place="channel")
        post = Post(key, ON_DEMAND, channel, PRIORITY_DIRECT, on_demand_footer(user))
        return build_report_queued_reply(posted=post_weekly_report(deps, post, now=now) > 0)
    report = make_weekly_report(deps, now=now)
    key = on_demand_key(user, now, place="dm")
    with deps.session_factory() as session:
        sent = existing_keys(session, keys=[chart_key(key, report.currency)])
    if not sent:
        charts = chart_files(report)
        with deps.session_factory.begin() as session:
            for currency, chart in charts:
                enqueue(session, key=chart_key(key, currency), kind=f"{ON_DEMAND}-chart",
                        recipient=user, message=chart, now=now,
                        priority=PRIORITY_DIRECT)  # fmt: skip
    return build_weekly_report_blocks(report, footer=MANAGER_ELSEWHERE_FOOTER)
