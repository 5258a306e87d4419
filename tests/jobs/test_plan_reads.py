"""The morning plan's reads in SQL give the plan the Python rules give from every open lead.

The seeded corpus of `layouts.py` (every section, snoozes, unknown stages, several currencies,
values that round on the half cent) is stored, read back through `first_plan_leads` (the plan's
first leads, ranked and counted in SQL) and `open_totals_by_owner`, and must make the same plan
and the same message, byte for byte, as `build_morning_plan` over all of the rep's open leads.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert

from bot.domain.leads import company_key
from bot.domain.plan import build_morning_plan, open_totals, plan_from
from bot.domain.rhythm import LeadFacts, late_stage_keys, take_snapshot
from bot.models import Lead
from bot.services.plan_reads import first_plan_leads, open_totals_by_owner
from bot.slack.messages.plan import build_morning_plan_blocks
from bot.slack.messages.rows import SHOWN_MAX
from tests.jobs.factories import STAGES, add_rep
from tests.jobs.layouts import NOW, TODAY, as_json, random_leads

OWNER = "UREP00001"
LATE = late_stage_keys(STAGES)


def _store(session, leads: list[LeadFacts], *, status: str = "open") -> None:
    session.execute(
        insert(Lead),
        [
            {
                "id": lead.id,
                "company": lead.company,
                "company_key": company_key(lead.company),
                "contact": lead.contact,
                "owner_id": lead.owner_id,
                "stage": lead.stage,
                "status": status,
                "value": lead.value,
                "currency": lead.currency,
                "created_at": lead.created_at,
                "stage_changed_at": lead.stage_changed_at,
                "last_touch_at": lead.last_touch_at,
                "first_touch_at": lead.first_touch_at,
                "next_follow_up": lead.next_follow_up,
                "snoozed_until": lead.snoozed_until,
                "touch_count": lead.touch_count,
                "updated_at": lead.updated_at,
                "expected_close": lead.expected_close,
                "inbound": lead.inbound,
                "close_pushes": 0,
            }
            for lead in leads
        ],
    )


def _corpus(seed: int, count: int) -> list[LeadFacts]:
    # Qualification answers are not stored here, so the verdict reads back as None; a stored lead
    # always has an `updated_at`.
    return [
        replace(lead, verdict=None, updated_at=lead.updated_at or lead.created_at)
        for lead in random_leads(seed, count)
    ]


def _first(session, *, limit: int = SHOWN_MAX, now=NOW, today=TODAY):
    """The plan's totals and its first leads and section counts, as the morning tick reads them."""
    totals = open_totals_by_owner(session, owner_ids=[OWNER], stages=STAGES)
    if OWNER not in totals:
        return None, None
    found = open_totals(totals[OWNER], stages=STAGES)
    first = first_plan_leads(
        session,
        main_currency={OWNER: found.main_currency},
        today=today,
        now=now,
        stages=STAGES,
        late=LATE,
        limit=limit,
    )
    return found, first.get(OWNER)


def _from_sql(found, first, *, now=NOW, today=TODAY):
    return plan_from(
        OWNER,
        first.leads,
        totals=found,
        stages=STAGES,
        now=now,
        today=today,
        section_counts=first.counts,
    )


@pytest.mark.parametrize("limit", [SHOWN_MAX, 3])
@pytest.mark.parametrize("seed,count", [(1, 5), (2, 60), (3, 250), (4, 250)])
def test_sql_ranks_and_counts_the_plan_python_makes_from_every_lead(db, seed, count, limit):
    leads = _corpus(seed, count)
    closed = [replace(lead, id=lead.id + 500) for lead in _corpus(seed + 100, 20)]
    with db() as session:
        add_rep(session, OWNER)
        _store(session, leads)
        _store(session, closed, status="won")  # never listed, never counted
    with db() as session:
        found, first = _first(session, limit=limit)

    whole = build_morning_plan(OWNER, leads, stages=STAGES, now=NOW, today=TODAY)
    assert whole is not None and first is not None
    # Only the first leads come back, and they are the plan's first, in its order.
    assert len(first.leads) == min(limit, len(whole.items))
    from_sql = _from_sql(found, first)
    assert [item.lead.id for item in from_sql.items] == [item.lead.id for item in whole.items][
        :limit
    ]
    assert from_sql.counts() == whole.counts() and from_sql.listed == len(whole.items)
    assert from_sql.is_clear == whole.is_clear
    assert from_sql.snapshot == take_snapshot(leads, stages=STAGES)
    if limit == SHOWN_MAX:
        for zone in (None, ZoneInfo("Asia/Tokyo")):
            assert as_json(
                build_morning_plan_blocks(from_sql, stages=STAGES, now=NOW, zone=zone)
            ) == as_json(build_morning_plan_blocks(whole, stages=STAGES, now=NOW, zone=zone))


