"""JSON log lines carry the context bound at the edges: request, user, command or action, job, notification."""

from __future__ import annotations

import logging
import threading

import pytest

from bot.logs import bind, current_context, log_context, unbind
from bot.scheduler import build_scheduler
from bot.slack.request_log import request_fields
from jobs import JobSpec
from jobs.spec import Every
from tests.jsonlogs import json_logs

logger = logging.getLogger("pipebot.test")
# Token-shaped, assembled so no committed line looks like a real credential.
TOKEN = "-".join(["xoxb", "1234567890", "abcdefABCDEF"])


def test_fields_bound_in_a_block_are_on_every_line_inside_it_and_gone_after() -> None:
    with json_logs() as lines:
        logger.info("before")
        with log_context(request_id="r1", user="UREP00001", command="/lead"):
            logger.info("inside")
            with log_context(action="lead_won"):
                logger.warning("nested")
        logger.info("after")
    before, inside, nested, after = lines.all()
    assert set(before) == {"time", "level", "logger", "message"}
    assert (inside["request_id"], inside["user"], inside["command"]) == ("r1", "UREP00001", "/lead")
    assert nested["action"] == "lead_won" and nested["command"] == "/lead"
    assert "action" not in after and "request_id" not in after


def test_only_known_fields_bind_and_none_is_left_out() -> None:
    with pytest.raises(ValueError, match="not a log context field"):
        bind(lead_name="Acme")
    token = bind(user=None, job_id="morning-plan")
    assert current_context() == {"job_id": "morning-plan"}
    unbind(token)
    assert current_context() == {}


def test_a_thread_starts_without_the_context_of_the_thread_that_started_it() -> None:
    seen: list[dict[str, str]] = []
    with log_context(request_id="r1"):
        thread = threading.Thread(target=lambda: seen.append(current_context()))
        thread.start()
        thread.join()
    assert seen == [{}]  # which is why listeners, ticks and rows bind their own


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"command": "/lead", "text": "Acme", "user_id": "U1"}, {"command": "/lead"}),
        ({"type": "block_actions", "actions": [{"action_id": "lead_won"}]}, {"action": "lead_won"}),
        ({"type": "view_submission", "view": {"callback_id": "new_lead_modal"}}, {"action": "new_lead_modal"}),
        ({"type": "message_action", "callback_id": "log_touch"}, {"action": "log_touch"}),
        ({"type": "block_suggestion", "action_id": "lead_select"}, {"action": "lead_select"}),
        ({"type": "event_callback", "event": {"type": "app_home_opened"}}, {"event": "app_home_opened"}),
    ],
)  # fmt: skip
def test_request_fields_name_what_was_asked_for(body: dict, expected: dict) -> None:
    assert request_fields(body, user_id="U1") == {"user": "U1", **expected}


def test_a_failed_tick_logs_at_error_with_its_job_id_and_a_masked_traceback(
    deps, monkeypatch
) -> None:
    def broken(job_deps, now):
        raise RuntimeError(f"Slack said no to {TOKEN}")

    monkeypatch.setattr("bot.scheduler.JOBS", (JobSpec("stale-nudges", Every(15, second=0), "", broken),))  # fmt: skip
    monkeypatch.setattr("bot.scheduler.MAINTENANCE", ())
    [job] = build_scheduler(deps).get_jobs()
    with json_logs() as lines:
        job.func()
    [line] = lines.matching("job stale-nudges failed")
    assert line["level"] == "ERROR" and line["job_id"] == "stale-nudges"
    assert "Traceback (most recent call last)" in line["exception"]
    assert "in broken" in line["exception"] and "RuntimeError" in line["exception"]
    assert TOKEN not in line["exception"] and "xoxb-***" in line["exception"]
