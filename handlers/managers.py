"""The managers' channel buttons: Open (the leads behind an item, privately), Nudge owner, Reassign."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.deps import Deps
from bot.domain.access import Actor
from bot.flows.managers import Behind, item_page, nudge_owners, reassign_leads
from bot.slack.controls import ROUND_ROBIN, ItemControl, ItemKind
from bot.slack.ids import Action
from bot.slack.kit import who
from bot.slack.messages import outcomes
from bot.slack.messages.lead import build_lead_list_blocks
from handlers.context import actor_of, deps_of
from handlers.errors import reports_errors


def behind_of(item: ItemControl, deps: Deps, *, reassigning: bool = False) -> Behind:
    """The leads an item stands for; reassigning a WIP item moves only the oldest over the limit."""
    match item.kind:
        case ItemKind.LEAD | ItemKind.LEADS:
            return Behind(lead_ids=item.lead_ids())
        case ItemKind.OWNER | ItemKind.REP:
            return Behind(owner_id=item.parts[0])
        case ItemKind.STAGE:
            return Behind(stage=item.parts[0])
        case ItemKind.WIP:
            stage = deps.pipeline.stage_by_key.get(item.parts[1])
            keep = (stage.wip_limit or 0) if stage and reassigning else 0
            return Behind(owner_id=item.parts[0], stage=item.parts[1], keep=keep)


def _stage_name(deps: Deps, key: str) -> str:
    stage = deps.pipeline.stage_by_key.get(key)
    return stage.name if stage else key


def _why(item: ItemControl, deps: Deps) -> str:
    """What the nudge DM says the owner is asked to look at."""
    match item.kind:
        case ItemKind.WIP:
            stage = deps.pipeline.stage_by_key.get(item.parts[1])
            limit = stage.wip_limit if stage else None
            return f"you hold more leads in {_stage_name(deps, item.parts[1])} than its limit of {limit}"
        case ItemKind.STAGE:
            return f"these have sat in {_stage_name(deps, item.parts[0])} past its stuck clock"
        case ItemKind.REP:
            return "your pipeline is thin; add the leads you are working on with /lead"
        case _:
            return "these are at risk: no touch or no stage move for too long"


def _mark(respond: Respond, body: dict[str, Any], action: dict[str, Any], line: str) -> None:
    """Replace the clicked item's buttons by what was done, in the channel message."""
    message = body.get("message")
    if not body.get("response_url") or not message:
        respond(text=line, response_type="ephemeral", replace_original=False)
        return
    text, blocks = outcomes.build_acted_message(message, block_id=action.get("block_id"), line=line)
    respond(text=text, blocks=blocks, replace_original=True)


def _actor(context: BoltContext, client: WebClient, body: dict[str, Any]) -> tuple[Deps, Actor]:
    deps = deps_of(context)
    return deps, actor_of(deps, client, body)


@reports_errors
def handle_managers_open_action(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    context: BoltContext,
) -> None:
    """Open: the leads behind an item, shown only to the manager who asked."""
    ack()
    deps, actor = _actor(context, client, body)
    item = ItemControl.of_action(action)
    now = deps.clock.now()
    page = item_page(deps, by=actor, behind=behind_of(item, deps), now=now)
    message = build_lead_list_blocks(
        page,
        whose="The leads behind this alert",
        stage_name=None,
        stage_names={stage.key: stage.name for stage in deps.pipeline.stages},
        now=now,
        today=actor.today(now),
        show_owner=True,
    )
    respond(
        text=message.text,
        blocks=message.blocks,
        response_type="ephemeral",
        replace_original=False,
    )


@reports_errors
def handle_managers_nudge_action(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    context: BoltContext,
) -> None:
    """Nudge owner: a DM to each owner of the leads behind an item, once a day per item."""
    ack()
    deps, actor = _actor(context, client, body)
    item = ItemControl.of_action(action)
    told = nudge_owners(
        deps,
        by=actor,
        behind=behind_of(item, deps),
        why=_why(item, deps),
        key=item.encode(),
        now=deps.clock.now(),
        stuck_only=item.kind is ItemKind.STAGE,
        rep_id=item.parts[0] if item.kind is ItemKind.REP else None,
    )
    if not told:
        respond(
            text="Their owners were already nudged about this today.",
            response_type="ephemeral",
            replace_original=False,
        )
        return
    names = ", ".join(who(owner) for owner in told)
    _mark(respond, body, action, f":mega: Nudged {names} by {who(actor.user_id)}")


@reports_errors
def handle_managers_reassign_action(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    context: BoltContext,
) -> None:
    """Reassign: the leads behind an item to one rep, or round-robin among reps at work now."""
    ack()
    deps, actor = _actor(context, client, body)
    item = ItemControl.of_action(action)
    to = None if item.target in (None, ROUND_ROBIN) else item.target
    moves = reassign_leads(
        deps,
        by=actor,
        behind=behind_of(item, deps, reassigning=True),
        to=to,
        now=deps.clock.now(),
    )
    if not moves:
        respond(
            text="Nothing was reassigned: those leads already belong to that rep.",
            response_type="ephemeral",
            replace_original=False,
        )
        return
    counts: dict[str, int] = {}
    for _lead, owner in moves:
        counts[owner] = counts.get(owner, 0) + 1
    given = ", ".join(f"{who(owner)} ({count})" for owner, count in counts.items())
    leads = "1 lead" if len(moves) == 1 else f"{len(moves)} leads"
    _mark(
        respond,
        body,
        action,
        f":arrow_right_hook: Reassigned {leads} to {given} by {who(actor.user_id)}",
    )


def register(app: App) -> None:
    app.action(Action.MANAGERS_OPEN)(handle_managers_open_action)
    app.action(Action.MANAGERS_NUDGE)(handle_managers_nudge_action)
    app.action(Action.MANAGERS_REASSIGN)(handle_managers_reassign_action)
