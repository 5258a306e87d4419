"""Placeholder for the pipeline surface; filled in by its own change."""

from slack_bolt import App


def register(app: App) -> None:
    """Nothing to register yet."""
