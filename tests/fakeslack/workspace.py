"""State of the fake workspace: conversations, messages, views, triggers, uploads and response URLs."""

import copy
import itertools
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .blockkit import message_problem
from .directory import Directory
from .ratelimit import Clock

MESSAGE_FIELDS = (
    "text",
    "blocks",
    "attachments",
    "metadata",
    "thread_ts",
    "reply_broadcast",
    "markdown_text",
)
RESPONSE_URL_MAX_USES = 5


class ApiError(Exception):
    """A refusal Slack answers with HTTP 200, ok:false and this error code."""

    def __init__(self, error: str, detail: str | None = None) -> None:
        """Keep the error code and, for argument errors, the explanation Slack puts in response_metadata."""
        super().__init__(error if detail is None else f"{error}: {detail}")
        self.error = error
        self.detail = detail


@dataclass
class Upload:
    """A file announced by files.getUploadURLExternal, then uploaded and completed."""

    file_id: str
    filename: str
    length: int
    content: bytes | None = None
    title: str | None = None
    channel_id: str | None = None
    initial_comment: str | None = None
    thread_ts: str | None = None
    completed: bool = False
    # Unix seconds on the wall clock when files.completeUploadExternal finished it.
    created: int | None = None


@dataclass
class ResponseUrl:
    """A response_url, the conversation it answers in and how often it was used."""

    channel_id: str | None
    user_id: str | None
    message_ts: str | None
    uses: int = 0


