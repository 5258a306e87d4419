"""A job DM's lead rows are built on a fast path: they are exactly what the plain way builds.

The plain way is the one a reader would write: the line from the template's macro called by
keyword with every value worked out, the buttons and selects from slack_sdk's models. The rows
must equal it as dicts and as the JSON bytes the outbox stores, for any lead.
"""

from __future__ import annotations

from datetime import timedelta, tzinfo
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slack_sdk.models.blocks import (
    ActionsBlock,
    MarkdownTextObject,
    Option,
    SectionBlock,
    StaticSelectElement,
)

from bot.domain.rhythm import LeadFacts, StageRules, whole_days
from bot.pipeline_config import Stage
from bot.slack import format as fmt
from bot.slack.ids import Action
from bot.slack.kit import to_dicts, touched_label
from bot.slack.messages.cards import edit_button, lead_button, lost_button, open_button, won_button
from bot.slack.messages.row_buttons import SNOOZE_CHOICES, work_buttons
from bot.slack.messages.rows import WorkList, render_lead_line
from bot.slack.render import environment
from bot.stored_json import json_text
from tests.hostile import tricky_text
from tests.jobs.factories import STAGES, facts
from tests.jobs.layouts import NOW, TODAY

REASONS = (
    "overdue",
    "due_today",
    "missed_close",
    "closing",
    "going_stale",
    "stuck",
    "new",
    "no_next_step",
    "nudge",
    "cadence",
)
# A stage whose name is markup, emoji and longer than an option's text may be.
ODD = Stage(
    key="r_and_d",
    name="R&D <beta> :rocket: 🚀 " + "long " * 20,
    probability=Decimal("0.3"),
    stale_days=1,
    stuck_days=9,
)
PIPELINES = (STAGES, (*STAGES, ODD), (STAGES[0],))
# A lead may sit in a stage the pipeline no longer has: it runs on the first stage's rules.
RETIRED = "retired"
ZONES = (None, ZoneInfo("America/New_York"), ZoneInfo("Asia/Kolkata"))

companies = st.one_of(
    tricky_text(max_size=6),
    st.text(max_size=120),
    st.sampled_from(
        ["Acme & Sons", "<Acme> & co", "Café 🚀 Ünïcode  spaced\tname", "A" * 90, "&" * 60, ""]
    ),
)
moments = st.integers(min_value=-3 * 24 * 60, max_value=400 * 24 * 60).map(
    lambda minutes: NOW - timedelta(minutes=minutes)
)
days = st.one_of(
    st.none(),
    st.integers(min_value=-400, max_value=400).map(lambda n: TODAY + timedelta(days=n)),
)
amounts = st.one_of(
    st.none(),
    st.decimals(min_value=Decimal(-(10**9)), max_value=Decimal(10**9), places=2, allow_nan=False),
    st.sampled_from([Decimal("0"), Decimal("-0"), Decimal("999.5"), Decimal("12500")]),
)


@st.composite
def leads(draw: st.DrawFn, pipeline: tuple[StageRules, ...]) -> tuple[LeadFacts, StageRules]:
    """A lead and the stage rules its line is said with."""
    key = draw(st.sampled_from([*(stage.key for stage in pipeline), RETIRED]))
    stage = next((stage for stage in pipeline if stage.key == key), pipeline[0])
    created = draw(moments)
    lead = facts(
        id=draw(st.integers(min_value=1, max_value=10**9)),
        company=draw(companies),
        contact=draw(st.one_of(st.none(), st.just(""), tricky_text(max_size=4))),
        stage=key,
        value=draw(amounts),
        currency=draw(st.sampled_from(["USD", "EUR", "CHF", "JPY"])),
        created_at=created,
        stage_changed_at=draw(st.one_of(st.just(created), moments)),
        last_touch_at=draw(st.one_of(st.none(), moments)),
        next_follow_up=draw(days),
        expected_close=draw(days),
        verdict=draw(st.sampled_from([None, "strong fit", "weak fit", "not enough answers"])),
    )
    return lead, stage


def plain_line(
    lead: LeadFacts,
    stage: StageRules,
    *,
    reason: str,
    zone: tzinfo | None,
    flags: dict[str, bool],
    attempts: int = 0,
) -> str:
    """The line from the macro as Jinja calls it, by keyword, every value worked out."""
    lead_line = environment().get_template("job_lead_line.md.j2").module.lead_line
    text = lead_line(
        lead_id=lead.id,
        company=lead.company,
        value=lead.value,
        currency=lead.currency,
        contact=lead.contact,
        verdict=lead.verdict,
        stage_name=stage.name,
        next_follow_up=lead.next_follow_up,
        expected_close=lead.expected_close,
        reason=reason,
        today=TODAY,
        in_plan=flags["in_plan"],
        stale=flags["stale"],
        stuck=flags["stuck"],
        touched=touched_label(lead.last_touch_at, NOW, zone),
        came_in=fmt.age(lead.created_at, NOW, zone),
        attempts=attempts,
        untouched_days=whole_days(lead.no_touch_since(), NOW),
        in_stage_days=whole_days(lead.stage_changed_at, NOW),
        stale_after=stage.stale_days,
        stuck_after=stage.stuck_days,
    )
    return str(text).strip()


