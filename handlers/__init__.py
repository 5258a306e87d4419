"""Slack listeners: one module per surface, each with `register(app)`, all wired here."""

from slack_bolt import App


def register_all(app: App) -> None:
    """Register every surface on the one app."""
    from handlers import (
        actions,
        edit_form,
        home,
        last_chance,
        lead,
        lead_form,
        lost_form,
        managers,
        pipeline,
        qualify_form,
        settings,
        shortcuts,
        touch,
        touch_form,
        workspace,
    )

    # Bolt tries listeners in the order they were registered: /touch, the busiest, goes first.
    surfaces = (
        touch, lead, pipeline, lead_form, edit_form, touch_form, qualify_form, lost_form,
        last_chance,
    )  # fmt: skip
    for surface in (*surfaces, shortcuts, home, settings, actions, managers, workspace):
        surface.register(app)
