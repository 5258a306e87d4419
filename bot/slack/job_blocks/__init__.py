"""Block Kit builders for the messages the jobs send. Pure: facts in, text and block dicts out."""

from bot.slack.job_blocks.cleanup import build_cleanup_blocks, render_last_chance_email
from bot.slack.job_blocks.common import MAX_BLOCKS, JobMessage
from bot.slack.job_blocks.nudges import (
    build_speed_managers_blocks,
    build_speed_owner_blocks,
    build_stale_nudge_blocks,
)
from bot.slack.job_blocks.plan import build_morning_plan_blocks, build_overdue_blocks, plan_lead_ids

__all__ = [
    "MAX_BLOCKS",
    "JobMessage",
    "build_cleanup_blocks",
    "build_morning_plan_blocks",
    "build_overdue_blocks",
    "build_speed_managers_blocks",
    "build_speed_owner_blocks",
    "build_stale_nudge_blocks",
    "plan_lead_ids",
    "render_last_chance_email",
]