def plain_elements(
    lead_id: int, current: str, company: str | None, pipeline: tuple[StageRules, ...]
) -> list[Any]:
    """A row's buttons and selects as slack_sdk's models; without the company, only the first four."""
    snooze = StaticSelectElement(
        action_id=Action.SNOOZE,
        placeholder="Snooze",
        options=[Option(value=f"{lead_id}:{code}", label=label) for code, label in SNOOZE_CHOICES],
    )
    others = [stage for stage in pipeline if stage.key != current]
    move = StaticSelectElement(
        action_id=Action.MOVE_STAGE,
        placeholder="Move stage",
        options=[Option(value=f"{lead_id}:{stage.key}", label=stage.name[:75]) for stage in others],
    )
    elements: list[Any] = [
        lead_button(
            "Log touch", Action.LOG_TOUCH, lead_id, company, label="Log touch on", style="primary"
        ),
        snooze,
        *([move] if others else []),
        open_button(lead_id, company=company),
    ]
    if company is not None:
        elements += [
            edit_button(lead_id, company),
            won_button(lead_id, company),
            lost_button(lead_id, company),
        ]
    return elements


def plain_blocks(
    prefix: str, lead: LeadFacts, line: str, pipeline: tuple[StageRules, ...]
) -> list[dict[str, Any]]:
    """The row's two blocks from slack_sdk's models."""
    elements = plain_elements(lead.id, lead.stage, lead.company, pipeline)
    return [
        SectionBlock(
            block_id=f"{prefix}_lead_{lead.id}", text=MarkdownTextObject(text=line)
        ).to_dict(),
        ActionsBlock(block_id=f"{prefix}_actions_{lead.id}", elements=elements).to_dict(),
    ]


flags = st.fixed_dictionaries(
    {"in_plan": st.booleans(), "stale": st.booleans(), "stuck": st.booleans()}
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.data(),
    pipeline=st.sampled_from(PIPELINES),
    prefix=st.sampled_from(["plan", "overdue", "stale", "nudge"]),
    zone=st.sampled_from(ZONES),
)
def test_rows_are_what_the_template_and_slack_sdks_models_make(
    data: st.DataObject, pipeline: tuple[StageRules, ...], prefix: str, zone: tzinfo | None
) -> None:
    """Several leads share one list, so what the list works out once a stage serves them all."""
    work = WorkList.of(prefix, stages=pipeline, now=NOW, today=TODAY, zone=zone)
    items = data.draw(
        st.lists(
            st.tuples(leads(pipeline), st.sampled_from(REASONS), flags), min_size=1, max_size=4
        )
    )
    for (lead, stage), reason, flag in items:
        row = work.row(lead, stage, reason=reason, **flag)
        line = plain_line(lead, stage, reason=reason, zone=zone, flags=flag)
        expected = plain_blocks(prefix, lead, line, pipeline)
        built = list(row.blocks)
        assert row.line == line
        assert built == expected
        assert orjson.dumps(built) == orjson.dumps(expected)
        assert json_text({"blocks": built}) == json_text({"blocks": expected})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.data(),
    attempts=st.integers(min_value=0, max_value=12),
    zone=st.sampled_from(ZONES),
    flag=flags,
)
def test_a_line_said_alone_is_the_one_the_macro_says(
    data: st.DataObject, attempts: int, zone: tzinfo | None, flag: dict[str, bool]
) -> None:
    """`render_lead_line` (the cleanup DM's lines, with their attempts) says what the macro does."""
    lead, stage = data.draw(leads(STAGES))
    reason = data.draw(st.sampled_from(REASONS))
    said = render_lead_line(
        lead, stage, reason=reason, now=NOW, today=TODAY, zone=zone, attempts=attempts, **flag
    )
    assert said == plain_line(lead, stage, reason=reason, zone=zone, flags=flag, attempts=attempts)


@pytest.mark.parametrize("pipeline", PIPELINES)
@pytest.mark.parametrize("current", [STAGES[0].key, RETIRED])
def test_buttons_without_the_company_have_no_labels_and_only_the_first_four(
    pipeline: tuple[StageRules, ...], current: str
) -> None:
    expected = to_dicts(plain_elements(42, current, None, pipeline))
    built = work_buttons(42, current, pipeline)
    assert built == expected
    assert orjson.dumps(built) == orjson.dumps(expected)
