"""What each `/lead` subcommand and button does after the ack: resolve the lead, call one flow, reply."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from slack_sdk import WebClient

from bot import flows
from bot.deps import Deps
from bot.domain.access import Actor, refusal
from bot.domain.errors import PermissionDenied, UserFacingError
from bot.domain.leads import Status
from bot.domain.parsing import (
    ArchiveCmd,
    AssignCmd,
    CreateCmd,
    ExportCmd,
    HelpCmd,
    LeadCommand,
    ListCmd,
    LostCmd,
    MoveCmd,
    QualifyCmd,
    ShowCmd,
    SnoozeCmd,
    WonCmd,
)
from bot.services import leads, queries
from bot.services.records import LeadView
from bot.slack.controls import RefCommand, pending_lead_value
from bot.slack.kit import SlackMessage, who
from bot.slack.messages.lead import (
    LIST_LIMIT,
    build_change_reply,
    build_duplicate_blocks,
    build_help_blocks,
    build_lead_detail_blocks,
    build_lead_list_blocks,
    build_pick_lead_blocks,
)
from bot.slack.profiles import assignee_refusal
from bot.slack.publisher import refresh_homes
from handlers.qualify_form import open_qualify_modal

ChangeCommand = MoveCmd | WonCmd | LostCmd | ArchiveCmd | SnoozeCmd | AssignCmd
CHANGE_KINDS: dict[type, str] = {
    MoveCmd: "moved",
    WonCmd: "won",
    LostCmd: "lost",
    ArchiveCmd: "archived",
    SnoozeCmd: "snoozed",
    AssignCmd: "assigned",
}


@dataclass(frozen=True)
class LeadRequest:
    """One `/lead` request or button click after the ack: who asked, when, and how to answer them."""

    deps: Deps
    client: WebClient
    actor: Actor
    now: datetime
    reply: Callable[[SlackMessage], None]
    trigger_id: str | None = None
    channel_id: str | None = None

    @property
    def today(self) -> date:
        return self.actor.today(self.now)

    @property
    def stage_names(self) -> dict[str, str]:
        return {stage.key: stage.name for stage in self.deps.pipeline.stages}

    def stage_name(self, key: str) -> str:
        return self.stage_names.get(key, key)


def change_of(cmd: ChangeCommand) -> flows.LeadChange:
    """The flow's change for a parsed subcommand."""
    match cmd:
        case MoveCmd(stage_key=stage):
            return flows.Move(stage)
        case WonCmd():
            return flows.Close(Status.WON)
        case LostCmd(reason=reason, category=category):
            return flows.Close(Status.LOST, reason, category)
        case ArchiveCmd():
            return flows.Close(Status.ARCHIVED)
        case SnoozeCmd(until=until):
            return flows.Snooze(until)
        case AssignCmd(owner_id=owner_id):
            return flows.Assign(owner_id)


def resolve_one(req: LeadRequest, cmd: RefCommand) -> LeadView | SlackMessage:
    """The one lead a command's reference names, or a picker reply when it names several."""
    with req.deps.session_factory() as session:
        matches = leads.resolve_ref(
            session, lead_id=cmd.ref.lead_id, text=cmd.ref.text, actor=req.actor
        )
    if len(matches) == 1:
        return matches[0]
    return build_pick_lead_blocks(
        matches[: leads.MAX_REF_MATCHES],
        ref_text=str(cmd.ref),
        cmd=cmd,
        stage_names=req.stage_names,
        more=len(matches) > leads.MAX_REF_MATCHES,
    )


def answer_created(req: LeadRequest, created: flows.Created) -> None:
    """Reply with the new (or earlier) lead's card; refresh the Homes a creation changed."""
    lead = created.lead
    assert lead is not None
    kind = "created" if created.created else "already_created"
    if created.created and lead.owner_id != req.actor.user_id:
        kind = "created_for"
    req.reply(
        build_change_reply(
            lead,
            kind=kind,
            stage_name=req.stage_name(lead.stage),
            now=req.now,
            today=req.today,
            other=lead.owner_id,
        )
    )
    refresh_homes(req.deps, req.client, *created.homes)


def check_assignee(req: LeadRequest, owner_id: str) -> None:
    """Refuse to give a lead to someone who can't work it: unknown, deactivated or a bot."""
    if owner_id == req.actor.user_id:
        return
    refused = assignee_refusal(req.client, user_id=owner_id)
    if refused:
        raise UserFacingError(refused, is_mrkdwn=True)


def create(req: LeadRequest, cmd: CreateCmd) -> None:
    """Create a lead unless it looks like a duplicate; a lead for someone else gets them a DM."""
    given = cmd.lead
    if given.owner_id:
        check_assignee(req, given.owner_id)
    new = leads.NewLead.described(
        given,
        owner_id=given.owner_id or req.actor.user_id,
        stage=given.stage_key or req.deps.pipeline.stages[0].key,
        currency="USD",
    )
    created = flows.create_lead(req.deps, by=req.actor, new=new, now=req.now)
    if created.lead is not None:
        answer_created(req, created)
        return
    pending = pending_lead_value(new, after_id=max(lead.id for lead in created.duplicates))
    req.reply(
        build_duplicate_blocks(
            new.company,
            created.duplicates,
            pending=pending,
            viewer=req.actor,
            stage_names=req.stage_names,
        )
    )


