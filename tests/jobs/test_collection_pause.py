"""Jobs, reports and imports build with the cyclic collector held off, and leave it as they found it."""

from __future__ import annotations

import gc
from dataclasses import replace

import pytest

from bot.collector import collection_paused
from jobs import morning_plan
from tests.jobs.factories import add_lead, add_rep, utc

MON_0830 = utc("2026-11-30T13:30:00")


@pytest.fixture(autouse=True)
def _collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    (gc.enable if was else gc.disable)()


def test_a_tick_builds_its_messages_with_the_collector_paused(make_deps, monkeypatch):
    deps = make_deps()
    with deps.session_factory.begin() as session:
        add_rep(session, "UREP00001")
        add_lead(session, owner="UREP00001", created_at=MON_0830)
    seen = []
    real = morning_plan.DIGEST.message

    def message(*args):
        seen.append(gc.isenabled())
        return real(*args)

    monkeypatch.setattr(morning_plan, "DIGEST", replace(morning_plan.DIGEST, message=message))
    assert morning_plan.run(deps, MON_0830) == 1
    assert seen == [False]
    assert gc.isenabled()


def test_overlapping_pauses_resume_the_collector_when_the_last_ends():
    with collection_paused():
        with collection_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off():
    gc.disable()
    with collection_paused():
        pass
    assert not gc.isenabled()


def test_a_failing_tick_still_resumes_the_collector():
    with pytest.raises(RuntimeError), collection_paused():
        raise RuntimeError("boom")
    assert gc.isenabled()
