"""Modal views for capturing leads and touches, qualifying and drafting. Pure: data in, view dicts out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    ContextBlock,
    DatePickerElement,
    DateTimePickerElement,
    EmailInputElement,
    ExternalDataSelectElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View as ViewModel

from bot.domain.lost import CATEGORY_LABELS, LostCategory
from bot.domain.parsing import CURRENCIES, TOUCH_KINDS, StageRef
from bot.domain.parsing.lead import (
    MAX_COMPANY_LENGTH,
    MAX_CONTACT_LENGTH,
    MAX_EMAIL_LENGTH,
    MAX_PHONE_LENGTH,
    MAX_SOURCE_LENGTH,
)
from bot.domain.parsing.touch import DEFAULT_KIND
from bot.domain.qualification import CHOICES, QUESTIONS, normalize_answers, verdict
from bot.services.records import LeadView
from bot.slack import format as fmt
from bot.slack.ids import Action, View
from bot.slack.kit import MODAL_TITLE_MAX, OPTION_TEXT_MAX, SECTION_TEXT_MAX, SlackMessage
from bot.slack.modal_forms import UNQUALIFIED, ModalMeta, question_block
from bot.slack.modal_forms import Block as Field
from bot.slack.mrkdwn import escape, link, truncate
from bot.slack.render import render

NOTE_MAX = SECTION_TEXT_MAX
DUPLICATES_SHOWN = 5
DEFAULT_CURRENCY = "USD"
TEXT_MAX = SECTION_TEXT_MAX

NO_META = ModalMeta()
_KIND_LABELS = {"linkedin": "LinkedIn", "demo": "Demo", "email": "Email"}


def _plain(text: str, limit: int = TEXT_MAX) -> PlainTextObject:
    """User text shown as plain text (no mentions, no links), cut to Slack's limit."""
    return PlainTextObject(text=_clip(text, limit) or " ", emoji=False)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _option(text: str, value: str) -> Option:
    return Option(text=_plain(text, OPTION_TEXT_MAX), value=value)


def _mrkdwn(text: str, *, block_id: str | None = None) -> SectionBlock:
    return SectionBlock(block_id=block_id, text=MarkdownTextObject(text=truncate(text, TEXT_MAX)))


def _modal(
    *, callback_id: str, title: str, blocks: Sequence[Block | dict[str, Any]], meta: ModalMeta,
    submit: str | None,
    close: str = "Cancel",
) -> dict[str, Any]:  # fmt: skip
    view = ViewModel(
        type="modal",
        callback_id=callback_id,
        title=title[:MODAL_TITLE_MAX],
        submit=submit and submit[:MODAL_TITLE_MAX],
        close=close[:MODAL_TITLE_MAX],
        blocks=list(blocks),
        private_metadata=meta.encode(),
    )
    return view.to_dict()


def _text_input(
    field: Field, label: str, *, limit: int, initial: object = None, multiline: bool = False,
    optional: bool = True, placeholder: str | None = None, hint: str | None = None,
) -> InputBlock:  # fmt: skip
    value = _clip(str(initial), limit) if initial else None
    return InputBlock(
        block_id=field,
        label=label,
        optional=optional,
        hint=hint,
        element=PlainTextInputElement(
            action_id=field,
            initial_value=value,
            multiline=multiline or None,
            max_length=limit,
            placeholder=placeholder,
        ),
    )


def lead_option(lead: LeadView) -> Option:
    """A lead in a picker: `#42 Acme Corp · $12.5k`, its id as the value."""
    worth = f" · {fmt.short_money(lead.value, lead.currency)}" if lead.value is not None else ""
    room = OPTION_TEXT_MAX - len(f"#{lead.id} ") - len(worth)
    return _option(f"#{lead.id} {_clip(lead.company, max(room, 10))}{worth}", str(lead.id))


def build_lead_options(leads: Sequence[LeadView]) -> list[dict[str, Any]]:
    """The options an external select shows for a type-ahead query (at most 100)."""
    return [lead_option(lead).to_dict("block") for lead in leads[:100]]