@pytest.mark.parametrize("stage", ["closing", "prospecting", "retired"])
def test_whole_days_rank_to_the_microsecond_as_python_counts_them(db, stage):
    # Around each whole day since the last touch or the last move, a microsecond either side: the
    # database counts the same days Python does, so values break the same ties.
    now = NOW + timedelta(microseconds=500_000)
    base = replace(
        _corpus(31, 1)[0],
        stage=stage,
        next_follow_up=None,
        snoozed_until=None,
        expected_close=None,
        currency="USD",
        first_touch_at=NOW - timedelta(days=90),
        created_at=NOW - timedelta(days=120),
    )
    leads = []
    for number, (days, nudge) in enumerate(
        (days, nudge) for days in (15, 16, 31, 32, 45) for nudge in (-1, 0, 1, 999_999)
    ):
        moment = now - timedelta(days=days) + timedelta(microseconds=nudge)
        # Half stale (untouched since `moment`), half stuck only (touched lately, unmoved).
        stale = number % 2 == 0
        leads.append(
            replace(
                base,
                id=700 + number,
                value=Decimal(1000 + (number * 37) % 11 * 100),
                last_touch_at=moment if stale else now - timedelta(hours=1),
                stage_changed_at=now - timedelta(days=60) if stale else moment,
            )
        )
    with db() as session:
        add_rep(session, OWNER)
        _store(session, leads)
    whole = build_morning_plan(OWNER, leads, stages=STAGES, now=now, today=TODAY)
    assert whole is not None
    for limit in (3, 7, SHOWN_MAX):
        with db() as session:
            found, first = _first(session, limit=limit, now=now)
        from_sql = _from_sql(found, first, now=now)
        assert [item.lead.id for item in from_sql.items] == [item.lead.id for item in whole.items][
            :limit
        ]
        assert from_sql.counts() == whole.counts()


def test_reps_on_two_dates_are_each_ranked_on_their_own(db):
    leads = _corpus(41, 80)
    with db() as session:
        add_rep(session, OWNER)
        _store(session, leads)
    tomorrow = TODAY + timedelta(days=1)
    for today in (TODAY, tomorrow):
        whole = build_morning_plan(OWNER, leads, stages=STAGES, now=NOW, today=today)
        with db() as session:
            found, first = _first(session, limit=5, today=today)
        from_sql = _from_sql(found, first, today=today)
        assert [item.lead.id for item in from_sql.items] == [item.lead.id for item in whole.items][
            :5
        ]
        assert from_sql.counts() == whole.counts()


def test_weighted_totals_round_each_lead_half_to_even_as_python_does(db):
    # 0.35 × 1234.50 = 432.075 and 0.35 × 0.10 = 0.035: exact halves, rounded to even, lead by lead.
    values = ["1234.50", "0.10", "0.30", "999999999.99", "12.34", "0.01", "7.50"]
    base = _corpus(9, 1)[0]
    leads = [
        replace(
            base,
            id=900 + index,
            stage=stage,
            value=Decimal(value),
            currency="USD",
        )
        for index, (value, stage) in enumerate(
            (value, stage)
            for value in values
            for stage in ("connecting", "closing", "qualification", "retired")
        )
    ]
    with db() as session:
        add_rep(session, OWNER)
        _store(session, leads)
    with db() as session:
        totals = open_totals_by_owner(session, owner_ids=[OWNER], stages=STAGES)
    assert open_totals(totals[OWNER], stages=STAGES).snapshot == take_snapshot(leads, stages=STAGES)


def test_an_owner_without_open_leads_has_no_totals(db):
    with db() as session:
        add_rep(session, OWNER)
        _store(session, _corpus(5, 3), status="lost")
    with db() as session:
        assert open_totals_by_owner(session, owner_ids=[OWNER], stages=STAGES) == {}
        found = first_plan_leads(
            session,
            main_currency={OWNER: "USD"},
            today=TODAY,
            now=NOW,
            stages=STAGES,
            late=LATE,
            limit=SHOWN_MAX,
        )
        assert found == {}


def test_probabilities_too_precise_for_sql_are_weighted_from_the_values(db):
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class Stage:
        key: str
        name: str
        probability: Decimal
        stale_days: int = 7
        stuck_days: int = 21

    stages = (
        Stage("prospecting", "Prospecting", Decimal("0.123456789")),
        Stage("closing", "Closing", Decimal("0.875")),
    )
    leads = _corpus(11, 120)
    with db() as session:
        add_rep(session, OWNER)
        _store(session, leads)
    with db() as session:
        totals = open_totals_by_owner(session, owner_ids=[OWNER], stages=stages)
    assert open_totals(totals[OWNER], stages=stages).snapshot == take_snapshot(leads, stages=stages)


