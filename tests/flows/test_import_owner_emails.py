"""Owners in a lead CSV given as teammates' emails, looked up once each with users.lookupByEmail."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from sqlalchemy import select

from bot.deps import Deps
from bot.flows.imports import import_leads
from bot.models import Lead
from tests.fakeslack import FakeSlack
from tests.support import BOT_TOKEN

DANA, KENJI = "UREP00001", "UREP00002"


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack(rate_limits=False) as fake:
        fake.add_user(DANA, name="dana", email="Dana@Example.com")
        fake.add_user(KENJI, name="kenji")
        fake.add_user("UGONE0001", name="gone", deleted=True)
        yield fake


def with_slack(deps: Deps, slack: FakeSlack) -> Deps:
    return dataclasses.replace(deps, slack=WebClient(token=BOT_TOKEN, base_url=slack.base_url))


def owners(deps: Deps) -> dict[str, str]:
    with deps.session_factory() as session:
        return {
            company: owner
            for company, owner in session.execute(select(Lead.company, Lead.owner_id))
        }


def test_emails_become_member_ids_asked_once_each(deps: Deps, slack: FakeSlack) -> None:
    source = ["company,owner", "Acme,dana@example.com", "Globex,kenji@example.com",
              "Initech,DANA@example.com", f"Umbrella,{KENJI}"]  # fmt: skip
    done = import_leads(
        with_slack(deps, slack), source=source, default_owner="", now=deps.clock.now()
    )
    assert done.errors == () and done.created == 4
    assert owners(deps) == {"Acme": DANA, "Globex": KENJI, "Initech": DANA, "Umbrella": KENJI}
    assert len(slack.calls("users.lookupByEmail")) == 2


def test_an_unknown_or_deactivated_email_is_its_line(deps: Deps, slack: FakeSlack) -> None:
    source = [
        "company,owner",
        "Acme,nobody@example.com",
        "Globex,gone@example.com",
        "Ok,dana@example.com",
    ]
    done = import_leads(
        with_slack(deps, slack), source=source, default_owner="", now=deps.clock.now()
    )
    assert [(error.line, "no active Slack member" in error.message) for error in done.errors] == [
        (2, True),
        (3, True),
    ]
    assert owners(deps) == {}


def test_without_a_slack_client_an_email_owner_says_what_is_missing(deps: Deps) -> None:
    assert deps.slack is None
    done = import_leads(
        deps,
        source=["company,owner", "Acme,dana@example.com"],
        default_owner="",
        now=deps.clock.now(),
    )
    [error] = done.errors
    assert error.line == 2 and "SLACK_BOT_TOKEN" in error.message


def test_when_slack_cannot_be_asked_every_such_row_says_so_after_one_try(
    deps: Deps, slack: FakeSlack
) -> None:
    slack.fail_next("users.lookupByEmail", status=200, error="missing_scope")
    source = ["company,owner", "Acme,dana@example.com", "Globex,kenji@example.com", f"Ok,{DANA}"]
    done = import_leads(
        with_slack(deps, slack), source=source, default_owner="", now=deps.clock.now()
    )
    assert [error.line for error in done.errors] == [2, 3]
    assert all(
        "Slack could not be asked" in e.message and "missing_scope" in e.message
        for e in done.errors
    )
    assert len(slack.calls("users.lookupByEmail")) == 1