class Workspace:
    """Everything the fake remembers; callers serialise access with the fake's lock."""

    def __init__(
        self,
        *,
        team_id: str,
        bot_user_id: str,
        bot_id: str,
        app_id: str,
        clock: Clock,
        wall_clock: Clock,
        trigger_ttl: float | None,
    ) -> None:
        """Start with an empty directory that already knows the bot user."""
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.app_id = app_id
        self.clock = clock
        self.wall_clock = wall_clock
        self.trigger_ttl = trigger_ttl
        self.origin = ""
        self.socket_mode_url: Callable[[], str] | None = None
        self.directory = Directory(team_id)
        self.directory.add(bot_user_id, name="pipebot", real_name="Pipebot", is_bot=True)
        self.messages: dict[str, list[dict[str, Any]]] = {}
        self.ephemerals: list[dict[str, Any]] = []
        self.views: dict[str, dict[str, Any]] = {}
        self.opened: list[str] = []
        self.homes: dict[str, str] = {}
        self.triggers: dict[str, float | None] = {}
        self.uploads: dict[str, Upload] = {}
        self.response_urls: dict[str, ResponseUrl] = {}
        self.group_dms: dict[frozenset[str], str] = {}
        # Channels (C…/G…) the bot is not a member of; it is in every other one.
        self.outside: set[str] = set()
        # User groups (S…) by id: their member ids, as usergroups.users.list answers.
        self.usergroups: dict[str, list[str]] = {}
        self._serial = itertools.count(1)
        self._last_ts_us = 0

    def now(self) -> datetime:
        """The wall-clock instant the fake believes it is."""
        return datetime.fromtimestamp(self.wall_clock(), UTC)

    def next_ts(self) -> str:
        """A message ts from the wall clock, strictly greater than every ts issued before."""
        self._last_ts_us = max(int(self.wall_clock() * 1_000_000), self._last_ts_us + 1)
        seconds, micros = divmod(self._last_ts_us, 1_000_000)
        return f"{seconds}.{micros:06d}"

    def new_id(self, prefix: str) -> str:
        """A fresh Slack-looking id such as V0000000A."""
        return f"{prefix}{next(self._serial):08X}"

    def dm_channel(self, user_id: str) -> str:
        """The stable DM channel id between the bot and a known user."""
        if user_id not in self.directory:
            raise ApiError("user_not_found")
        return "D" + user_id

    def resolve_channel(self, channel: Any, *, allow_user: bool = True) -> str:
        """The conversation a channel argument names; user ids mean their DM when allowed."""
        if not isinstance(channel, str) or not channel:
            raise ApiError("channel_not_found")
        if allow_user and channel[0] in "UW" and channel in self.directory:
            return self.dm_channel(channel)
        if channel[0] == "D" and channel[1:] in self.directory:
            return channel
        if channel[0] in "CG" and channel[1:].isalnum():
            return channel
        raise ApiError("channel_not_found")

    def require_member(self, channel: str) -> None:
        """Refuse to post in or read a channel the bot was taken out of, as Slack does."""
        if channel in self.outside:
            raise ApiError("not_in_channel")

    def find_message(self, channel: str, ts: Any) -> dict[str, Any]:
        """The stored message at channel+ts; raises message_not_found."""
        for message in self.messages.get(channel, []):
            if message["ts"] == ts:
                return message
        raise ApiError("message_not_found")

    def post(self, channel: str, fields: Mapping[str, Any], **extra: Any) -> dict[str, Any]:
        """Store a bot message in a channel and return it."""
        message: dict[str, Any] = {
            "user": self.bot_user_id,
            "type": "message",
            "ts": self.next_ts(),
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "text": fields.get("text") or "",
            "team": self.team_id,
        }
        message.update(
            {k: copy.deepcopy(fields[k]) for k in MESSAGE_FIELDS if k in fields and k != "text"}
        )
        message.update(extra)
        self.messages.setdefault(channel, []).append(message)
        return message

    def edit(self, message: dict[str, Any], fields: Mapping[str, Any]) -> None:
        """Apply chat.update-style changes to a stored message."""
        for key in ("text", "blocks", "attachments", "metadata"):
            if key in fields:
                message[key] = copy.deepcopy(fields[key])
        message["edited"] = {"user": self.bot_user_id, "ts": self.next_ts()}

    def remove(self, channel: str, ts: str) -> None:
        """Delete a stored message."""
        message = self.find_message(channel, ts)
        self.messages[channel].remove(message)

    def add_ephemeral(self, channel: str, user: str, fields: Mapping[str, Any], source: str) -> str:
        """Remember a message only `user` sees and return its ts."""
        ts = self.next_ts()
        entry = {"channel": channel, "user": user, "ts": ts, "source": source}
        entry.update({key: copy.deepcopy(value) for key, value in fields.items()})
        self.ephemerals.append(entry)
        return ts

    def issue_trigger(self) -> str:
        """A trigger_id as Slack puts in interaction payloads, valid once within the TTL."""
        trigger_id = f"{next(self._serial)}.{self.team_id[1:]}.{secrets.token_hex(16)}"
        self.triggers[trigger_id] = self.clock()
        return trigger_id

    def exchange_trigger(self, trigger_id: Any) -> None:
        """Use a trigger_id up: invalid, exchanged (second use) or expired are refused."""
        if trigger_id not in self.triggers:
            raise ApiError("invalid_trigger_id")
        issued = self.triggers[trigger_id]
        if issued is None:
            raise ApiError("exchanged_trigger_id")
        self.triggers[trigger_id] = None
        if self.trigger_ttl is not None and self.clock() - issued > self.trigger_ttl:
            raise ApiError("expired_trigger_id")

    def store_view(
        self, view: Mapping[str, Any], *, existing: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """Save a view as Slack echoes it back (id, hash, state, root) and return the copy."""
        view_id = existing["id"] if existing else self.new_id("V")
        stored: dict[str, Any] = {
            "id": view_id,
            "team_id": self.team_id,
            "type": view.get("type"),
            "blocks": [],
            "private_metadata": "",
            "callback_id": "",
            "state": {"values": {}},
            "hash": f"{int(self.wall_clock())}.{secrets.token_urlsafe(6)}",
            "title": None,
            "clear_on_close": False,
            "notify_on_close": False,
            "close": None,
            "submit": None,
            "previous_view_id": existing.get("previous_view_id") if existing else None,
            "root_view_id": existing["root_view_id"] if existing else view_id,
            "app_id": self.app_id,
            "external_id": "",
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }
        stored.update({key: copy.deepcopy(value) for key, value in view.items() if key in stored})
        self.views[view_id] = stored
        return stored

    def find_view(self, view_id: Any, external_id: Any) -> dict[str, Any]:
        """A stored view by id or external_id; raises not_found."""
        for view in self.views.values():
            if (view_id and view["id"] == view_id) or (
                external_id and view["external_id"] == external_id
            ):
                return view
        raise ApiError("not_found")

    def new_response_url(
        self, *, channel_id: str | None, user_id: str | None, message_ts: str | None
    ) -> str:
        """A response_url served by the fake, bound to where the interaction happened."""
        key = secrets.token_urlsafe(12)
        self.response_urls[key] = ResponseUrl(channel_id, user_id, message_ts)
        return f"{self.origin}/response/{key}"

    def respond(self, key: str, payload: Any) -> tuple[int, str]:
        """Apply a response_url POST the way Slack does; returns (HTTP status, body text)."""
        bound = self.response_urls.get(key)
        if bound is None:
            return 404, "no_service"
        if bound.uses >= RESPONSE_URL_MAX_USES:
            return 404, "used_url"
        bound.uses += 1
        if not isinstance(payload, dict):
            return 400, "invalid_payload"
        if payload.get("delete_original"):
            if bound.channel_id and bound.message_ts:
                try:
                    self.remove(bound.channel_id, bound.message_ts)
                except ApiError:
                    return 404, "message_not_found"
            return 200, "ok"
        problem = message_problem(payload)
        if problem:
            return 400, problem.error
        if payload.get("replace_original") and bound.channel_id and bound.message_ts:
            try:
                self.edit(self.find_message(bound.channel_id, bound.message_ts), payload)
                return 200, "ok"
            except ApiError:
                pass
        if payload.get("response_type") == "in_channel" and bound.channel_id:
            self.post(bound.channel_id, payload)
        else:
            fields = {
                k: v for k, v in payload.items() if k in MESSAGE_FIELDS or k == "replace_original"
            }
            self.add_ephemeral(bound.channel_id or "", bound.user_id or "", fields, "response_url")
        return 200, "ok"

    def receive_upload(self, file_id: str, content: bytes) -> tuple[int, str]:
        """Store bytes POSTed to an upload_url; returns (HTTP status, body text)."""
        upload = self.uploads.get(file_id)
        if upload is None or upload.completed:
            return 404, "not_found"
        upload.content = content
        return 200, f"OK - {len(content)}"
