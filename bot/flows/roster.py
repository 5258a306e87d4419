"""Who is on the team, as every surface asks it: a rep on the roster or a manager may use pipebot and own leads."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.deps import Deps
from bot.domain.errors import UserFacingError
from bot.services.roster import Roster


class NotOnTeam(UserFacingError):
    """Someone off the roster used pipebot: one line on who can add them."""

    def __init__(self, message: str) -> None:
        super().__init__(message, is_mrkdwn=True)


def roster_of(deps: Deps) -> Roster:
    return Roster.of(deps.config)


def who_adds(deps: Deps) -> str:
    """Who can put someone on the roster, and where, in a few words of mrkdwn."""
    team = deps.pipeline.team
    managers = sorted(deps.config.managers)
    people = " or ".join(f"<@{manager}>" for manager in managers[:3]) or "your pipebot admin"
    if team.reps_usergroup and team.reps:
        where = "to the reps' user group in Slack, or to `[team] reps` in pipeline.toml"
    elif team.reps_usergroup:
        where = "to the reps' user group in Slack"
    else:
        where = "to `[team] reps` in pipeline.toml"
    return f"{people} can add you {where}"


def off_team_line(deps: Deps) -> str:
    """The one line someone off the roster gets, whatever they tried."""
    return (
        f"pipebot works for the sales team's reps and managers, and you are not on its roster; "
        f"{who_adds(deps)}."
    )


def team_refusal(deps: Deps, session: Session, *, user_id: str) -> str | None:
    """Why someone may not use pipebot (off the roster), or None when they may (always, without a roster)."""
    if roster_of(deps).on_team(session, user_id=user_id):
        return None
    return off_team_line(deps)


def require_on_team(deps: Deps, *, user_id: str) -> None:
    """Refuse, with the one line, someone who is not on the team (a short read of their own)."""
    roster = roster_of(deps)
    if not roster.configured or user_id in roster.managers or user_id in roster.listed:
        return
    with deps.session_factory() as session:
        refused = team_refusal(deps, session, user_id=user_id)
    if refused:
        raise NotOnTeam(refused)


def assignee_refusal(deps: Deps, *, owner_id: str, mrkdwn: bool = True) -> str | None:
    """Why a lead can't be given to this person (not on the team), or None when it can."""
    roster = roster_of(deps)
    if not roster.configured:
        return None
    with deps.session_factory() as session:
        if roster.on_team(session, user_id=owner_id):
            return None
    shown = f"<@{owner_id}>" if mrkdwn else "That person"
    return (
        f"{shown} is not on the team's roster, so leads can't be theirs; give it to one of the "
        "reps, or ask a manager to add them."
    )
