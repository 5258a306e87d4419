"""Why a lead was lost, in categories a win rate can use beside the free-text reason. Pure."""

from __future__ import annotations

UNQUALIFIED = "unqualified"
LOST_CATEGORIES = (UNQUALIFIED, "competitor", "no_budget", "no_decision", "timing", "other")


def lost_category_for(reason: str | None) -> str:
    """The category of a loss recorded with only a reason: unqualified when the reason says so, else other."""
    return UNQUALIFIED if reason and UNQUALIFIED in reason.lower() else "other"


def lost_category(category: str | None, reason: str | None) -> str:
    """The stored category when there is a known one, else the one the reason implies."""
    return category if category in LOST_CATEGORIES else lost_category_for(reason)
