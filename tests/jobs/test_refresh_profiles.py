"""Reps' timezones stay fresh from Slack even when they never type anything."""

from dataclasses import replace
from datetime import timedelta

from slack_sdk import WebClient

from bot.services import reps
from jobs import refresh_profiles
from tests.fakeslack import FakeSlack


def test_stale_profiles_are_refreshed_and_deleted_accounts_deactivated(deps, clock) -> None:
    now = clock.now()
    with FakeSlack(rate_limits=False) as slack:
        slack.add_user("UMOVED001", name="kim", tz="Asia/Tokyo")
        slack.add_user("UGONE0001", name="gone", deleted=True)
        slack.add_user("UFRESH001", name="fresh", tz="Europe/Paris")
        with deps.session_factory.begin() as session:
            for user_id in ("UMOVED001", "UGONE0001", "UFRESH001"):
                reps.ensure_rep(session, user_id=user_id, now=now)
            for user_id, name, tz, age in (
                ("UMOVED001", "kim", "America/New_York", timedelta(days=2)),
                ("UFRESH001", "fresh", "Europe/Paris", timedelta(hours=2)),
            ):
                reps.update_profile(session, user_id=user_id, name=name, tz=tz, now=now - age)
        live = replace(deps, slack=WebClient(token="xoxb-test", base_url=slack.base_url))
        refresh_profiles.run(live, now)
        assert {call.args["user"] for call in slack.calls("users.info")} == {
            "UMOVED001",
            "UGONE0001",
        }
        with deps.session_factory() as session:
            assert reps.get_rep(session, user_id="UMOVED001").tz == "Asia/Tokyo"
            assert reps.reps_due_for_refresh(session, now=now, limit=10) == []
        refresh_profiles.run(live, now)
        assert len(slack.calls("users.info")) == 2
