"""Keep what a user sees in step after they change something."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.deps import Deps


def refresh_home(deps: Deps, client: WebClient, *, user_id: str) -> None:
    """Republish the user's App Home after a change they made (wired by the App Home surface)."""
