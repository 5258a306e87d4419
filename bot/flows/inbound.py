"""What arrives from the tools around pipebot: a web form's lead, and a touch another tool saw.

`POST /api/leads` and `POST /api/touches` are adapters around these two flows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.deps import Deps
from bot.domain.access import Actor, local_today
from bot.domain.errors import NotFound, PermissionDenied, UserFacingError
from bot.domain.forms import FUTURE_SLACK
from bot.domain.leads import TouchKind
from bot.flows import events
from bot.flows.assignment import OwnerChoice, choose_inbound_owner, record_choice
from bot.flows.leads import _insert
from bot.flows.roster import roster_of
from bot.flows.touches import Logged, log_touch_in
from bot.services import inbound as received
from bot.services import leads, touches
from bot.services.inbound import InboundLead, InboundTouch
from bot.services.leads import NewLead
from bot.services.outbox import PRIORITY_DIRECT, enqueue
from bot.services.records import LeadView, TouchView
from bot.slack.messages.inbound import build_inbound_again_message
from bot.slack.people import LookupFailed, member_for_email


@dataclass(frozen=True)
class Received:
    """The lead a web form reached: new, or known by the client's id, its email or its company."""

    lead: LeadView
    created: bool
    # How a lead that was already there was known: external_id, email or company.
    matched: str | None = None
    # The inbound touch a repeat inquiry logged on it.
    touch: TouchView | None = None
    homes: tuple[str, ...] = ()


def receive_inbound_lead(deps: Deps, *, inbound: InboundLead, now: datetime) -> Received:
    """A lead from a web form, in one transaction.

    The same `external_id` again returns the lead it reached the first time and does nothing
    else. An inquiry from an open lead's email or company is logged on that lead as an `inbound`
    touch and its owner is told. Anything else is a new lead for `owner`, or else for a rep on the
    roster at work now and not away (in turn, or the least busy: `[team] assignment`), who is told
    at once; with nobody available it waits with a manager and the managers' channel is asked to
    pick (`bot.flows.assignment`). Raises LookupError when there is nobody at all to own it.
    """
    with deps.session_factory.begin() as session:
        client_id = inbound.external_id
        if client_id:
            received.lock_external_id(session, external_id=client_id)
            known = received.lead_for_external_id(session, external_id=client_id)
            if known is not None:
                return Received(known, created=False, matched="external_id")
        leads.lock_company(session, company=inbound.company)
        found = received.find_open_match(session, email=inbound.email, company=inbound.company)
        if found is not None:
            lead, matched = found
            touch, lead = _repeat_inquiry(session, deps, lead=lead, inbound=inbound, now=now)
            if client_id:
                received.remember_external_id(
                    session, external_id=client_id, lead_id=lead.id, now=now, touch_id=touch.id
                )
            return Received(lead, False, matched, touch, homes=(lead.owner_id,))
        if inbound.owner:
            roster = roster_of(deps)
            if roster.configured and not roster.on_team(session, user_id=inbound.owner):
                raise Refused(
                    422,
                    f"owner {inbound.owner} is not on the team's roster: pass a rep on the roster,"
                    " or leave owner out",
                )
        choice = (
            OwnerChoice(inbound.owner, "given")
            if inbound.owner
            else choose_inbound_owner(session, deps, now=now)
        )
        if choice is None:
            raise LookupError(
                "no rep to own it: list the reps in pipeline.toml ([team] reps), or pass owner"
            )
        new = NewLead(
            company=inbound.company, owner_id=choice.owner_id, stage=deps.pipeline.stages[0].key,
            value=inbound.value, currency=inbound.currency, contact=inbound.contact,
            email=inbound.email, phone=inbound.phone, source=inbound.source,
        )  # fmt: skip
        created = _insert(
            session, deps, by=Actor(choice.owner_id), new=new, now=now, note=inbound.message,
            inbound=True, tell_owner=not choice.waiting,
        )  # fmt: skip
        assert created.lead is not None
        if not inbound.owner:
            record_choice(session, deps, lead=created.lead, choice=choice, now=now)
        if client_id:
            received.remember_external_id(
                session, external_id=client_id, lead_id=created.lead.id, now=now
            )
        return Received(created.lead, True, homes=created.homes)


