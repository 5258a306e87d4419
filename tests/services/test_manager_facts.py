"""The managers' reads on a real session (SQLite and PostgreSQL): what they return, and how many statements."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import update

from bot.deps import Deps
from bot.domain.team_facts import ManagerWindow
from bot.models import Rep
from bot.services import lead_changes, leads, manager_facts, reps, touches
from bot.services.lead_changes import Actor
from tests.domain.managers_kit import NY, RULES
from tests.seeding import StatementCounter

NOW = datetime(2026, 12, 7, 14, 0, tzinfo=UTC)  # Monday 09:00 in New York
WINDOW = ManagerWindow.at(NOW, zone=NY, rules=RULES)
DANA, KENJI, MAX, GONE = "UDANA0001", "UKENJI001", "UMAX00001", "UGONE0001"


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


KNOCKED_OUT = {"need": "yes", "fit": "no", "decider": "yes", "timing": "yes", "position": "yes",
               "effort": "yes", "outlook": "yes", "risks": "yes", "worth": "yes"}  # fmt: skip
TOO_FEW = {"decider": "no", "timing": "no"}


def seed_team(deps: Deps, suffix: str = "") -> dict[str, int]:
    """A small team's history, written through the same services the app uses."""
    dana, kenji, gone = DANA + suffix, KENJI + suffix, GONE + suffix
    ids: dict[str, int] = {}
    with deps.session_factory.begin() as session:
        for user, manager in ((dana, False), (kenji, False), (MAX + suffix, True), (gone, False)):
            reps.ensure_rep(session, user_id=user, now=ago(400), is_manager=manager)
        session.execute(update(Rep).where(Rep.id == dana).values(quota=Decimal(50_000)))

        def new(name: str, owner: str, at: datetime, by: str | None = None, **fields) -> int:
            created = leads.create_lead(
                session, new=leads.NewLead(company=name, owner_id=owner, stage="prospecting", **fields),
                created_by=by or owner, now=at,
            )  # fmt: skip
            ids[name] = created.id
            return created.id

        def touch(lead_id: int, who: str, kind: str, at: datetime) -> None:
            touches.log_touch(session, lead_id=lead_id, author=Actor(who, False), kind=kind,
                              note="", now=at)  # fmt: skip

        worked = new("Worked", dana, ago(40), value=Decimal(1000))
        lead_changes.move_stage(
            session, lead_id=worked, stage="qualification", actor=Actor(dana, False), now=ago(10)
        )
        touch(worked, dana, "call", ago(2))
        touch(worked, dana, "note", ago(1))
        dud = new("Dud", dana, ago(20), value=Decimal(2000))
        for day in (15, 12, 8):
            touch(dud, dana, "call", ago(day))
        lead_changes.close_lead(session, lead_id=dud, outcome="lost", actor=Actor(dana, False),
                                now=ago(3), reason="unqualified")  # fmt: skip
        inbound = new("Inbound", kenji, ago(5), source="Inbound")
        touch(inbound, kenji, "call", ago(4))
        new("Handed", kenji, ago(3), by=MAX + suffix)
        won = new("Won", dana, ago(30), value=Decimal(5000), currency="EUR")
        lead_changes.close_lead(
            session, lead_id=won, outcome="won", actor=Actor(dana, False), now=ago(1)
        )
        new("Orphan", gone, ago(60), value=Decimal(700))
        parked = new("Parked", dana, ago(25))
        lead_changes.snooze(
            session, lead_id=parked, until=date(2026, 12, 20), actor=Actor(dana, False), now=ago(2)
        )
        # A knock-out ("no" on fit) makes a weak fit whatever the score; a low score on two
        # answers is not enough to judge, so touches on it are not sunk.
        weak = new("Weak", kenji, ago(9))
        lead_changes.record_qualification(session, lead_id=weak, answers=KNOCKED_OUT, score=75,
                                          actor=Actor(kenji, False), now=ago(8))  # fmt: skip
        touch(weak, kenji, "email", ago(7))
        touch(weak, kenji, "email", ago(6))
        unsure = new("Unsure", kenji, ago(9))
        lead_changes.record_qualification(session, lead_id=unsure, answers=TOO_FEW, score=0,
                                          actor=Actor(kenji, False), now=ago(8))  # fmt: skip
        touch(unsure, kenji, "message", ago(5))
        session.execute(update(Rep).where(Rep.id == gone).values(is_active=False))
    return ids


