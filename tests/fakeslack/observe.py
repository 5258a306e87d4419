"""Read-only views of the fake workspace: what each user would see in Slack."""

import copy
import threading
from typing import Any

from .workspace import ApiError, Upload, Workspace


class Observations:
    """Snapshots of messages, ephemerals, views and uploads; every result is a deep copy."""

    _lock: threading.RLock
    workspace: Workspace

    def dm_channel(self, user_id: str) -> str:
        """The DM channel id the fake uses between the bot and a known user."""
        with self._lock:
            return self.workspace.dm_channel(user_id)

    def dms_to(self, user_id: str) -> list[dict[str, Any]]:
        """Messages in the bot's DM with a user, oldest first."""
        return self.channel_messages(user_id)

    def channel_messages(self, channel: str) -> list[dict[str, Any]]:
        """Messages stored in a conversation (a user id means their DM), oldest first."""
        with self._lock:
            try:
                channel_id = self.workspace.resolve_channel(channel)
            except ApiError:
                return []
            return copy.deepcopy(self.workspace.messages.get(channel_id, []))

    def message(self, channel: str, ts: str) -> dict[str, Any] | None:
        """One stored message, or None when it does not exist (any more)."""
        return next((m for m in self.channel_messages(channel) if m["ts"] == ts), None)

    def ephemerals(self, user_id: str | None = None) -> list[dict[str, Any]]:
        """Ephemeral messages (chat.postEphemeral and response_url), optionally for one user."""
        with self._lock:
            found = [
                e for e in self.workspace.ephemerals if user_id is None or e["user"] == user_id
            ]
            return copy.deepcopy(found)

    def home_view(self, user_id: str) -> dict[str, Any] | None:
        """The latest Home tab published for a user, or None."""
        with self._lock:
            view_id = self.workspace.homes.get(user_id)
            return copy.deepcopy(self.workspace.views[view_id]) if view_id else None

    def opened_views(self) -> list[dict[str, Any]]:
        """Modals opened or pushed, in order, each in its latest (possibly updated) state."""
        with self._lock:
            return copy.deepcopy([self.workspace.views[v] for v in self.workspace.opened])

    def view(self, view_id: str) -> dict[str, Any] | None:
        """A stored view by id, or None."""
        with self._lock:
            return copy.deepcopy(self.workspace.views.get(view_id))

    def uploads(self) -> list[Upload]:
        """Files announced through files.getUploadURLExternal, with their bytes once uploaded."""
        with self._lock:
            return copy.deepcopy(list(self.workspace.uploads.values()))

    def shared_files(self, channel: str) -> list[Upload]:
        """Files completed into a conversation (a user id means their DM), oldest first."""
        with self._lock:
            try:
                channel_id = self.workspace.resolve_channel(channel)
            except ApiError:
                return []
            found = [
                u
                for u in self.workspace.uploads.values()
                if u.completed and u.channel_id == channel_id
            ]
            return copy.deepcopy(found)
