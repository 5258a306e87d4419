"""What each `/lead` subcommand and button does after the ack: resolve the lead, call one flow, reply."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from slack_sdk import WebClient

from bot import flows
from bot.deps import Deps
from bot.domain.access import Actor, refusal
from bot.domain.errors import PermissionDenied, UserFacingError
from bot.domain.leads import Status
from bot.domain.parsing import (
    ArchiveCmd,
    AssignCmd,
    ConfirmCreate,
    CreateCmd,
    DidYouMean,
    EditCmd,
    ExportCmd,
    FindCmd,
    HelpCmd,
    LeadCommand,
    LeadRef,
    ListCmd,
    LostCmd,
    Money,
    MoveCmd,
    NewLeadInput,
    QualifyCmd,
    ReopenCmd,
    ShowCmd,
    SnoozeCmd,
    StageRef,
    WonCmd,
    parse_lead_subcommand,
)
from bot.domain.parsing.commands import CLEAR
from bot.domain.parsing.text import tokenize
from bot.domain.parsing.touch import ref_prefixes
from bot.services import leads, queries, search
from bot.services.records import LeadView
from bot.slack.controls import RefCommand, pending_lead_value
from bot.slack.kit import SlackMessage, who
from bot.slack.messages.choices import (
    build_find_blocks,
    build_pick_lead_blocks,
    build_pick_readings_blocks,
)
from bot.slack.messages.lead import (
    FIND_LIMIT,
    LIST_LIMIT,
    build_change_reply,
    build_confirm_create_blocks,
    build_did_you_mean_blocks,
    build_duplicate_blocks,
    build_help_blocks,
    build_lead_detail_blocks,
    build_lead_list_blocks,
)
from bot.slack.profiles import assignee_refusal
from bot.slack.publisher import refresh_homes
from handlers.qualify_form import open_qualify_modal

ChangeCommand = (
    MoveCmd | WonCmd | LostCmd | ArchiveCmd | SnoozeCmd | AssignCmd | ReopenCmd | EditCmd
)
CHANGE_KINDS: dict[type, str] = {
    MoveCmd: "moved",
    WonCmd: "won",
    LostCmd: "lost",
    ArchiveCmd: "archived",
    SnoozeCmd: "snoozed",
    AssignCmd: "assigned",
    ReopenCmd: "reopened",
    EditCmd: "edited",
}
# What `/lead edit` keys change on the lead, by column.
_EDIT_COLUMNS = {"close": "expected_close", "next": "next_follow_up"}


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
        return self.deps.pipeline.stage_names

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
        case ReopenCmd():
            return flows.Reopen()
        case EditCmd():
            return edit_of(cmd)


def edit_of(cmd: EditCmd) -> flows.Edit:
    """The flow's edit for `/lead edit`: cleared fields become None, a value keeps its currency."""
    changes: dict[str, Any] = {}
    stage = owner = None
    for key, given in cmd.fields:
        value = None if given is CLEAR else given
        if key == "stage":
            stage = str(value)
        elif key == "owner":
            owner = str(value)
        elif key == "value":
            changes["value"] = (value.amount, value.currency) if isinstance(value, Money) else None
        else:
            changes[_EDIT_COLUMNS.get(key, key)] = value
    return flows.Edit(changes, stage=stage, owner=owner)