def test_congestion_facts_read_reps_open_leads_quota_wins_and_time_sink(deps: Deps) -> None:
    ids = seed_team(deps)
    with deps.session_factory() as session:
        facts = manager_facts.read_congestion_facts(session, window=WINDOW)
    people = {rep.id: rep for rep in facts.reps}
    assert (people[DANA].quota, people[MAX].role, people[GONE].is_active) == (
        50_000,
        "manager",
        False,
    )
    assert people[DANA].first_owned_at == ago(40) and people[MAX].first_owned_at is None
    open_by_name = {lead.company: lead for lead in facts.open_leads}
    assert sorted(open_by_name) == [
        "Handed",
        "Inbound",
        "Orphan",
        "Parked",
        "Unsure",
        "Weak",
        "Worked",
    ]
    worked = open_by_name["Worked"]
    assert (worked.stage, worked.value, worked.stage_changed_at) == ("qualification", 1000, ago(10))
    # The note logged after the call is context, not a contact: the last touch is the call.
    assert worked.last_touch_at == ago(2) and worked.created_at.tzinfo is not None
    assert open_by_name["Parked"].snoozed_until == date(2026, 12, 20)
    assert facts.new_leads_14d == {KENJI: 4}
    [won] = facts.won_this_period
    assert (won.owner_id, won.currency, won.value, won.count) == (DANA, "EUR", 5000, 1)
    sink = {(row.author_id, row.kind, row.on_sink): row.count for row in facts.sink_touches}
    # Dana's calls on the lead she lost as unqualified and Kenji's emails on a weak fit are sunk;
    # her call on a live lead is not, and her note is not a contact at all.
    assert sink == {(DANA, "call", True): 3, (DANA, "call", False): 1, (KENJI, "call", False): 1,
                    (KENJI, "email", True): 2, (KENJI, "message", False): 1}  # fmt: skip
    [dud] = facts.unqualified
    assert (dud.lead_id, dud.owner_id, dud.contact_touches, dud.closed_at) == (
        ids["Dud"], DANA, 3, ago(3),
    )  # fmt: skip


def test_report_facts_read_history_closes_new_leads_touches_and_snoozes(deps: Deps) -> None:
    ids = seed_team(deps)
    with deps.session_factory() as session:
        facts = manager_facts.read_report_facts(session, window=WINDOW, rules=RULES)
    by_lead: dict[int, list] = {}
    for move in facts.moves:
        by_lead.setdefault(move.lead_id, []).append((move.from_stage, move.to_stage, move.at))
    assert by_lead[ids["Worked"]] == [
        (None, "prospecting", ago(40)),
        ("prospecting", "qualification", ago(10)),
    ]
    assert by_lead[ids["Won"]][-1] == ("prospecting", "won", ago(1))
    closes = {close.lead_id: close for close in facts.closes}
    # A loss recorded with only a reason gets the category the reason implies.
    assert (closes[ids["Dud"]].outcome, closes[ids["Dud"]].category) == ("lost", "unqualified")
    assert (closes[ids["Won"]].value, closes[ids["Won"]].currency) == (5000, "EUR")
    new = {lead.id: lead for lead in facts.new_leads}
    assert new[ids["Inbound"]].inbound and new[ids["Inbound"]].first_contact_at == ago(4)
    assert new[ids["Handed"]].inbound and new[ids["Handed"]].first_contact_at is None
    assert not new[ids["Worked"]].inbound  # a rep's own prospect
    assert ids["Orphan"] not in new  # created before the window
    counts = {(row.author_id, row.kind, row.week): row.count for row in facts.touches}
    # Report week: Monday 30 Nov 00:00 to Monday 7 Dec 00:00 New York time.
    assert counts[(DANA, "call", 0)] == 1 and counts[(DANA, "note", 0)] == 1
    assert counts[(DANA, "call", 1)] == 2  # 12 and 8 days ago
    assert [(row.person_id, row.week, row.count) for row in facts.snoozes] == [(DANA, 0, 1)]
    # Worked's last touch (a note counts for the no-touch clock) before Monday midnight.
    assert facts.last_touches[ids["Worked"]][0] == ago(1)
    assert facts.history_start == ago(60)


def test_the_reads_use_the_same_statements_for_a_small_and_a_large_team(
    deps: Deps, engine, backend
) -> None:
    def measure() -> tuple[int, int]:
        with deps.session_factory() as session, StatementCounter(engine) as counter:
            manager_facts.read_congestion_facts(session, window=WINDOW)
        alerts = len(counter.statements)
        with deps.session_factory() as session, StatementCounter(engine) as counter:
            manager_facts.read_report_facts(session, window=WINDOW, rules=RULES)
        return alerts, len(counter.statements)

    seed_team(deps, "A")
    small = measure()
    for suffix in "BCDEFGH":
        seed_team(deps, suffix)
    large = measure()
    assert small == large, (small, large)
    print(f"statements [{backend}]: alerts {small[0]}, report {small[1]}")
