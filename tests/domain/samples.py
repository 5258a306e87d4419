"""Shared inputs for the parsing tests."""

from datetime import date

from bot.domain.parsing import StageRef

# A Friday, so weekday arithmetic around "today" is exercised.
FRIDAY = date(2026, 3, 6)

STAGES = (
    StageRef(key="prospecting", name="Prospecting"),
    StageRef(key="qualification", name="Qualification"),
    StageRef(key="connecting", name="Connecting"),
    StageRef(key="proposal", name="Proposal / negotiation"),
    StageRef(key="closing", name="Closing"),
)
