"""owed-replies: apologise for slash commands a restart left unanswered.

A command is recorded before its ack and forgotten once answered. A record older than a few
minutes means the process died in between: its user is told, once, through the command's
response_url while it still works (30 minutes), else by DM.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.services.accepted import Owed, claim_owed
from bot.slack.mrkdwn import escape
from bot.slack.verify import may_reply_to
from jobs.spec import Every, JobSpec

if TYPE_CHECKING:
    from bot.deps import Deps

JOB_ID = "owed-replies"
# No listener works this long; a record this old has lost its process.
GRACE = timedelta(minutes=3)
RESPONSE_URL_LIFE = timedelta(minutes=30)
logger = logging.getLogger("pipebot.jobs")


def apology(owed: Owed) -> str:
    """What the user is told: what was interrupted, and how to check before running it again."""
    shown = escape(f"{owed.command} {owed.text}".strip()[:200])
    return (
        f"pipebot restarted while it was working on your `{shown}` "
        f"(at {owed.received_at:%H:%M} UTC), so you never got an answer. It may not have gone "
        "through: check with `/lead list` (or `/lead show`), and run it again if it's missing."
    )


def _tell(deps: Deps, owed: Owed, now: datetime) -> bool:
    text = apology(owed)
    url = owed.response_url
    if (
        url
        and now - owed.received_at < RESPONSE_URL_LIFE
        and may_reply_to(url, api_url=deps.config.settings.slack_api_url)
    ):
        response = WebhookClient(url, timeout=10).send(
            text=text, response_type="ephemeral", replace_original=False
        )
        if response.status_code == 200:
            return True
    if deps.slack is None:
        return False
    try:
        deps.slack.chat_postMessage(channel=owed.user_id, text=text)
        return True
    except SlackApiError as exc:
        logger.warning("%s: could not tell %s: %s", JOB_ID, owed.user_id, exc.response.get("error"))
        return False


def run(deps: Deps, now: datetime) -> int:
    """Tell the user of every command left unanswered; returns 0 (nothing goes through the outbox)."""
    with deps.session_factory.begin() as session:
        owed = claim_owed(session, received_before=now - GRACE)
    told = sum(_tell(deps, item, now) for item in owed)
    if owed:
        logger.warning(
            "%s: %d unanswered command(s) found, %d user(s) told", JOB_ID, len(owed), told
        )
    return 0


JOB = JobSpec(JOB_ID, Every(1, second=45), "tell users whose command a restart interrupted", run)