def build_new_lead_modal(
    *,
    stages: Sequence[StageRef],
    owner_id: str,
    prefill: Mapping[str, Any] | None = None,
    meta: ModalMeta = NO_META,
    duplicates: Sequence[LeadView] = (),
) -> dict[str, Any]:
    """The New lead form; with `duplicates` it warns on top and its submit button says "Create anyway"."""
    given = dict(prefill or {})
    blocks: list[Block] = []
    if duplicates:
        warning = render(
            "modal_duplicates.md.j2",
            company=str(given.get("company") or duplicates[0].company),
            leads=duplicates[:DUPLICATES_SHOWN],
            total=len(duplicates),
            stage_names={stage.key: stage.name for stage in stages},
        )
        blocks.append(_mrkdwn(warning, block_id="duplicates"))
    blocks += lead_field_blocks(stages, owner_id=owner_id, given=given, with_note=True)
    return _modal(
        callback_id=View.NEW_LEAD,
        title="New lead",
        submit="Create anyway" if duplicates else "Create",
        blocks=blocks,
        meta=meta,
    )


def lead_field_blocks(
    stages: Sequence[StageRef], *, owner_id: str, given: Mapping[str, Any], with_note: bool
) -> list[Block]:
    """Every field of a lead as form inputs, filled with `given`: New lead's and Edit lead's."""
    blocks: list[Block] = []
    blocks += [
        _text_input(Field.COMPANY, "Company", limit=MAX_COMPANY_LENGTH, initial=given.get("company"), optional=False),
        _text_input(Field.CONTACT, "Contact name", limit=MAX_CONTACT_LENGTH, initial=given.get("contact")),
        InputBlock(
            block_id=Field.EMAIL, label="Email", optional=True,
            element=EmailInputElement(action_id=Field.EMAIL, initial_value=_clip_or_none(given.get("email"), MAX_EMAIL_LENGTH)),
        ),
        _text_input(Field.PHONE, "Phone", limit=MAX_PHONE_LENGTH, initial=given.get("phone")),
        _text_input(
            Field.VALUE, "Value", limit=40, initial=given.get("value"),
            placeholder="12,500 or 12.5k", hint="A sign or code typed here (€5k, 5000 EUR) wins over the currency below.",
        ),
        _currency_input(str(given.get("currency") or DEFAULT_CURRENCY)),
        _text_input(Field.SOURCE, "Source", limit=MAX_SOURCE_LENGTH, initial=given.get("source"), placeholder="webinar, referral, inbound…"),
        InputBlock(
            block_id=Field.OWNER, label="Owner", optional=False,
            element=UserSelectElement(action_id=Field.OWNER, initial_user=str(given.get("owner_id") or owner_id)),
        ),
        _stage_input(stages, given.get("stage")),
        _date_input(Field.NEXT_FOLLOW_UP, "Next follow-up", given.get("next_follow_up")),
        _date_input(Field.EXPECTED_CLOSE, "Expected close date", given.get("expected_close")),
        _text_input(Field.NOTE, "Note", limit=NOTE_MAX, initial=given.get("note"), multiline=True),
    ]  # fmt: skip
    if not with_note:
        blocks = [block for block in blocks if block.block_id != Field.NOTE]
    return blocks


def build_edit_lead_modal(
    lead: LeadView, *, stages: Sequence[StageRef], meta: ModalMeta
) -> dict[str, Any]:
    """Edit lead: every field, filled with what the lead says now; each change goes in its history."""
    given = {
        "company": lead.company,
        "contact": lead.contact,
        "email": lead.email,
        "phone": lead.phone,
        "value": f"{lead.value:f}" if lead.value is not None else None,
        "currency": lead.currency,
        "source": lead.source,
        "owner_id": lead.owner_id,
        "stage": lead.stage,
        "next_follow_up": lead.next_follow_up,
        "expected_close": lead.expected_close,
    }
    header = _mrkdwn(
        f"Editing *#{lead.id} {escape(_clip(lead.company, 80))}*. Each change is kept in its "
        "history, with who made it and when.",
        block_id="lead",
    )
    blocks = [
        header,
        *lead_field_blocks(stages, owner_id=lead.owner_id, given=given, with_note=False),
    ]
    return _modal(
        callback_id=View.EDIT_LEAD, title="Edit lead", submit="Save", blocks=blocks, meta=meta
    )


