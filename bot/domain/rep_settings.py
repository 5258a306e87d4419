"""What a rep decides for themselves in My settings: when and on which days, away, and muted DMs. Pure.

`pipeline.toml`'s `[reps.*]` stay the admin's defaults; a rep's own choice wins over them, and the
team's `[schedule]` applies where neither says anything.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

# The DMs a rep may mute, with the words My settings shows. The morning plan is never muted:
# it is the one message the rhythm rests on; nudges a manager sends by hand are not muted either.
MUTABLE_DMS: dict[str, str] = {
    "overdue-followups": "Afternoon overdue follow-ups",
    "stale-nudges": "Stale-deal nudges",
    "speed-to-lead": "Speed-to-lead reminders",
    "pipeline-cleanup": "End-of-week clean-up",
    "assigned": "A lead handed to you",
}


def muted_kinds(stored: str | None) -> frozenset[str]:
    """The DM kinds a rep muted, from the stored comma list (unknown words are ignored)."""
    words = (word.strip() for word in (stored or "").split(","))
    return frozenset(word for word in words if word in MUTABLE_DMS)


def stored_mutes(kinds: Iterable[str]) -> str | None:
    """The comma list to store for these muted kinds (None when nothing is muted)."""
    kept = sorted(set(kinds) & MUTABLE_DMS.keys())
    return ",".join(kept) or None


def is_away(back_on: date | None, today: date) -> bool:
    """Away on `today`: a return date is set and has not come yet."""
    return back_on is not None and today < back_on
