"""pipeline-cleanup: 15:00 local on the last working day of the week (Friday for Mon–Fri), leads
that had their chances, with last-chance, keep and archive."""

from __future__ import annotations

from datetime import date

from bot.config import default_pipeline_text
from bot.services.rhythm import KEPT_EVENT
from bot.slack.ids import Action
from bot.slack.messages.cleanup import render_last_chance_email
from jobs import pipeline_cleanup
from tests.jobs.factories import add_event, add_lead, add_touches, days, facts, utc

FRI_1500 = utc("2026-12-04T20:00:00")  # Fri 4 Dec, 15:00 New York


def test_fridays_at_1500_with_the_three_buttons(deps, db, queued, rep):
    with db() as session:
        # Six calls since it last moved, none answered by a meeting.
        tired = add_lead(session, owner=rep, company="Tired Co", created_at=FRI_1500 - days(20))
        add_touches(session, tired, at=[FRI_1500 - days(n) for n in (12, 10, 8, 6, 4, 2)])
        # Tried twice, and 31 days without a stage move.
        parked = add_lead(
            session,
            owner=rep,
            company="Parked Inc",
            created_at=FRI_1500 - days(45),
            stage_changed_at=FRI_1500 - days(31),
        )
        add_touches(session, parked, at=[FRI_1500 - days(9), FRI_1500 - days(2)])
        fine = add_lead(session, owner=rep, created_at=FRI_1500 - days(10))
        add_touches(session, fine, at=[FRI_1500 - days(1)])
    assert pipeline_cleanup.run(deps, FRI_1500 - days(1)) == 0  # Thursday
    assert pipeline_cleanup.run(deps, utc("2026-12-04T19:59:00")) == 0
    assert pipeline_cleanup.run(deps, FRI_1500) == 1
    assert pipeline_cleanup.run(deps, FRI_1500) == 0
    [sent] = queued(pipeline_cleanup.JOB_ID)
    assert sent.key == "pipeline-cleanup:UNY000001:2026-12-04"
    leads = [block_id for block_id in sent.block_ids() if block_id.startswith("cleanup_lead_")]
    assert leads == [f"cleanup_lead_{parked}", f"cleanup_lead_{tired}"]
    actions = next(
        block for block in sent.blocks if block.get("block_id") == f"cleanup_actions_{tired}"
    )
    assert [(e["action_id"], e["value"]) for e in actions["elements"]] == [
        (Action.DRAFT_LAST_CHANCE, str(tired)),
        (Action.KEEP, str(tired)),
        (Action.ARCHIVE, str(tired)),
        (Action.OPEN_LEAD, str(tired)),
    ]
    assert "End-of-week cleanup" in sent.text and "6+ unanswered attempts" in sent.text


def test_kept_and_snoozed_leads_are_left_alone(deps, db, rep):
    with db() as session:
        kept = add_lead(session, owner=rep, created_at=FRI_1500 - days(60))
        add_touches(session, kept, at=[FRI_1500 - days(n) for n in range(20, 60, 5)])
        add_event(session, kept, kind=KEPT_EVENT, at=FRI_1500 - days(7))
        snoozed = add_lead(
            session, owner=rep, created_at=FRI_1500 - days(60), snoozed_until=date(2026, 12, 10)
        )
        add_touches(session, snoozed, at=[FRI_1500 - days(n) for n in range(20, 60, 5)])
    assert pipeline_cleanup.run(deps, FRI_1500) == 0
    # Two weeks after the keep, it is back.
    assert pipeline_cleanup.run(deps, FRI_1500 + days(7)) == 1


def test_last_chance_email_from_the_built_in_template():
    lead = facts(
        company="Acme & Sons", contact="Jordan Lee", touch_count=6, last_touch_at=FRI_1500 - days(4)
    )
    subject, body = render_last_chance_email(lead, "Dana Whitfield", now=FRI_1500)
    assert subject == "Should I close the file on Acme & Sons?"
    assert body.startswith("Hi Jordan,")
    assert body.rstrip().endswith("Dana Whitfield")
    assert "{{" not in body and "&amp;" not in body  # plain text for an email, not mrkdwn


def test_last_chance_email_from_the_teams_override(make_deps):
    override = (
        'last_chance_template = """Subject: {{ company }}: last call\n\n'
        '{{ first_name }}, {{ touch_count }} tries in {{ stage_name }}. {{ rep_name }}"""\n'
    )
    deps = make_deps(pipeline_toml=override + default_pipeline_text())
    template = deps.pipeline.last_chance_template
    lead = facts(company="Globex", contact="Hank Scorpio", touch_count=7)
    subject, body = render_last_chance_email(
        lead, "Dana", now=FRI_1500, template=template, stage_name="Proposal"
    )
    assert (subject, body) == ("Globex: last call", "Hank, 7 tries in Proposal. Dana")


def test_a_broken_override_falls_back_to_the_built_in_email():
    lead = facts(company="Initech", contact=None)
    subject, body = render_last_chance_email(
        lead, "Dana", now=FRI_1500, template="Hi {{ unknown_name }}"
    )
    assert subject == "Should I close the file on Initech?"
    assert body.startswith("Hi there,")
