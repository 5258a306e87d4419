"""My settings: what a rep decides for themselves, read and saved in one place."""

from __future__ import annotations

from datetime import datetime

from bot.deps import Deps
from bot.domain.access import Actor
from bot.domain.forms import FormInvalid
from bot.domain.rep_settings import MySettings, SettingsForm, read_settings_form
from bot.flows.roster import roster_of
from bot.services import reps


def my_settings(deps: Deps, *, user_id: str) -> MySettings:
    """A rep's settings as they apply now."""
    schedule = deps.pipeline.schedule
    with deps.session_factory() as session:
        return reps.read_my_settings(
            session,
            user_id=user_id,
            team_time=schedule.plan_time,
            team_days=schedule.working_days,
        )


def save_my_settings(deps: Deps, *, by: Actor, form: SettingsForm, now: datetime) -> MySettings:
    """Check and store what a rep chose; FormInvalid names every field to fix."""
    schedule = deps.pipeline.schedule
    with deps.session_factory.begin() as session:
        default_time, default_days = reps.admin_defaults(
            session,
            user_id=by.user_id,
            team_time=schedule.plan_time,
            team_days=schedule.working_days,
        )
        change = read_settings_form(
            form,
            user_id=by.user_id,
            today=by.today(now),
            default_time=default_time,
            default_days=default_days,
        )
        if change.delegate and not roster_of(deps).on_team(session, user_id=change.delegate):
            raise FormInvalid({"delegate": "Pick someone on the sales team to cover for you."})
        reps.save_my_settings(session, user_id=by.user_id, change=change, now=now)
        return reps.read_my_settings(
            session,
            user_id=by.user_id,
            team_time=schedule.plan_time,
            team_days=schedule.working_days,
        )
