"""What a manager does from the managers' channel: see the leads behind an item, nudge their owners, reassign them."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.deps import Deps
from bot.domain.access import Actor, manager_refusal
from bot.domain.errors import PermissionDenied, UserFacingError
from bot.flows.assignment import at_work, team_reps
from bot.flows.leads import Assign, change_lead
from bot.services import queries
from bot.services.outbox import PRIORITY_DIRECT, enqueue
from bot.services.records import LeadView
from bot.slack.messages.managers import build_manager_nudge_blocks

LIST_LIMIT = 40


@dataclass(frozen=True)
class Behind:
    """Which open leads stand behind an item: by owner, stage or number; `keep` leaves the newest that many."""

    owner_id: str | None = None
    stage: str | None = None
    lead_ids: tuple[int, ...] = ()
    keep: int = 0


def _require_manager(by: Actor, doing: str) -> None:
    refused = manager_refusal(by, doing=doing)
    if refused:
        raise PermissionDenied(refused)


def leads_behind(deps: Deps, behind: Behind, *, limit: int = 500) -> list[LeadView]:
    """The open leads behind an item, longest in their stage first; `keep` spares the newest."""
    with deps.session_factory() as session:
        found = queries.open_leads_matching(
            session,
            owner_id=behind.owner_id,
            stage=behind.stage,
            lead_ids=behind.lead_ids,
            limit=limit,
        )
    return found[: max(len(found) - behind.keep, 0)] if behind.keep else found


def item_page(deps: Deps, *, by: Actor, behind: Behind, now: datetime) -> queries.LeadPage:
    """The leads behind an item as `/lead list` shows them (managers only)."""
    _require_manager(by, "open the leads behind an alert")
    with deps.session_factory() as session:
        return queries.list_open_leads(
            session,
            scope=queries.ListScope(owner_id=behind.owner_id),
            stage_key=behind.stage,
            lead_ids=behind.lead_ids,
            today=by.today(now),
            limit=LIST_LIMIT,
        )


def nudge_owners(
    deps: Deps,
    *,
    by: Actor,
    behind: Behind,
    why: str,
    key: str,
    now: datetime,
    stuck_only: bool = False,
    rep_id: str | None = None,
) -> tuple[str, ...]:
    """DM each owner of the leads behind an item (or `rep_id`, when there are none), once a day per item."""
    _require_manager(by, "nudge owners")
    leads = leads_behind(deps, behind)
    if stuck_only:
        clocks = {stage.key: stage.stuck_days for stage in deps.pipeline.stages}
        leads = [
            lead
            for lead in leads
            if now - lead.stage_changed_at >= timedelta(days=clocks.get(lead.stage, 0))
        ]
    by_owner: dict[str, list[LeadView]] = defaultdict(list)
    for lead in leads:
        by_owner[lead.owner_id].append(lead)
    if not by_owner and rep_id:
        by_owner[rep_id] = []
    today = by.today(now)
    told = []
    with deps.session_factory.begin() as session:
        for owner, theirs in sorted(by_owner.items()):
            message = build_manager_nudge_blocks(
                theirs,
                manager_id=by.user_id,
                why=why,
                stages=deps.pipeline.stages,
                now=now,
                today=today,
            )
            if enqueue(
                session,
                key=f"managers-nudge:{key}:{owner}:{today.isoformat()}",
                kind="managers-nudge",
                recipient=owner,
                message=message,
                now=now,
                priority=PRIORITY_DIRECT,
            ):
                told.append(owner)
    return tuple(told)


def reassign_leads(
    deps: Deps, *, by: Actor, behind: Behind, to: str | None, now: datetime
) -> list[tuple[LeadView, str]]:
    """Give the leads behind an item to `to`, or round-robin among reps at work now; each new owner is told."""
    _require_manager(by, "reassign leads")
    leads = leads_behind(deps, behind)
    if not leads:
        raise UserFacingError("There is nothing open left to reassign here.")
    with deps.session_factory() as session:
        reps = team_reps(deps, session, now=now)
    if to is not None and to not in {rep.id for rep in reps}:
        raise UserFacingError("That rep is no longer on the team or is away; pick another one.")
    if to is None:
        pool = at_work(deps, reps, now=now)
        if not pool:
            raise UserFacingError(
                "No rep is in their working hours now; pick one from the menu instead."
            )
    moves: list[tuple[LeadView, str]] = []
    turn = 0
    for lead in leads:
        if to is not None:
            target = to
        else:
            candidates = [rep.id for rep in pool if rep.id != lead.owner_id]
            if not candidates:
                continue
            target = candidates[turn % len(candidates)]
            turn += 1
        if target == lead.owner_id:
            continue
        done = change_lead(deps, by=by, lead_id=lead.id, change=Assign(target), now=now)
        if done.changed:
            moves.append((done.lead, target))
    return moves
