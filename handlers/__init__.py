"""Slack listeners: one module per surface, each with `register(app)`, all wired here."""

from slack_bolt import App


def register_all(app: App) -> None:
    """Register every surface on the one app."""
    from handlers import actions, home, lead, modals, pipeline, shortcuts, touch

    for surface in (lead, touch, pipeline, modals, shortcuts, home, actions):
        surface.register(app)