def _repeat_inquiry(
    session: Session, deps: Deps, *, lead: LeadView, inbound: InboundLead, now: datetime
) -> tuple[TouchView, LeadView]:
    """Log the inquiry on the open lead it came from, and tell its owner the buyer is back."""
    owner = Actor(lead.owner_id, is_manager=deps.is_manager(lead.owner_id))
    touch, lead = touches.log_touch(
        session,
        lead_id=lead.id,
        author=owner,
        kind=TouchKind.INBOUND,
        note=received.inquiry_note(inbound),
        now=now,
    )
    events.touch_logged(session, deps, touch=touch, by=lead.owner_id, now=now)
    message = build_inbound_again_message(
        lead,
        stage_name=deps.pipeline.stage(lead.stage).name,
        now=now,
        today=local_today(now, deps.team_zone),
        note=inbound.message,
    )
    enqueue(
        session,
        key=f"inbound-again:{lead.id}:{touch.id}",
        kind="inbound-again",
        recipient=lead.owner_id,
        message=message,
        now=now,
        priority=PRIORITY_DIRECT,
    )
    return touch, lead


class Refused(Exception):
    """A touch from another tool that cannot be logged: the HTTP status and one line saying why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class TouchReceived:
    """A touch from another tool: the one it logged, or the one its Idempotency-Key logged before."""

    logged: Logged
    duplicate: bool = False


def log_inbound_touch(
    deps: Deps, *, touch: InboundTouch, now: datetime, key: str | None = None
) -> TouchReceived:
    """Log a touch another tool saw (an email BCC, a call, a meeting) through the `log_touch` flow.

    With an Idempotency-Key seen before, nothing is logged and the touch it logged comes back.
    Raises Refused: 404 when no lead matches, 409 when several do, the lead is closed or the key
    logged a touch on another lead, 403 when the author may not log on it, 422 for a future time
    or an author Slack does not know, 503 when Slack cannot be asked.
    """
    if touch.occurred_at is not None and touch.occurred_at > now + FUTURE_SLACK:
        raise Refused(422, "occurred_at: is in the future")
    with deps.session_factory() as session:
        lead = _the_lead(session, touch)
    author = _author(deps, touch.author, lead)
    by = Actor(author, is_manager=deps.is_manager(author))
    try:
        with deps.session_factory.begin() as session:
            if key is not None:
                repeated = _repeated(session, key=key, lead=lead)
                if repeated is not None:
                    return repeated
            logged = log_touch_in(
                session, deps, by=by, lead_id=lead.id, kind=touch.kind, note=touch.note,
                now=now, occurred_at=touch.occurred_at,
            )  # fmt: skip
            if key is not None:
                received.remember_touch_key(session, key=key, touch_id=logged.touch.id, now=now)
            return TouchReceived(logged)
    except NotFound as exc:  # removed in between
        raise Refused(404, exc.message) from exc
    except PermissionDenied as exc:
        raise Refused(403, exc.message) from exc
    except UserFacingError as exc:  # a closed lead
        raise Refused(409, exc.message) from exc


def _repeated(session: Session, *, key: str, lead: LeadView) -> TouchReceived | None:
    received.lock_touch_key(session, key=key)
    known = received.touch_for_key(session, key=key)
    if known is None:
        return None
    if known.lead_id != lead.id:
        raise Refused(
            409,
            f"Idempotency-Key: already logged a touch on lead #{known.lead_id};"
            " send a new key for a new touch",
        )
    return TouchReceived(
        Logged(known, leads.get_lead(session, lead_id=lead.id), ()), duplicate=True
    )


def _the_lead(session: Session, touch: InboundTouch) -> LeadView:
    if touch.lead_id is not None:
        try:
            return leads.get_lead(session, lead_id=touch.lead_id)
        except NotFound:
            raise Refused(404, f"there is no lead #{touch.lead_id}") from None
    if touch.external_id is not None:
        lead = received.lead_for_external_id(session, external_id=touch.external_id)
        if lead is None:
            raise Refused(404, "no lead came with that external_id")
        return lead
    assert touch.email is not None
    found = received.open_leads_by_email(session, email=touch.email)
    if not found:
        raise Refused(404, "no open lead has that email")
    if len(found) > 1:
        numbers = ", ".join(f"#{lead.id}" for lead in found[:10])
        raise Refused(409, f"several open leads have that email ({numbers}); send lead_id")
    return found[0]


def _author(deps: Deps, author: str | None, lead: LeadView) -> str:
    """The member ID the touch is logged as: the one given, the one with that email, or the lead's owner."""
    if author is None:
        return lead.owner_id
    if "@" not in author:
        return author
    if deps.slack is None:
        raise Refused(
            422, "author: an email needs SLACK_BOT_TOKEN to be looked up; send a member ID"
        )
    try:
        member = member_for_email(deps.slack, author)
    except LookupFailed as exc:
        raise Refused(503, f"author: Slack could not be asked ({exc}); try again shortly") from exc
    if member is None:
        raise Refused(422, "author: no active Slack member has that email")
    return member
