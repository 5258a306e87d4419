"""Answering a user privately where they are, and reading a message's permalink, without failing."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack.kit import SlackMessage

logger = logging.getLogger(__name__)


def tell(client: WebClient, *, user_id: str, channel_id: str | None, message: SlackMessage) -> None:
    """Answer privately where a form came from: ephemeral in a channel, else in the user's DM."""
    if channel_id and channel_id[0] in "CG":
        try:
            client.chat_postEphemeral(channel=channel_id, user=user_id, **message.payload())
            return
        except SlackApiError as exc:  # not in that channel: the DM always works
            logger.info("ephemeral reply in %s failed: %s", channel_id, exc.response.get("error"))
    client.chat_postMessage(channel=user_id, **message.payload())


def permalink_of(client: WebClient, channel_id: str | None, message_ts: str | None) -> str | None:
    """The message's permalink, or None when Slack won't say (deleted, or a channel we can't see)."""
    if not channel_id or not message_ts:
        return None
    try:
        return client.chat_getPermalink(channel=channel_id, message_ts=message_ts)["permalink"]
    except SlackApiError as exc:
        logger.info("chat.getPermalink failed: %s", exc.response.get("error"))
        return None
