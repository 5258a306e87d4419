"""The team roster: who the reps are, from `[team] reps` and the members of `[team] reps_usergroup`.

Using pipebot does not make someone a rep. With a roster, only its reps own leads by default,
receive inbound assignments, count in per-rep figures and get the daily DMs; managers are on the
team as well. Without one (neither key set, a first install), everyone who uses pipebot is a rep,
as before. The user group's members are read from Slack and kept in `reps.in_reps_group`, so
every replica and every job sees the same roster.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, or_, select, true, update
from sqlalchemy.orm import Session

from bot.config import Config
from bot.models import Rep
from bot.services.reps import known_rep


@dataclass(frozen=True)
class Roster:
    """Who is on the team: the listed reps, the user group's members (when one is set), the managers."""

    configured: bool
    listed: frozenset[str] = frozenset()
    uses_group: bool = False
    managers: frozenset[str] = frozenset()

    @classmethod
    def of(cls, config: Config) -> Roster:
        team = config.pipeline.team
        return cls(
            configured=team.has_roster,
            listed=frozenset(team.reps),
            uses_group=bool(team.reps_usergroup),
            managers=config.managers,
        )

    def rep_condition(self) -> ColumnElement[bool]:
        """SQL for "this rep record is a rep on the roster" (everyone, without a roster)."""
        if not self.configured:
            return true()
        conditions: list[ColumnElement[bool]] = [Rep.id.in_(sorted(self.listed))]
        if self.uses_group:
            conditions.append(Rep.in_reps_group.is_(True))
        return or_(*conditions)

    def team_condition(self) -> ColumnElement[bool]:
        """SQL for "on the team": a rep on the roster, or a manager."""
        if not self.configured:
            return true()
        return or_(self.rep_condition(), Rep.id.in_(sorted(self.managers)))

    def is_rep(self, session: Session, *, user_id: str) -> bool:
        """Whether someone is a rep on the roster (anyone, without a roster)."""
        if not self.configured or user_id in self.listed:
            return True
        if not self.uses_group:
            return False
        rep = session.get(Rep, user_id)
        return bool(rep is not None and rep.in_reps_group)

    def admits(self, user_id: str, *, in_reps_group: bool) -> bool:
        """`on_team` for someone whose rep record is read already (`in_reps_group` from it)."""
        if user_id in self.managers or not self.configured or user_id in self.listed:
            return True
        return self.uses_group and in_reps_group

    def on_team(self, session: Session, *, user_id: str) -> bool:
        """Whether someone may use pipebot as a member of the team: a rep on the roster or a manager."""
        return user_id in self.managers or self.is_rep(session, user_id=user_id)

    def members(self, session: Session) -> frozenset[str]:
        """Every rep on the roster by id (the listed ones and the group's); only with a roster."""
        group = (
            session.scalars(select(Rep.id).where(Rep.in_reps_group.is_(True)))
            if self.uses_group
            else ()
        )
        return self.listed | frozenset(group)


def record_listed_reps(session: Session, *, roster: Roster, now: datetime) -> None:
    """Give every rep listed in `[team] reps` a record, so their DMs start before they type anything."""
    for user_id in sorted(roster.listed):
        known_rep(session, user_id=user_id, now=now)


def record_group_members(
    session: Session, *, member_ids: Collection[str], now: datetime
) -> tuple[int, int]:
    """Store the user group's members as Slack gave them; returns how many joined and left."""
    members = set(member_ids)
    before = set(session.scalars(select(Rep.id).where(Rep.in_reps_group.is_(True))))
    for user_id in sorted(members - before):
        known_rep(session, user_id=user_id, now=now).in_reps_group = True
    left = before - members
    if left:
        session.execute(
            update(Rep).where(Rep.id.in_(sorted(left))).values(in_reps_group=False),
            execution_options={"synchronize_session": False},
        )
    session.flush()
    return len(members - before), len(left)