def build_confirm_won_modal(lead: LeadView, *, meta: ModalMeta) -> dict[str, Any]:
    """Asked before a lead is marked won from a menu (a menu option cannot carry a confirm dialog)."""
    worth = f" ({fmt.short_money(lead.value, lead.currency)})" if lead.value is not None else ""
    text = (
        f"Mark *#{lead.id} {escape(_clip(lead.company, 80))}*{worth} won? It closes the lead and "
        "counts toward the win rate; `/lead reopen` brings it back if it was a slip."
    )
    return _modal(
        callback_id=View.CONFIRM_WON,
        title="Mark won",
        submit="Mark won",
        blocks=[_mrkdwn(text, block_id="confirm_won")],
        meta=meta,
    )


def _clip_or_none(value: object, limit: int) -> str | None:
    return _clip(str(value), limit) if value else None


def _currency_input(initial: str) -> InputBlock:
    codes = [DEFAULT_CURRENCY] + sorted(CURRENCIES - {DEFAULT_CURRENCY})
    options = [_option(code, code) for code in codes]
    chosen = next((option for option in options if option.value == initial), options[0])
    return InputBlock(
        block_id=Field.CURRENCY,
        label="Currency",
        element=StaticSelectElement(
            action_id=Field.CURRENCY, options=options, initial_option=chosen
        ),
    )


def _stage_input(stages: Sequence[StageRef], initial: object) -> InputBlock:
    options = [_option(stage.name, stage.key) for stage in stages[:100]]
    chosen = next((option for option in options if option.value == initial), options[0])
    return InputBlock(
        block_id=Field.STAGE,
        label="Stage",
        element=StaticSelectElement(action_id=Field.STAGE, options=options, initial_option=chosen),
    )


def _date_input(field: Field, label: str, initial: object) -> InputBlock:
    value = (
        initial.isoformat() if isinstance(initial, date) else (str(initial) if initial else None)
    )
    return InputBlock(
        block_id=field,
        label=label,
        optional=True,
        element=DatePickerElement(action_id=field, initial_date=value),
    )


def build_log_touch_modal(
    *,
    now: datetime,
    lead: LeadView | None = None,
    note: str | None = None,
    kind: str = DEFAULT_KIND,
    meta: ModalMeta = NO_META,
) -> dict[str, Any]:
    """The Log touch form: lead picker with type-ahead, kind, when, note and next follow-up."""
    blocks: list[Block] = []
    if meta.permalink:
        source = render("modal_touch_source.md.j2", source=link(meta.permalink, "a Slack message"))
        blocks.append(ContextBlock(block_id="source", elements=[MarkdownTextObject(text=source)]))
    kinds = [_option(_KIND_LABELS.get(name, name.title()), name) for name in TOUCH_KINDS]
    blocks += [
        InputBlock(
            block_id=Field.LEAD,
            label="Lead",
            element=ExternalDataSelectElement(
                action_id=Action.LEAD_SELECT,
                placeholder="Type a company or #number",
                min_query_length=1,
                initial_option=lead_option(lead) if lead else None,
            ),
        ),
        InputBlock(
            block_id=Field.KIND,
            label="Kind",
            element=StaticSelectElement(
                action_id=Field.KIND,
                options=kinds,
                initial_option=next((o for o in kinds if o.value == kind), kinds[0]),
            ),
        ),
        InputBlock(
            block_id=Field.OCCURRED_AT,
            label="When",
            element=DateTimePickerElement(
                action_id=Field.OCCURRED_AT, initial_date_time=int(now.timestamp())
            ),
        ),
        _text_input(Field.NOTE, "Note", limit=NOTE_MAX, initial=note, multiline=True),
        _date_input(Field.NEXT_FOLLOW_UP, "Next follow-up", None),
    ]
    return _modal(
        callback_id=View.LOG_TOUCH, title="Log touch", submit="Log touch", blocks=blocks, meta=meta
    )