def change(req: LeadRequest, cmd: ChangeCommand) -> None:
    """Resolve the lead, make one change, answer with its card, refresh the Homes it changed."""
    target = resolve_one(req, cmd)
    if isinstance(target, SlackMessage):
        req.reply(target)
        return
    if isinstance(cmd, AssignCmd):
        check_assignee(req, cmd.owner_id)
    done = flows.change_lead(
        req.deps, by=req.actor, lead_id=target.id, change=change_of(cmd), now=req.now
    )
    lead = done.lead
    req.reply(
        build_change_reply(
            lead,
            kind=CHANGE_KINDS[type(cmd)],
            changed=done.changed,
            stage_name=req.stage_name(lead.stage),
            now=req.now,
            today=req.today,
            other=lead.owner_id,
        )
    )
    if done.changed:
        refresh_homes(req.deps, req.client, *done.homes)


def list_leads(req: LeadRequest, cmd: ListCmd) -> None:
    """`/lead list`: the leads in scope by next follow-up, with totals."""
    scope = queries.list_scope(cmd.scope, viewer=req.actor)
    with req.deps.session_factory() as session:
        page = queries.list_open_leads(
            session, scope=scope, stage_key=cmd.stage_key, today=req.today, limit=LIST_LIMIT
        )
    if scope.owner_id is None:
        whose = "The team's open leads"
    elif scope.owner_id == req.actor.user_id:
        whose = "Your open leads"
    else:
        whose = f"{who(scope.owner_id)}'s open leads"
    req.reply(
        build_lead_list_blocks(
            page,
            whose=whose,
            stage_name=req.stage_name(cmd.stage_key) if cmd.stage_key else None,
            stage_names=req.stage_names,
            now=req.now,
            today=req.today,
            show_owner=scope.owner_id is None,
            narrowed=scope.narrowed,
        )
    )


def show(req: LeadRequest, cmd: ShowCmd) -> None:
    """`/lead show`: the lead's card with its last touches and changes."""
    target = resolve_one(req, cmd)
    if isinstance(target, SlackMessage):
        req.reply(target)
        return
    answer_detail(req, target.id)


def answer_detail(req: LeadRequest, lead_id: int) -> None:
    """Reply with a lead the actor may see, in full, its days and times in their own timezone."""
    with req.deps.session_factory() as session:
        detail = queries.lead_detail(session, lead_id=lead_id, viewer=req.actor)
    req.reply(
        build_lead_detail_blocks(
            detail,
            stage_names=req.stage_names,
            now=req.now,
            today=req.today,
            zone=req.actor.zone,
        )
    )


def qualify(req: LeadRequest, cmd: QualifyCmd) -> None:
    """`/lead qualify`: open the checklist modal on a lead the actor may change."""
    target = resolve_one(req, cmd)
    if isinstance(target, SlackMessage):
        req.reply(target)
        return
    refused = refusal(target, req.actor, doing="qualify")
    if refused:
        raise PermissionDenied(refused, is_mrkdwn=True)
    open_qualify_modal(
        req.client,
        trigger_id=req.trigger_id or "",
        actor=req.actor,
        deps=req.deps,
        lead_id=target.id,
        channel_id=req.channel_id,
    )


def export(req: LeadRequest) -> None:
    """`/lead export`: the leads the actor may see as a CSV file in their DM with the bot."""
    out = io.StringIO()
    with req.deps.session_factory() as session:
        count = queries.write_visible_leads_csv(session, viewer=req.actor, out=out)
    channel = req.client.conversations_open(users=req.actor.user_id)["channel"]["id"]
    req.client.files_upload_v2(
        channel=channel,
        content=out.getvalue(),
        filename="leads.csv",
        title="pipebot leads",
        initial_comment=f"Your export: {count} lead{'' if count == 1 else 's'}.",
    )
    leads_word = "lead" if count == 1 else "leads"
    req.reply(SlackMessage(text=f"Sent {count} {leads_word} as a CSV file to your DM with me."))


def run_lead_command(req: LeadRequest, cmd: LeadCommand) -> None:
    """Do what one parsed `/lead` command asks."""
    match cmd:
        case HelpCmd(topic=topic):
            req.reply(build_help_blocks(topic))
        case ListCmd():
            list_leads(req, cmd)
        case ShowCmd():
            show(req, cmd)
        case QualifyCmd():
            qualify(req, cmd)
        case ExportCmd():
            export(req)
        case CreateCmd():
            create(req, cmd)
        case MoveCmd() | WonCmd() | LostCmd() | ArchiveCmd() | SnoozeCmd() | AssignCmd():
            change(req, cmd)
