"""What a rep decides for themselves in My settings: when and on which days, away, and muted DMs. Pure.

`pipeline.toml`'s `[reps.*]` stay the admin's defaults; a rep's own choice wins over them, and the
team's `[schedule]` applies where neither says anything.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, time

from bot.domain.forms import FormInvalid

_CLOCK = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")

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


WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_LABELS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_FAR_AWAY_DAYS = 366


@dataclass(frozen=True)
class MySettings:
    """A rep's settings as they apply: their own choices, else the admin's `[reps.*]`, else the team's.

    `own_*` says which of them the rep chose themselves.
    """

    plan_time: time
    working_days: tuple[str, ...]
    away_until: date | None = None
    delegate: str | None = None
    muted: frozenset[str] = frozenset()
    own_plan_time: bool = False
    own_working_days: bool = False


@dataclass(frozen=True)
class SettingsForm:
    """My settings as submitted: `HH:MM`, weekday keys, an ISO date, a user id, muted kinds."""

    plan_time: str | None
    working_days: tuple[str, ...]
    away_until: str | None
    delegate: str | None
    muted: tuple[str, ...]


@dataclass(frozen=True)
class SettingsChange:
    """What to store: None for the plan time or days means "follow the admin's defaults"."""

    plan_time: str | None
    working_days: str | None
    away_until: date | None
    delegate: str | None
    muted: str | None


def read_settings_form(
    form: SettingsForm,
    *,
    user_id: str,
    today: date,
    default_time: time,
    default_days: tuple[str, ...],
) -> SettingsChange:
    """Check My settings field by field (FormInvalid names each one to fix) and say what to store.

    A choice equal to the admin's default is stored as no choice, so a later change of the
    default reaches the rep too.
    """
    errors: dict[str, str] = {}
    plan: time | None = None
    match = _CLOCK.fullmatch(form.plan_time or "")
    if form.plan_time and not match:
        errors["plan_time"] = "Pick a time like 08:30."
    elif match:
        plan = time(int(match.group(1)), int(match.group(2)))
    days = tuple(day for day in WEEKDAY_KEYS if day in form.working_days)
    if not days:
        errors["working_days"] = "Pick at least one working day."
    away: date | None = None
    if form.away_until:
        try:
            away = date.fromisoformat(form.away_until)
        except ValueError:
            errors["away_until"] = "Pick a date from the calendar."
        else:
            if away <= today:
                errors["away_until"] = "Pick the day you are back: a date after today."
            elif (away - today).days > _FAR_AWAY_DAYS:
                errors["away_until"] = "That is more than a year away; pick a nearer date."
    delegate = form.delegate or None
    if delegate == user_id:
        errors["delegate"] = "Pick someone else to cover for you."
    elif delegate and not away:
        delegate = None  # nobody to cover for while they are here
    if errors:
        raise FormInvalid(errors)
    return SettingsChange(
        plan_time=None if plan is None or plan == default_time else f"{plan:%H:%M}",
        working_days=None if days == tuple(default_days) else ",".join(days),
        away_until=away,
        delegate=delegate,
        muted=stored_mutes(form.muted),
    )
