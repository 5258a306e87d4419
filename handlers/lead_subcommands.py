"""What each `/lead` subcommand and button does after the ack: one transaction, then one reply."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.deps import Deps
from bot.domain.errors import PermissionDenied, UserFacingError
from bot.domain.leads import OPEN, may_change
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
    OpenModal,
    QualifyCmd,
    ShowCmd,
    SnoozeCmd,
    WonCmd,
)
from bot.services import lead_commands, leads, queries, reps
from bot.services.lead_changes import Actor, Change
from bot.services.lead_commands import ChangeCommand, Intake
from bot.services.records import LeadView
from bot.slack.lead_blocks import (
    LIST_LIMIT,
    Reply,
    build_assigned_message,
    build_change_reply,
    build_duplicate_blocks,
    build_help_blocks,
    build_lead_detail_blocks,
    build_lead_list_blocks,
    build_pick_lead_blocks,
    who,
)
from bot.slack.lead_values import RefCommand, pending_lead_value
from bot.slack.outbox import PRIORITY_DIRECT, Message, enqueue
from handlers.context import Caller
from handlers.modal_open import Opener, open_new_lead_modal, open_qualify_modal
from handlers.refresh import refresh_homes

STALE_BUTTON = "That button is out of date; run the command again."
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
    """One `/lead` request or button click after the ack: who asked, and how to answer them."""

    deps: Deps
    client: WebClient
    caller: Caller
    reply: Callable[[Reply], None]
    trigger_id: str | None = None
    channel_id: str | None = None

    @property
    def viewer(self) -> queries.Viewer:
        return queries.Viewer(self.caller.user_id, self.caller.is_manager)

    @property
    def actor(self) -> Actor:
        return Actor(self.caller.user_id, self.caller.is_manager)

    @property
    def stage_names(self) -> dict[str, str]:
        return {stage.key: stage.name for stage in self.deps.pipeline.stages}

    def stage_name(self, key: str) -> str:
        return self.stage_names.get(key, key)

    def open_modal(self, opener: Opener, **where: Any) -> None:
        """Open a modal for the caller on this request's trigger; its answer goes to this channel."""
        opener(
            self.client,
            trigger_id=self.trigger_id or "",
            caller=self.caller,
            deps=self.deps,
            channel_id=self.channel_id,
            **where,
        )


def queue_assignment_dm(session: Session, req: LeadRequest, lead: LeadView, *, key: str) -> bool:
    """Record the DM telling a lead's new owner about it, naming the caller; False when the caller is the owner or it was queued before."""
    if lead.owner_id == req.caller.user_id:
        return False
    actor = reps.get_rep(session, user_id=req.caller.user_id)
    name = actor.name if actor else None
    return queue_assigned(session, req.deps, req.caller, lead, key=key, actor_name=name)


def queue_assigned(
    session: Session,
    deps: Deps,
    caller: Caller,
    lead: LeadView,
    *,
    key: str,
    actor_name: str | None = None,
    note: str | None = None,
) -> bool:
    """Record the "X assigned you …" DM to the lead's owner; False when this `key` was queued before."""
    message = build_assigned_message(
        lead,
        actor_id=caller.user_id,
        actor_name=actor_name,
        stage_name=deps.pipeline.stage(lead.stage).name,
        now=caller.now,
        today=caller.today,
        note=note,
    )
    return enqueue(
        session,
        key=f"assigned:{lead.id}:{lead.owner_id}:{key}",
        kind="assigned",
        message=Message(recipient=lead.owner_id, text=message.text, blocks=message.blocks),
        now=caller.now,
        priority=PRIORITY_DIRECT,
    )


