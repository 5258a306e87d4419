"""My settings: the line in the App Home and the modal a rep changes them in. Pure."""

from __future__ import annotations

from datetime import date
from typing import Any

from slack_sdk.models.blocks import (
    ButtonElement,
    CheckboxesElement,
    ContextBlock,
    DatePickerElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    SectionBlock,
    TimePickerElement,
    UserSelectElement,
)
from slack_sdk.models.views import View as ViewModel

from bot.domain.rep_settings import (
    MUTABLE_DMS,
    WEEKDAY_KEYS,
    WEEKDAY_LABELS,
    MySettings,
    is_away,
)
from bot.slack import format as fmt
from bot.slack.ids import Action, View
from bot.slack.kit import SECTION_TEXT_MAX
from bot.slack.modal_forms import Block, ModalMeta
from bot.slack.mrkdwn import mention, truncate

_DAY_LABEL = dict(zip(WEEKDAY_KEYS, WEEKDAY_LABELS, strict=True))


def days_label(days: tuple[str, ...]) -> str:
    """`Mon–Fri`, `Sun–Thu`, or a list like `Mon, Wed, Fri`."""
    indexes = [WEEKDAY_KEYS.index(day) for day in days]
    if len(indexes) > 2 and all(b - a == 1 for a, b in zip(indexes, indexes[1:], strict=False)):
        return f"{_DAY_LABEL[days[0]]}–{_DAY_LABEL[days[-1]]}"
    if days == ("sun", "mon", "tue", "wed", "thu"):
        return "Sun–Thu"
    return ", ".join(_DAY_LABEL[day] for day in days)


def settings_summary(settings: MySettings, *, today: date) -> str:
    """One mrkdwn line: plan time, days, away, and what is muted."""
    parts = [
        f"Morning plan at {settings.plan_time:%H:%M}",
        days_label(settings.working_days),
    ]
    if is_away(settings.away_until, today):
        away = f":palm_tree: away, back {fmt.day(settings.away_until, today=today)}"
        if settings.delegate:
            away += f" ({mention(settings.delegate)} covers)"
        parts.append(away)
    muted = [MUTABLE_DMS[kind].lower() for kind in sorted(settings.muted)]
    parts.append(f"muted: {', '.join(muted)}" if muted else "all DMs on")
    return "*My settings* · " + " · ".join(parts)


def settings_block(settings: MySettings, *, today: date) -> SectionBlock:
    """The App Home's My settings line, with the button that opens them."""
    return SectionBlock(
        block_id="home_my_settings",
        text=MarkdownTextObject(text=truncate(settings_summary(settings, today=today), 3000)),
        accessory=ButtonElement(
            text="My settings",
            action_id=Action.MY_SETTINGS,
            value="open",
            accessibility_label="Change my morning plan time, working days, away dates and muted DMs",
        ),
    )


def _option(key: str, label: str) -> Option:
    return Option(text=label, value=key)


def build_my_settings_modal(
    settings: MySettings, *, defaults: str, today: date, meta: ModalMeta
) -> dict[str, Any]:
    """My settings: plan time, working days, back-from-away date and who covers, muted DMs."""
    days = [_option(key, label) for key, label in zip(WEEKDAY_KEYS, WEEKDAY_LABELS, strict=True)]
    mutes = [_option(kind, label) for kind, label in MUTABLE_DMS.items()]
    away = settings.away_until if is_away(settings.away_until, today) else None
    blocks: list[Any] = [
        ContextBlock(
            block_id="defaults",
            elements=[MarkdownTextObject(text=truncate(defaults, SECTION_TEXT_MAX))],
        ),
        InputBlock(
            block_id=Block.PLAN_TIME,
            label="Morning plan at",
            hint="In your own timezone, on your working days.",
            element=TimePickerElement(
                action_id=Block.PLAN_TIME, initial_time=f"{settings.plan_time:%H:%M}"
            ),
        ),
        InputBlock(
            block_id=Block.WORKING_DAYS,
            label="Working days",
            hint="Your DMs come on these days; dates like 3d count them.",
            element=CheckboxesElement(
                action_id=Block.WORKING_DAYS,
                options=days,
                initial_options=[o for o in days if o.value in settings.working_days] or None,
            ),
        ),
        InputBlock(
            block_id=Block.AWAY_UNTIL,
            label="Away — back on",
            optional=True,
            hint="Until then: no DMs, no new leads handed to you, and managers see you as away.",
            element=DatePickerElement(
                action_id=Block.AWAY_UNTIL,
                initial_date=away.isoformat() if away else None,
                placeholder="Not away",
            ),
        ),
        InputBlock(
            block_id=Block.DELEGATE,
            label="While you are away, who covers?",
            optional=True,
            hint="They get your speed-to-lead DMs and may work your leads meanwhile.",
            element=UserSelectElement(
                action_id=Block.DELEGATE,
                initial_user=settings.delegate if away and settings.delegate else None,
                placeholder="Nobody",
            ),
        ),
        InputBlock(
            block_id=Block.MUTED,
            label="Mute these DMs",
            optional=True,
            hint="The morning plan always comes, and so do nudges a manager sends you.",
            element=CheckboxesElement(
                action_id=Block.MUTED,
                options=mutes,
                initial_options=[o for o in mutes if o.value in settings.muted] or None,
            ),
        ),
    ]
    view = ViewModel(
        type="modal",
        callback_id=View.MY_SETTINGS,
        title="My settings",
        submit="Save",
        close="Cancel",
        blocks=blocks,
        private_metadata=meta.encode(),
    )
    return view.to_dict()
