"""Finding a notification already in Slack: a message by its metadata, a file by its name.

chat.postMessage has no idempotency key, so every post carries
`{"event_type": "pipebot_notification", "event_payload": {"id": …, "key": …}}` and, before a post
whose earlier attempt may have landed is repeated, the conversation's recent history is searched
for it (`conversations.history` with `include_all_metadata`). A file carries its key in its name
(`bot.slack.uploads.upload_name`), and the conversation's files since the attempt are searched for
that name (`files.list`, which needs the `files:read` scope).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient

from bot.slack.uploads import FILE, is_file, upload_name

EVENT_TYPE = "pipebot_notification"
HISTORY_PAGE_SIZE = 200
HISTORY_MAX_PAGES = 10
FILES_PAGE_SIZE = 100
# Slack stamps `ts` with its own clock; look a little further back than our record says.
CLOCK_MARGIN = timedelta(minutes=5)


class Inconclusive(Exception):
    """The history since the attempt is too long to search, so delivery can be neither confirmed nor ruled out."""


def message_metadata(notification_id: int, key: str) -> dict[str, Any]:
    """The metadata every notification is posted with."""
    return {"event_type": EVENT_TYPE, "event_payload": {"id": notification_id, "key": key}}


def is_user_id(recipient: str) -> bool:
    """True for a user (a DM recipient), False for a conversation id."""
    return recipient[:1] in ("U", "W")


def conversation_for(client: WebClient, recipient: str, known: str | None) -> str:
    """The conversation a recipient's messages land in.

    A DM's id is learnt from the first post's response; only a DM whose post never got an answer
    needs `conversations.open` (Tier 3), which is why it is called here and never when sending.
    """
    if known:
        return known
    if not is_user_id(recipient):
        return recipient
    response = client.conversations_open(users=recipient)
    return str(response["channel"]["id"])


def _matches(message: dict[str, Any], notification_id: int, key: str) -> bool:
    metadata = message.get("metadata") or {}
    if metadata.get("event_type") != EVENT_TYPE:
        return False
    payload = metadata.get("event_payload") or {}
    return str(payload.get("id")) == str(notification_id) and payload.get("key") == key


def find_posted(
    client: WebClient, *, channel: str, notification_id: int, key: str, since: datetime
) -> str | None:
    """The `ts` of the message posted for this notification since `since`, or None when there is none."""
    oldest = f"{(since - CLOCK_MARGIN).timestamp():.6f}"
    latest: str | None = None
    cursor: str | None = None
    for _ in range(HISTORY_MAX_PAGES):
        arguments: dict[str, Any] = {
            "channel": channel,
            "oldest": oldest,
            "limit": HISTORY_PAGE_SIZE,
            "include_all_metadata": True,
        }
        if cursor:
            arguments["cursor"] = cursor
        elif latest:
            arguments["latest"] = latest
        response = client.conversations_history(**arguments)
        messages: list[dict[str, Any]] = response.get("messages") or []
        for message in messages:
            if _matches(message, notification_id, key):
                return str(message["ts"])
        if not response.get("has_more") or not messages:
            return None
        cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
        latest = str(messages[-1]["ts"])
    raise Inconclusive(
        f"more than {HISTORY_MAX_PAGES * HISTORY_PAGE_SIZE} messages since the attempt"
    )


def find_uploaded(client: WebClient, *, channel: str, name: str, since: datetime) -> str | None:
    """The id of the file shared in `channel` under `name` since `since`, or None when there is none."""
    ts_from = str(int((since - CLOCK_MARGIN).timestamp()))
    for page in range(1, HISTORY_MAX_PAGES + 1):
        response = client.files_list(
            channel=channel, ts_from=ts_from, count=FILES_PAGE_SIZE, page=page
        )
        files: list[dict[str, Any]] = response.get("files") or []
        for shared in files:
            if shared.get("name") == name:
                return str(shared["id"])
        paging = response.get("paging") or {}
        if not files or page >= int(paging.get("pages") or 1):
            return None
    raise Inconclusive(f"more than {HISTORY_MAX_PAGES * FILES_PAGE_SIZE} files since the attempt")


def find_delivered(
    client: WebClient,
    *,
    channel: str,
    notification_id: int,
    key: str,
    payload: Mapping[str, Any],
    since: datetime,
) -> str | None:
    """Whether an earlier attempt reached `channel`: the message's `ts` or the file's id, else None."""
    if is_file(payload):
        name = upload_name(key, payload[FILE]["filename"])
        return find_uploaded(client, channel=channel, name=name, since=since)
    return find_posted(
        client, channel=channel, notification_id=notification_id, key=key, since=since
    )
