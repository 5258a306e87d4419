"""The daily congestion post in the managers' channel: what opened, worsened or cleared, a section per kind. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal

from slack_sdk.models.blocks import Block, DividerBlock, HeaderBlock

from bot.domain.conditions import ConditionKind, ConditionPost, PostReason
from bot.domain.congestion import StageLoad, WipDetail
from bot.domain.figures import LeadRef
from bot.domain.money import MoneySum
from bot.domain.rep_health import OrphanedDetail, ThinDetail, ThinReason, TimeSinkDetail
from bot.domain.team_facts import Standing
from bot.domain.value_at_risk import ParkedLeads, ValueAtRiskDetail, ValuesMissingDetail
from bot.services.reps import RepChoice
from bot.slack import format as fmt
from bot.slack.controls import ItemControl, ItemKind, leads_item
from bot.slack.kit import MESSAGE_BLOCKS_MAX, SlackMessage, clip, context, section, to_dicts, who
from bot.slack.messages.managers import item_actions, money_sum_label, share_label
from bot.slack.mrkdwn import escape

TITLES = {
    ConditionKind.ORPHANED: "Orphaned pipeline",
    ConditionKind.WIP: "Over a WIP limit",
    ConditionKind.CONGESTION: "Stage congestion",
    ConditionKind.BULGE: "Bulges",
    ConditionKind.VALUE_AT_RISK: "Value at risk",
    ConditionKind.THIN: "Thin pipelines",
    ConditionKind.TIME_SINK: "Time sunk into unqualified leads",
    ConditionKind.VALUES_MISSING: "Values missing",
}
MARKS = {
    PostReason.OPENED: ":new:",
    PostReason.WORSENED: ":arrow_upper_right:",
    PostReason.STILL_OPEN: ":hourglass:",
    PostReason.CLEARED: ":white_check_mark:",
}
COMPANY = 40


def _lead(ref: LeadRef) -> str:
    worth = f" {fmt.short_money(ref.value, ref.currency)}" if ref.value is not None else ""
    return (
        f"#{ref.id} {escape(clip(ref.company, COMPANY))}{worth} ({ref.days} d, {who(ref.owner_id)})"
    )


def _leads(refs: Sequence[LeadRef]) -> str:
    return ", ".join(_lead(ref) for ref in refs)


def _money(money: MoneySum) -> str:
    note = f" ({money.missing_note})" if money.missing_note else ""
    return money_sum_label(money) + note


def _days(value: Decimal | None) -> str:
    return "—" if value is None else f"{value} d"


def _wip(detail: WipDetail, stage: str) -> str:
    return (
        f"{who(detail.rep_id)} holds *{detail.count}* leads in {stage} (limit {detail.limit}), "
        f"{_money(detail.value)}. Oldest: {_leads(detail.oldest)}"
    )


def _load(detail: StageLoad, stage: str, bulge: bool, names: Mapping[str, str]) -> str:
    holders = ", ".join(f"{who(rep)} ({count})" for rep, count in detail.top_reps)
    age = f"median age {_days(detail.age.value)} against a stuck clock of {detail.stuck_days} d"
    if bulge:
        before = names.get(detail.previous_stage or "", detail.previous_stage or "the stage before")
        head = f"*{stage}* holds {detail.count} leads, more than {escape(before)} ({detail.previous_count})"
    else:
        value = (
            f", {share_label(detail.value_share)} of open value"
            if detail.value_share is not None
            else ""
        )
        head = (
            f"*{stage}* holds {share_label(detail.count_share)} of open leads "
            f"({detail.count} of {detail.total_count}){value}"
        )
    return f"{head}; {_money(detail.value)}, {age}. Held most by {holders}."


def _risk(detail: ValueAtRiskDetail, names: Mapping[str, str]) -> str:
    scope = "the pipeline" if detail.scope == "team" else names.get(detail.scope, detail.scope)
    stages = ", ".join(
        f"{escape(names.get(risk.stage, risk.stage))} {money_sum_label(risk.at_risk)}"
        for risk in detail.stages
        if risk.at_risk.total
    )
    lines = [
        f"*{money_sum_label(detail.at_risk)}* of {money_sum_label(detail.open)} in {escape(scope)} "
        f"is at risk ({share_label(detail.share)}): stale {money_sum_label(detail.stale)}, "
        f"stuck {money_sum_label(detail.stuck)} (a lead both stale and stuck counts once)."
    ]
    if stages:
        lines.append(f"By stage: {stages}.")
    if detail.largest:
        lines.append(f"Largest: {_leads(detail.largest)}")
    return "\n".join(lines)


def _thin(detail: ThinDetail) -> str:
    why: list[str] = []
    for reason in detail.reasons:
        if reason is ThinReason.EMPTY:
            why.append("no open leads at all")
        elif reason is ThinReason.FEW_EARLY:
            why.append(f"{detail.early_count} early-stage leads and no new lead in 14 days")
        elif reason is ThinReason.LOW_COVERAGE and detail.remaining is not None:
            target = detail.coverage_target or Decimal(3)
            why.append(
                f"open value {money_sum_label(detail.open_value)} is under {target}× the "
                f"{fmt.short_money(detail.remaining, detail.open_value.currency)} of quota left"
            )
        elif reason is ThinReason.LOW_WEIGHTED and detail.remaining is not None:
            why.append(
                f"weighted open value {fmt.short_money(detail.weighted, detail.open_value.currency)} "
                f"is under the {fmt.short_money(detail.remaining, detail.open_value.currency)} of quota left"
            )
        elif reason is ThinReason.VALUES_MISSING:
            why.append("too few of their leads have a value to judge coverage")
    return f"{who(detail.rep_id)}: " + "; ".join(why) + "."


def _sink(detail: TimeSinkDetail) -> str:
    scope = "The team" if detail.scope == "team" else who(detail.scope)
    median = detail.touches_before_unqualified
    days = detail.days_before_unqualified
    return (
        f"{scope}: {detail.sink_touches} of {detail.contact_touches} contact touches in 30 days "
        f"({share_label(detail.share)}) went to leads now unqualified or weak fit. Before marking a "
        f"lead unqualified: median {median.value if median.value is not None else '—'} touches and "
        f"{_days(days.value)} (n={median.n}). About {detail.estimated_hours} h, estimated."
    )


def _orphaned(detail: OrphanedDetail) -> str:
    return (
        f"{who(detail.owner_id)} left with *{detail.count}* open leads, {_money(detail.value)}. "
        f"Largest: {_leads(detail.largest)}"
    )


def _missing(detail: ValuesMissingDetail, names: Mapping[str, str]) -> str:
    scope = "the pipeline" if detail.scope == "team" else names.get(detail.scope, detail.scope)
    return (
        f"Only {share_label(detail.values.convertible_share)} of open leads in {escape(scope)} have a "
        f"value in {detail.values.currency} (or a rate to it), so "
        f"{', '.join(detail.alerts) or 'value alerts'} can't be judged. Add values to the leads."
    )


def _describe(post: ConditionPost, names: Mapping[str, str]) -> str:
    detail = post.condition.detail if post.condition else None
    kind = ConditionKind(post.kind)
    if isinstance(detail, WipDetail):
        return _wip(detail, escape(names.get(detail.stage, detail.stage)))
    if isinstance(detail, StageLoad):
        return _load(
            detail,
            escape(names.get(detail.stage, detail.stage)),
            kind is ConditionKind.BULGE,
            names,
        )
    if isinstance(detail, ValueAtRiskDetail):
        return _risk(detail, names)
    if isinstance(detail, ThinDetail):
        return _thin(detail)
    if isinstance(detail, TimeSinkDetail):
        return _sink(detail)
    if isinstance(detail, OrphanedDetail):
        return _orphaned(detail)
    if isinstance(detail, ValuesMissingDetail):
        return _missing(detail, names)
    return escape(post.scope)


def _cleared(post: ConditionPost, names: Mapping[str, str]) -> str:
    scope = post.scope
    per_rep = (
        ConditionKind.WIP,
        ConditionKind.THIN,
        ConditionKind.ORPHANED,
        ConditionKind.TIME_SINK,
    )
    if post.kind in per_rep and scope != "team":
        rep, _, stage = scope.partition(":")
        scope = who(rep) + (f" in {escape(names.get(stage, stage))}" if stage else "")
    elif scope == "team":
        scope = "the pipeline"
    else:
        scope = escape(names.get(scope, scope))
    return f"Cleared: {TITLES.get(ConditionKind(post.kind), post.kind).lower()} — {scope}."


def _item(post: ConditionPost) -> ItemControl | None:
    """What the buttons of an item act on."""
    detail = post.condition.detail if post.condition else None
    if isinstance(detail, WipDetail):
        return ItemControl(ItemKind.WIP, (detail.rep_id, detail.stage))
    if isinstance(detail, StageLoad):
        return ItemControl(ItemKind.STAGE, (detail.stage,))
    if isinstance(detail, ValueAtRiskDetail) and detail.largest:
        return leads_item([ref.id for ref in detail.largest])
    if isinstance(detail, ThinDetail):
        return ItemControl(ItemKind.REP, (detail.rep_id,))
    if isinstance(detail, OrphanedDetail):
        return ItemControl(ItemKind.OWNER, (detail.owner_id,))
    return None


def _actions(post: ConditionPost, index: int, reps: Sequence[RepChoice]):  # noqa: ANN202
    item = _item(post)
    if item is None or post.reason is PostReason.CLEARED:
        return None
    block_id = f"congestion_actions_{index}"
    if item.kind is ItemKind.WIP:
        return item_actions(block_id, item, nudge=True, reps=reps, exclude=item.parts[0])
    if item.kind is ItemKind.OWNER:
        return item_actions(block_id, item, reps=reps, exclude=item.parts[0])
    if item.kind is ItemKind.REP:
        return item_actions(block_id, item, nudge=True)
    return item_actions(block_id, item, nudge=True)


def build_congestion_blocks(
    posts: Sequence[ConditionPost],
    *,
    today: date,
    stage_names: Mapping[str, str],
    reps: Sequence[RepChoice],
    excluded: Sequence[tuple[str, Standing]] = (),
    parked: ParkedLeads | None = None,
) -> SlackMessage:
    """Today's post: a section per kind, each item with what it is about and the action that fits."""
    counts = {reason: sum(1 for post in posts if post.reason is reason) for reason in PostReason}
    summary = " · ".join(
        f"{counts[reason]} {reason.value.replace('-', ' ')}"
        for reason in PostReason
        if counts[reason]
    )
    title = f"Pipeline check — {fmt.day(today)}"
    fixed: list[Block] = [HeaderBlock(text=title), context(summary, block_id="summary")]
    footer: list[Block] = []
    notes: list[str] = []
    if parked is not None and parked.count:
        notes.append(
            f"Parked (snoozed, not counted at risk): {parked.count} leads, "
            f"{money_sum_label(parked.value)}; {parked.over_30_days} snoozed past 30 days."
        )
    if excluded:
        notes.append(
            "Not judged per rep: "
            + ", ".join(f"{who(rep)} ({standing.value})" for rep, standing in excluded)
            + "."
        )
    if notes:
        footer = [DividerBlock(), context("\n".join(notes), block_id="footnotes")]
    body: list[Block] = []
    lines: list[str] = [title, summary]
    budget = MESSAGE_BLOCKS_MAX - len(fixed) - len(footer) - 1
    shown = 0
    kind = None
    for index, post in enumerate(posts):
        needed = []
        if post.kind != kind:
            needed.append(section(f"*{TITLES.get(ConditionKind(post.kind), post.kind)}*"))
        if post.reason is PostReason.CLEARED:
            text = f"{MARKS[post.reason]} {_cleared(post, stage_names)}"
        else:
            text = f"{MARKS[post.reason]} {_describe(post, stage_names)}"
        needed.append(section(text, block_id=f"congestion_item_{index}"))
        actions = _actions(post, index, reps)
        if actions is not None:
            needed.append(actions)
        if len(body) + len(needed) > budget:
            break
        body.extend(needed)
        lines.append(f"• {text}")
        kind = post.kind
        shown += 1
    if shown < len(posts):
        more = len(posts) - shown
        body.append(context(f"…and {more} more — see them with `/pipeline report`."))
        lines.append(f"…and {more} more")
    return SlackMessage(text="\n".join(lines)[:3000], blocks=to_dicts(fixed + body + footer))
