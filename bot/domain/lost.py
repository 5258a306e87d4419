"""Why a lead was lost, in categories a win rate can use beside the free-text reason. Pure."""

from __future__ import annotations

from enum import StrEnum


class LostCategory(StrEnum):
    """What kind of loss it was (METRICS §0); `unqualified` is set by Mark unqualified."""

    UNQUALIFIED = "unqualified"
    COMPETITOR = "competitor"
    NO_BUDGET = "no_budget"
    NO_DECISION = "no_decision"
    TIMING = "timing"
    OTHER = "other"


UNQUALIFIED = LostCategory.UNQUALIFIED.value
LOST_CATEGORIES = tuple(category.value for category in LostCategory)
# What people type for each category (`/lead lost acme competitor went with Initech`).
CATEGORY_WORDS: dict[str, LostCategory] = {
    "unqualified": LostCategory.UNQUALIFIED,
    "competitor": LostCategory.COMPETITOR,
    "no_budget": LostCategory.NO_BUDGET,
    "no-budget": LostCategory.NO_BUDGET,
    "no_decision": LostCategory.NO_DECISION,
    "no-decision": LostCategory.NO_DECISION,
    "nodecision": LostCategory.NO_DECISION,
    "timing": LostCategory.TIMING,
    "other": LostCategory.OTHER,
}
CATEGORY_LABELS: dict[LostCategory, str] = {
    LostCategory.UNQUALIFIED: "Unqualified",
    LostCategory.COMPETITOR: "Went with a competitor",
    LostCategory.NO_BUDGET: "No budget",
    LostCategory.NO_DECISION: "No decision",
    LostCategory.TIMING: "Bad timing",
    LostCategory.OTHER: "Other",
}


def lost_category_for(reason: str | None) -> str:
    """The category of a loss recorded with only a reason: unqualified when the reason says so, else other."""
    return UNQUALIFIED if reason and UNQUALIFIED in reason.lower() else LostCategory.OTHER.value


def lost_category(category: str | None, reason: str | None) -> str:
    """The stored category when there is a known one, else the one the reason implies."""
    return category if category in LOST_CATEGORIES else lost_category_for(reason)