def test_a_plans_lead_ids_read_from_its_text_are_those_of_its_blocks():
    import json

    from bot.slack.messages.plan import plan_lead_ids, plan_lead_ids_in_text
    from tests.jobs.layouts import cases

    forged = 'Forged", "block_id": "plan_lead_999'
    hostile = [replace(lead, company=forged, contact=forged) for lead in _corpus(6, 30)]
    plan = build_morning_plan(OWNER, hostile, stages=STAGES, now=NOW, today=TODAY)
    assert plan is not None
    messages = [build_morning_plan_blocks(plan, stages=STAGES, now=NOW)]
    messages += [build() for name, build in cases().items() if "plan" in name]
    for message in messages:
        payload = message.payload()
        expected = plan_lead_ids(payload)
        for text in (json.dumps(payload), as_json(message)):
            assert plan_lead_ids_in_text(text) == expected
    assert 999 not in plan_lead_ids_in_text(json.dumps(messages[0].payload()))
    assert plan_lead_ids_in_text("{}") == frozenset()


@pytest.mark.parametrize("seed", [21, 22, 23])
def test_sql_reads_the_leads_a_nudge_can_be_about_as_python_judges_them(db, seed):
    from bot.domain.staleness import decide_nudges, find_stale_leads, is_scheduled
    from bot.services.nudge_reads import idle_leads_by_owner
    from bot.slack.messages.nudges import build_stale_nudge_blocks

    leads = _corpus(seed, 250)
    with db() as session:
        add_rep(session, OWNER)
        _store(session, leads)
    with db() as session:
        read = idle_leads_by_owner(
            session, owner_ids=[OWNER], stages=STAGES, now=NOW, on_or_before=TODAY
        ).get(OWNER, [])

    def judged(found: list[LeadFacts]) -> list[int]:
        findings = find_stale_leads(found, stages=STAGES, now=NOW, today=TODAY)
        return [f.lead.id for f in findings if not is_scheduled(f.lead, today=TODAY)]

    # Exactly the leads Python would nudge about from all of them, none more.
    assert [lead.id for lead in read] == sorted(judged(leads))
    whole = decide_nudges(
        find_stale_leads(leads, stages=STAGES, now=NOW, today=TODAY), history={}, today=TODAY
    )
    part = decide_nudges(
        find_stale_leads(read, stages=STAGES, now=NOW, today=TODAY), history={}, today=TODAY
    )
    assert part == whole
    assert as_json(
        build_stale_nudge_blocks(part.nudge, stages=STAGES, now=NOW, today=TODAY)
    ) == as_json(build_stale_nudge_blocks(whole.nudge, stages=STAGES, now=NOW, today=TODAY))


def test_leads_read_raw_are_the_leads_the_models_give(db):
    from sqlalchemy import select, update

    from bot.models import Lead
    from bot.services.rhythm import LEAD_COLUMNS, LeadReader, lead_facts

    leads = _corpus(51, 40)
    answers = [None, {}, {"need": "yes", "fit": "partly"}, {"need": "no"}, dict.fromkeys(
        ("need", "fit", "decider", "timing", "position", "effort", "outlook", "risks", "worth"),
        "yes",
    )]  # fmt: skip
    with db() as session:
        add_rep(session, OWNER)
        _store(session, leads)
        for index, lead in enumerate(leads):
            session.execute(
                update(Lead)
                .where(Lead.id == lead.id)
                .values(
                    qualification=answers[index % len(answers)],
                    value=Decimal("0.10") * index if index % 7 else None,
                )
            )
    with db() as session:
        reader = LeadReader.of(session)
        fast = [
            reader.facts(row)
            for row in reader.rows(session, select(*reader.columns).order_by(Lead.id))
        ]
        slow = [lead_facts(row) for row in session.execute(select(*LEAD_COLUMNS).order_by(Lead.id))]
    assert fast == slow and len(fast) == len(leads)
    assert {lead.verdict for lead in fast} > {None}
    instants = [lead.created_at for lead in fast] + [lead.updated_at for lead in fast]
    # The models' own UTC, not merely an offset of zero: on PostgreSQL, the session's time zone.
    assert all(moment.tzinfo is UTC for moment in instants if moment is not None)


def test_each_owners_leads_come_in_the_order_of_their_numbers(db):
    from bot.services.rhythm import open_leads_by_owner
    from tests.jobs.factories import add_lead

    # Stages in an order that is not the numbers': the owners' index lists them by stage.
    stages = ["negotiation", "prospecting", "proposal", "prospecting", "qualified", "negotiation"]
    with db() as session:
        for owner in ("U1", "U2"):
            add_rep(session, owner)
        ids = {
            owner: [
                add_lead(session, owner=owner, created_at=NOW - timedelta(days=3), stage=stage)
                for stage in stages
            ]
            for owner in ("U2", "U1")
        }
    with db() as session:
        found = open_leads_by_owner(session, owner_ids={"U1", "U2"})
    assert {owner: [lead.id for lead in leads] for owner, leads in found.items()} == {
        owner: sorted(lead_ids) for owner, lead_ids in ids.items()
    }