def resolve_one(req: LeadRequest, cmd: RefCommand | EditCmd) -> LeadView | SlackMessage:
    """The one lead a command's reference names, or a picker reply when it names several.

    `reopen` looks among closed leads, everything else among open ones.
    """
    with req.deps.session_factory() as session:
        matches = leads.resolve_ref(
            session,
            lead_id=cmd.ref.lead_id,
            text=cmd.ref.text,
            actor=req.actor,
            closed=isinstance(cmd, ReopenCmd),
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


def resolve_lost(req: LeadRequest, text: str, cmd: LostCmd) -> LostCmd | SlackMessage:
    """`/lead lost blue harbor competitor …`: the longest start of the words that names one lead.

    When two readings name different leads, or one names several, a picker asks which (each
    button carries its own reading of the reason); nothing changes until one is picked.
    """
    if cmd.ref.lead_id is not None:
        return cmd
    after = tokenize(text)[1:]
    rest = text[after[0].start :] if after else ""

    def reading(words: int) -> LostCmd:
        parsed = parse_lead_subcommand(
            text, today=req.today, stages=stage_refs_of(req), ref_words=words
        )
        assert isinstance(parsed, LostCmd)
        return parsed

    with req.deps.session_factory() as session:
        naming = leads.name_at_start(
            session, prefixes=ref_prefixes(rest, skip_next=False), actor=req.actor
        )
    if len(naming.fits) == 1:
        named = naming.fits[0]
        return replace(reading(named.words), ref=LeadRef(lead_id=named.lead.id))
    choices = naming.fits or naming.several
    picks = [
        (named.lead, replace(reading(named.words), ref=LeadRef(lead_id=named.lead.id)))
        for named in choices
    ]
    return build_pick_readings_blocks(
        picks, ref_text=str(cmd.ref), stage_names=req.stage_names, why=len(naming.fits) > 1
    )


def stage_refs_of(req: LeadRequest) -> list[StageRef]:
    return [StageRef(key=stage.key, name=stage.name) for stage in req.deps.pipeline.stages]


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
    """Refuse to give a lead to someone who can't work it: off the roster, unknown, deactivated or a bot."""
    if owner_id == req.actor.user_id:
        return
    refused = flows.assignee_refusal(req.deps, owner_id=owner_id) or assignee_refusal(
        req.client, user_id=owner_id
    )
    if refused:
        raise UserFacingError(refused, is_mrkdwn=True)


def create(req: LeadRequest, cmd: CreateCmd) -> None:
    """Create a lead unless it looks like a duplicate; a lead for someone else gets them a DM."""
    given = cmd.lead
    if given.owner_id:
        check_assignee(req, given.owner_id)
    new = new_lead_of(req, given)
    offer_created(req, flows.create_lead(req.deps, by=req.actor, new=new, now=req.now), new)


def offer_created(req: LeadRequest, created: flows.Created, new: leads.NewLead) -> None:
    """The new lead's card, or the likely duplicates with "Create anyway" and "Open existing"."""
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


def new_lead_of(req: LeadRequest, given: NewLeadInput) -> leads.NewLead:
    """The lead a `/lead` line describes: the caller's unless it names an owner, in the first stage
    unless it names one."""
    return leads.NewLead.described(
        given,
        owner_id=given.owner_id or req.actor.user_id,
        stage=given.stage_key or req.deps.pipeline.stages[0].key,
        currency="USD",
    )


def ask_before_creating(req: LeadRequest, cmd: ConfirmCreate | DidYouMean) -> None:
    """Change nothing; offer to create the lead the text describes, with one click."""
    pending = None
    if cmd.lead is not None:
        with req.deps.session_factory() as session:
            watermark = leads.latest_lead_id(session)
        pending = pending_lead_value(new_lead_of(req, cmd.lead), after_id=watermark)
    if isinstance(cmd, DidYouMean):
        req.reply(build_did_you_mean_blocks(cmd.typed, cmd.subcommand, pending))
    else:
        req.reply(build_confirm_create_blocks(cmd.lead.company, pending))


def change(req: LeadRequest, cmd: ChangeCommand, text: str = "") -> None:
    """Resolve the lead, make one change, answer with its card, refresh the Homes it changed."""
    if isinstance(cmd, LostCmd) and text:
        resolved = resolve_lost(req, text, cmd)
        if isinstance(resolved, SlackMessage):
            req.reply(resolved)
            return
        cmd = resolved
    target = resolve_one(req, cmd)
    if isinstance(target, SlackMessage):
        req.reply(target)
        return
    if isinstance(cmd, AssignCmd):
        check_assignee(req, cmd.owner_id)
    if isinstance(cmd, EditCmd) and cmd.as_dict().get("owner") not in (None, CLEAR):
        check_assignee(req, str(cmd.as_dict()["owner"]))
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
            zone=req.actor.zone,
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


def find(req: LeadRequest, cmd: FindCmd) -> None:
    """`/lead find`: the visible leads, open or closed, that match anywhere, newest activity first."""
    with req.deps.session_factory() as session:
        found = search.find_leads(session, text=cmd.text, viewer=req.actor, limit=FIND_LIMIT + 1)
    req.reply(
        build_find_blocks(
            found[:FIND_LIMIT],
            text=cmd.text,
            more=len(found) > FIND_LIMIT,
            stage_names=req.stage_names,
            now=req.now,
            zone=req.actor.zone,
        )
    )


def run_lead_command(req: LeadRequest, cmd: LeadCommand, text: str = "") -> None:
    """Do what one parsed `/lead` command asks (`text` is what was typed, for readings of a name)."""
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
        case ConfirmCreate() | DidYouMean():
            ask_before_creating(req, cmd)
        case FindCmd():
            find(req, cmd)
        case (
            MoveCmd()
            | WonCmd()
            | LostCmd()
            | ArchiveCmd()
            | SnoozeCmd()
            | AssignCmd()
            | ReopenCmd()
            | EditCmd()
        ):
            change(req, cmd, text)