def resolve_one(session: Session, req: LeadRequest, cmd: RefCommand) -> LeadView | Reply:
    """The one lead a command's reference names, or a picker reply when it names several."""
    matches = leads.resolve_ref(
        session,
        lead_id=cmd.ref.lead_id,
        text=cmd.ref.text,
        viewer_id=req.caller.user_id,
        viewer_is_manager=req.caller.is_manager,
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


def answer_created(req: LeadRequest, intake: Intake, *, queued: bool) -> None:
    """Reply with the new (or earlier) lead's card; wake the sender and refresh Homes after a creation."""
    lead = intake.lead
    assert lead is not None
    if queued:
        req.deps.on_enqueued()
    kind = "created" if intake.created else "already_created"
    if intake.created and lead.owner_id != req.caller.user_id:
        kind = "created_for"
    req.reply(
        build_change_reply(
            lead,
            kind=kind,
            stage_name=req.stage_name(lead.stage),
            now=req.caller.now,
            today=req.caller.today,
            other=lead.owner_id,
        )
    )
    if intake.created:
        refresh_homes(req.deps, req.client, req.caller.user_id, lead.owner_id)


def create(req: LeadRequest, cmd: CreateCmd) -> None:
    """Create a lead unless it looks like a duplicate; a lead for someone else gets them a DM."""
    deps, caller, given = req.deps, req.caller, cmd.lead
    new = leads.NewLead.described(
        given,
        owner_id=given.owner_id or caller.user_id,
        stage=given.stage_key or deps.pipeline.stages[0].key,
        currency="USD",
    )
    with deps.session_factory.begin() as session:
        intake = lead_commands.create_unless_duplicate(
            session,
            new=new,
            created_by=caller.user_id,
            now=caller.now,
            owner_is_manager=deps.is_manager(new.owner_id),
        )
        queued = (
            intake.created
            and intake.lead is not None
            and queue_assignment_dm(session, req, intake.lead, key="created")
        )
    if intake.lead is not None:
        answer_created(req, intake, queued=queued)
        return
    pending = pending_lead_value(new, after_id=max(lead.id for lead in intake.duplicates))
    req.reply(
        build_duplicate_blocks(
            new.company,
            intake.duplicates,
            pending=pending,
            viewer=req.viewer,
            stage_names=req.stage_names,
        )
    )


def make_change(
    session: Session, req: LeadRequest, cmd: ChangeCommand, lead: LeadView
) -> tuple[Change, bool]:
    """Make the change and, after an assignment, queue the new owner's DM; also says if one was queued."""
    assigning = isinstance(cmd, AssignCmd)
    done = lead_commands.apply_change(
        session,
        lead_id=lead.id,
        cmd=cmd,
        actor=req.actor,
        now=req.caller.now,
        owner_is_manager=isinstance(cmd, AssignCmd) and req.deps.is_manager(cmd.owner_id),
    )
    key = req.caller.now.isoformat()
    queued = assigning and done.changed and queue_assignment_dm(session, req, done.lead, key=key)
    return done, queued


def change(req: LeadRequest, cmd: ChangeCommand) -> None:
    """Resolve the lead, make one change in one transaction, answer with its card, refresh Homes."""
    with req.deps.session_factory.begin() as session:
        target = resolve_one(session, req, cmd)
        if isinstance(target, LeadView):
            done, queued = make_change(session, req, cmd, target)
    if isinstance(target, Reply):
        req.reply(target)
        return
    if queued:
        req.deps.on_enqueued()
    lead = done.lead
    req.reply(
        build_change_reply(
            lead,
            kind=CHANGE_KINDS[type(cmd)],
            changed=done.changed,
            stage_name=req.stage_name(lead.stage),
            now=req.caller.now,
            today=req.caller.today,
            other=lead.owner_id,
        )
    )
    if done.changed:
        refresh_homes(req.deps, req.client, req.caller.user_id, lead.owner_id, done.previous_owner)


def list_leads(req: LeadRequest, cmd: ListCmd) -> None:
    """`/lead list`: the leads in scope by next follow-up, with totals."""
    scope = queries.list_scope(cmd.scope, viewer=req.viewer)
    with req.deps.session_factory() as session:
        page = queries.list_open_leads(
            session, scope=scope, stage_key=cmd.stage_key, today=req.caller.today, limit=LIST_LIMIT
        )
    if scope.owner_id is None:
        whose = "The team's open leads"
    elif scope.owner_id == req.caller.user_id:
        whose = "Your open leads"
    else:
        whose = f"{who(scope.owner_id)}'s open leads"
    req.reply(
        build_lead_list_blocks(
            page,
            whose=whose,
            stage_name=req.stage_name(cmd.stage_key) if cmd.stage_key else None,
            stage_names=req.stage_names,
            now=req.caller.now,
            today=req.caller.today,
            show_owner=scope.owner_id is None,
            narrowed=scope.narrowed,
        )
    )


def show(req: LeadRequest, cmd: ShowCmd) -> None:
    """`/lead show`: the lead's card with its last touches and changes."""
    with req.deps.session_factory() as session:
        target = resolve_one(session, req, cmd)
        if isinstance(target, LeadView):
            detail = queries.lead_detail(session, lead_id=target.id, viewer=req.viewer)
    if isinstance(target, Reply):
        req.reply(target)
        return
    answer_detail(req, detail)


def answer_detail(req: LeadRequest, detail: queries.LeadDetail) -> None:
    """Reply with a lead in full, its days and times in the caller's own timezone."""
    caller = req.caller
    req.reply(
        build_lead_detail_blocks(
            detail,
            stage_names=req.stage_names,
            now=caller.now,
            today=caller.today,
            zone=caller.zone,
        )
    )


def qualify(req: LeadRequest, cmd: QualifyCmd) -> None:
    """`/lead qualify`: open the checklist modal on a lead the caller may change."""
    with req.deps.session_factory() as session:
        target = resolve_one(session, req, cmd)
    if isinstance(target, Reply):
        req.reply(target)
        return
    if not may_change(
        owner_id=target.owner_id,
        actor_id=req.caller.user_id,
        actor_is_manager=req.caller.is_manager,
    ):
        raise PermissionDenied(
            f"Only {who(target.owner_id)} (the owner) or a manager can qualify lead #{target.id}.",
            is_mrkdwn=True,
        )
    if target.status != OPEN:
        raise UserFacingError(f"Lead #{target.id} is already {target.status}.")
    req.open_modal(open_qualify_modal, lead_id=target.id)


def export(req: LeadRequest) -> None:
    """`/lead export`: the leads the caller may see as a CSV file in their DM with the bot."""
    out = io.StringIO()
    with req.deps.session_factory() as session:
        count = queries.write_visible_leads_csv(session, viewer=req.viewer, out=out)
    channel = req.client.conversations_open(users=req.caller.user_id)["channel"]["id"]
    req.client.files_upload_v2(
        channel=channel,
        content=out.getvalue(),
        filename="leads.csv",
        title="pipebot leads",
        initial_comment=f"Your export: {count} lead{'' if count == 1 else 's'}.",
    )
    leads_word = "lead" if count == 1 else "leads"
    req.reply(Reply(text=f"Sent {count} {leads_word} as a CSV file to your DM with me.", blocks=[]))


def run_lead_command(req: LeadRequest, cmd: LeadCommand) -> None:
    """Do what one parsed `/lead` command asks."""
    match cmd:
        case OpenModal():
            req.open_modal(open_new_lead_modal)
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