def build_qualify_modal(
    lead: LeadView, *, answers: Mapping[str, object] | None, meta: ModalMeta
) -> dict[str, Any]:
    """The checklist: one yes/partly/no/don't-know question per row, and a way to mark it unqualified."""
    known = normalize_answers(answers)
    given = {key: value for key, value in known.items() if (answers or {}).get(key) == value}
    header = render(
        "modal_qualify_header.md.j2",
        lead=lead,
        verdict=verdict(answers) if answers else "not qualified yet",
    )
    blocks: list[Block] = [_mrkdwn(header, block_id="lead")]
    for question in QUESTIONS:
        options = [_option(choice.label, choice.key) for choice in CHOICES]
        chosen = next((o for o in options if o.value == given.get(question.key)), None)
        blocks.append(
            InputBlock(
                block_id=question_block(question.key),
                label=question.text,
                optional=True,
                element=RadioButtonsElement(
                    action_id=question_block(question.key), options=options, initial_option=chosen
                ),
            )
        )
    blocks.append(
        _date_input(
            Field.NEEDED_BY,
            "When do they need it? (sets the expected close date)",
            lead.expected_close,
        )
    )
    blocks.append(
        InputBlock(
            block_id=Field.OUTCOME,
            label="Outcome",
            optional=True,
            element=CheckboxesElement(
                action_id=Field.OUTCOME,
                options=[
                    Option(
                        value=UNQUALIFIED,
                        text=_plain("Mark unqualified: close it as lost"),
                        description=_plain("Ends the chase; the touches spent stay on record."),
                    )
                ],
            ),
        )
    )
    return _modal(
        callback_id=View.QUALIFY, title="Qualify lead", submit="Save", blocks=blocks, meta=meta
    )


def build_mark_lost_modal(lead: LeadView, *, meta: ModalMeta) -> dict[str, Any]:
    """Mark a lead lost: why, as a category the win rate can use, and in the rep's words."""
    options = [_option(CATEGORY_LABELS[category], category.value) for category in LostCategory]
    blocks: list[Block | dict[str, Any]] = [
        _mrkdwn(render("modal_mark_lost_header.md.j2", lead=lead), block_id="lead"),
        InputBlock(
            block_id=Field.LOST_CATEGORY,
            label="Why was it lost?",
            element=StaticSelectElement(
                action_id=Field.LOST_CATEGORY,
                options=options,
                initial_option=options[-1],
            ),
        ),
        _text_input(Field.REASON, "In a few words", limit=500, multiline=True),
    ]
    return _modal(
        callback_id=View.MARK_LOST, title="Mark lost", submit="Mark lost", blocks=blocks, meta=meta
    )


def build_last_chance_modal(lead: LeadView, *, subject: str, body: str) -> dict[str, Any]:
    """A read-only modal with the last-chance email's subject and body, ready to copy."""
    header = render("modal_last_chance_header.md.j2", lead=lead)
    blocks: list[Block | dict[str, Any]] = [
        _mrkdwn(header, block_id="lead"),
        SectionBlock(block_id="subject_label", text=MarkdownTextObject(text="*Subject*")),
        _preformatted("subject", subject),
        SectionBlock(block_id="body_label", text=MarkdownTextObject(text="*Body*")),
        _preformatted("body", body),
    ]
    return _modal(
        callback_id=View.LAST_CHANCE,
        title="Last-chance email",
        submit=None,
        close="Done",
        blocks=blocks,
        meta=ModalMeta(lead_id=lead.id),
    )


def _preformatted(block_id: str, text: str) -> dict[str, Any]:
    """Plain text in a code box: copyable in one go, and never read as mrkdwn."""
    return {
        "type": "rich_text",
        "block_id": block_id,
        "elements": [
            {
                "type": "rich_text_preformatted",
                "elements": [{"type": "text", "text": _clip(text, TEXT_MAX) or " "}],
            }
        ],
    }


def build_qualified_blocks(
    lead: LeadView,
    *,
    score: int,
    answered: int,
    closed: bool,
    answers: Mapping[str, object] | None = None,
    knocked_out: bool = False,
) -> SlackMessage:
    """The reply after a checklist is saved: score, verdict and confidence, or that the lead was closed."""
    text = render(
        "modal_qualified.md.j2",
        lead=lead,
        score=score,
        verdict=verdict(answers),
        knocked_out=knocked_out,
        answered=answered,
        questions=len(QUESTIONS),
        closed=closed,
    )
    return SlackMessage(text, [_mrkdwn(text, block_id=f"qualified_{lead.id}").to_dict()])
